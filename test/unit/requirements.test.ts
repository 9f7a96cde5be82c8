import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as YAML from 'yaml';
import {
  applies,
  builtinRequirements,
  chooseRows,
  parseRequirements,
  rowComponents,
  taskComponents,
  UnknownProfile,
  type RequirementRow,
} from '../../src/airflow/requirements.ts';

const FILE = new URL('../../src/airflow/requirements.yaml', import.meta.url);
const rawRows = () => (YAML.parse(readFileSync(FILE, 'utf8')) as { rows: Record<string, unknown>[] }).rows;
const withRows = (rows: unknown[]) => YAML.stringify({ rows });
const known = (airflow?: string, provider?: string) => ({
  airflow: { value: airflow, source: 't' },
  provider: { value: provider, source: 't' },
});
const row = (id: string) => builtinRequirements().find((r) => r.id === id)!;

describe('requirement model: the data file', () => {
  it('every row has its citation (repo, path, function, versions), version ranges, level and how it was verified', () => {
    const rows = builtinRequirements();
    assert.ok(rows.length >= 15, `${rows.length} rows`);
    for (const r of rows) {
      assert.ok(r.code.length > 0, r.id);
      for (const c of r.code)
        for (const f of ['repo', 'path', 'function', 'versions'] as const) assert.ok(c[f].trim(), `${r.id}: code.${f}`);
      assert.ok(r.airflow.trim() && r.provider.trim(), `${r.id}: version ranges`);
      assert.ok(['required', 'feature', 'unused'].includes(r.level), r.id);
      assert.ok(r.verified.trim(), `${r.id}: verified`);
      // a citation names a file of Airflow or its provider, never our own code
      for (const c of r.code) assert.match(c.repo, /^apache\/airflow$/, r.id);
    }
  });

  for (const field of ['code', 'airflow', 'provider', 'verified', 'feature', 'rules']) {
    it(`a row without ${field} is refused, naming the row and the field`, () => {
      const rows = rawRows();
      delete rows[2][field];
      assert.throws(() => parseRequirements(withRows(rows)), new RegExp(`row "${rows[2].id}": ${field}`));
    });
  }

  it('a citation missing its function or versions is refused; so is a malformed or empty range', () => {
    const rows = rawRows();
    (rows[0].code as Array<Record<string, string>>)[0] = { repo: 'apache/airflow', path: 'x.py', function: 'f' };
    assert.throws(() => parseRequirements(withRows(rows)), /code \(citation/);
    const bad = rawRows();
    bad[0].airflow = '2.3+';
    assert.throws(() => parseRequirements(withRows(bad)), /version range "2.3\+"/);
    bad[0].airflow = '>=3.0.0 <2.0.0';
    assert.throws(() => parseRequirements(withRows(bad)), /is empty/);
  });

  it('three levels, each named optional feature present', () => {
    const rows = builtinRequirements();
    const levels = new Set(rows.map((r) => r.level));
    assert.deepEqual([...levels].sort(), ['feature', 'required', 'unused']);
    const features = rows
      .filter((r) => r.level === 'feature')
      .map((r) => r.feature)
      .join('\n');
    for (const f of [
      'deferrable KubernetesPodOperator',
      'XCom sidecar',
      'log reading from running pods',
      'pod events in task logs',
      'job operators',
    ])
      assert.ok(features.includes(f), f);
  });
});

describe('requirement model: which rows apply', () => {
  const cases: Array<[string, string | undefined, string | undefined, string]> = [
    // row, Airflow, provider, expected
    ['deferrable-kpo-poll', '2.2.5', undefined, 'no'], // no deferrable KPO before Airflow 2.3 (provider 5.2.0 needs 2.3)
    ['deferrable-kpo-poll', '2.3.0', undefined, 'yes'],
    ['deferrable-kpo-poll', '2.8.1', '5.1.1', 'no'], // provider too old
    ['deferrable-kpo-poll', undefined, undefined, 'maybe'],
    ['executor-create-pods', undefined, undefined, 'yes'], // every version
    ['executor-create-pods', '1.10.15', undefined, 'yes'],
    ['executor-adopt-pods', '1.10.15', undefined, 'no'], // adoption is 2.0+
    ['log-reading-find-pod', '2.5.3', undefined, 'no'], // before 2.6 the log is read by pod name
    ['log-reading-find-pod', '2.6.0', undefined, 'yes'],
    ['log-reading-find-pod', '3.0.2', undefined, 'no'], // the api-server row covers Airflow 3
    ['log-reading-api-server-pod-log', '3.0.2', undefined, 'yes'],
    ['log-reading-api-server-pod-log', '2.10.5', undefined, 'no'],
  ];
  for (const [id, af, pv, want] of cases) {
    it(`${id} with Airflow ${af ?? 'unknown'}${pv ? `, provider ${pv}` : ''}: ${want}`, () => {
      const a = applies(row(id), known(af, pv));
      assert.equal(a.applies, want, a.why);
      if (want === 'maybe') assert.match(a.why, /image tag or AIRFLOW_VERSION would decide/);
      if (want === 'no') assert.match(a.why, /exists in/);
    });
  }

  it('rows are chosen by executor and deployed component; --profile picks whole profiles; an unknown profile is refused', () => {
    const rows = builtinRequirements();
    const ids = (rs: RequirementRow[]) => rs.map((r) => r.id);
    const celery = ids(
      chooseRows(rows, { executors: ['CeleryExecutor'], deployed: ['scheduler', 'worker', 'webserver'] }),
    );
    assert.ok(!celery.some((i) => i.startsWith('executor-')), 'CeleryExecutor: the scheduler launches nothing');
    assert.ok(celery.includes('kpo-create-pod'));
    assert.ok(
      !celery.some((i) => i.startsWith('log-reading')),
      'log reading from running pods is a KubernetesExecutor matter',
    );
    const k8s = ids(chooseRows(rows, { executors: ['KubernetesExecutor'], deployed: ['scheduler', 'triggerer'] }));
    assert.ok(
      k8s.includes('executor-watch-pods') && k8s.includes('deferrable-kpo-poll') && k8s.includes('log-reading-pod-log'),
    );
    assert.ok(!k8s.includes('job-operators'), 'job operators only on request');
    assert.deepEqual(ids(chooseRows(rows, { executors: [], deployed: [], explicit: ['job-launching'] })), [
      'job-operators',
    ]);
    assert.throws(() => chooseRows(rows, { executors: [], deployed: [], explicit: ['nope'] }), UnknownProfile);
  });

  it('`task` rows land where tasks run: the scheduler under Local executors, the workers otherwise', () => {
    assert.deepEqual(taskComponents(['LocalExecutor']), ['scheduler']);
    assert.deepEqual(taskComponents(['CeleryExecutor']), ['worker']);
    assert.deepEqual(taskComponents(['LocalKubernetesExecutor']), ['scheduler', 'worker']);
    assert.deepEqual(taskComponents([]), ['worker']);
    assert.deepEqual(rowComponents(row('kpo-xcom-sidecar'), ['LocalExecutor']), ['scheduler']);
    assert.deepEqual(rowComponents(row('deferrable-kpo-poll'), ['LocalExecutor']), ['triggerer']);
  });
});
