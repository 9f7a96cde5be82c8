// How `kubectl airflow rbac` asks: impersonation, the SubjectAccessReview fallback, neither,
// faults, bounded concurrency, exec credential plugins and multi-file KUBECONFIG; and --fix
// applied to the cluster repairs it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { captureIO, label, type CheckRecord } from './rbac-helpers.ts';

const SCENARIO = 'official-kubernetes-executor-broken-rbac';

interface Doc {
  method: string;
  checks: CheckRecord[];
  summary: { missing: number };
}

async function runJson(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; doc?: Doc; err: string }> {
  const io = captureIO(env);
  const code = await main(['rbac', '-n', 'airflow', '-o', 'json', ...args], io);
  return { code, doc: io.out() ? (JSON.parse(io.out()) as Doc) : undefined, err: io.err() };
}

const verdicts = (d: Doc) =>
  d.checks.map((c) => `${c.subject} ${c.namespace} ${label(c)} ${c.required} ${c.allowed}`).sort();

describe('rbac e2e: how the server is asked', function () {
  this.timeout(60_000);
  let sim: Sim;
  let baseline: Doc;
  before(async () => {
    sim = await startSim({ scenario: SCENARIO });
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath]);
    assert.equal(r.code, 1, r.err);
    baseline = r.doc!;
  });
  after(async () => sim?.stop());
  afterEach(() => sim.faults.clear());

  it('impersonates each ServiceAccount with Impersonate-User only', async () => {
    sim.log.reset();
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath]);
    assert.equal(r.doc!.method, 'impersonation');
    const reviews = sim.log.entries.filter((e) => /selfsubject(rules|access)reviews/.test(e.path));
    assert.ok(reviews.length > 0);
    for (const e of reviews) {
      assert.match(String(e.headers['impersonate-user']), /^system:serviceaccount:airflow:airflow-/);
      assert.equal(e.headers['impersonate-group'], undefined);
    }
    // one rules review per account and namespace answers most cells
    assert.equal(
      sim.log.count((e) => e.path.endsWith('/selfsubjectrulesreviews')),
      5,
    );
  });

  it('a default run confirms only denials with access reviews (fewer requests than cells)', async () => {
    sim.log.reset();
    const io = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], io), 1);
    const ssar = sim.log.count((e) => e.path.endsWith('/selfsubjectaccessreviews'));
    // 7 needed cells are denied (expectations file: the scheduler's 5 missing, the worker's 2 XCom sidecar
    // warnings); the others come from the rules reviews, unused grants are never confirmed
    assert.equal(ssar, 7);
  });

  it('falls back to SubjectAccessReview when impersonation is forbidden, with the same verdicts', async () => {
    sim.log.reset();
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath, '--context', 'auditor']);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.doc!.method, 'subject-access-review');
    assert.deepEqual(verdicts(r.doc!), verdicts(baseline));
    const sar = sim.log.entries.filter((e) => e.path.endsWith('/subjectaccessreviews') && !e.path.includes('self'));
    assert.ok(sar.length >= baseline.checks.length);
    assert.ok(sar.every((e) => e.headers['impersonate-user'] === undefined));
  });

  it('with neither impersonation nor SubjectAccessReview: one line naming both permissions, exit 3', async () => {
    // dev (exec credential plugin, view in airflow) may list the release but not ask for others
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath, '--context', 'dev']);
    assert.equal(r.code, 3);
    assert.equal(r.doc, undefined);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(
      lines[0],
      /^kubectl-airflow: cannot check ServiceAccount permissions: you may neither impersonate ServiceAccount airflow\/airflow-\S+ \(needs "impersonate" on serviceaccounts in namespace airflow\) nor create subjectaccessreviews\.authorization\.k8s\.io/,
    );
  });

  it('--sa works for a user who may not even list pods; still exit 3 when it may not ask', async () => {
    const r = await runJson([
      '--kubeconfig',
      sim.kubeconfigPath,
      '--context',
      'nobody',
      '--sa',
      'airflow:airflow-worker',
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /neither impersonate ServiceAccount airflow\/airflow-worker/);
  });

  it('under 20% injected 500/503/429 faults the results are identical', async () => {
    sim.faults.set([
      { path: '^/apis/authorization', status: 503, rate: 0.1, retryAfterSeconds: 0 },
      { path: '^/apis/authorization', status: 500, rate: 0.05 },
      { path: '^/api', status: 429, rate: 0.05, retryAfterSeconds: 1 },
    ]);
    sim.log.reset();
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath]);
    const failed = sim.log.count((e) => e.fault === 'status');
    assert.ok(failed > 0, 'faults were injected');
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(verdicts(r.doc!), verdicts(baseline));
    // and with reasons (-o json asks access reviews for every allowed cell too)
    assert.deepEqual(
      r.doc!.checks.map((c) => c.reason),
      baseline.checks.map((c) => c.reason),
    );
  });

  it('connection resets are retried too', async () => {
    sim.faults.set([{ path: '^/apis/authorization', reset: true, rate: 0.2 }]);
    sim.log.reset();
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath]);
    assert.ok(sim.log.count((e) => e.fault === 'reset') > 0, 'resets were injected');
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(verdicts(r.doc!), verdicts(baseline));
  });

  it('never holds more than --max-in-flight requests', async () => {
    sim.faults.set([{ path: '.', latencyMs: 20 }]);
    for (const limit of [16, 3]) {
      sim.log.reset();
      const r = await runJson(['--kubeconfig', sim.kubeconfigPath, '--max-in-flight', String(limit)]);
      assert.equal(r.code, 1, r.err);
      assert.ok(sim.log.maxInFlight <= limit, `max in flight ${sim.log.maxInFlight} > ${limit}`);
      assert.ok(sim.log.maxInFlight >= Math.min(limit, 5), `requests ran in parallel (max ${sim.log.maxInFlight})`);
    }
  });

  it('a request that never answers ends in a timeout error (exit 3), not a hang', async () => {
    sim.faults.set([{ path: 'selfsubjectrulesreviews', hang: true }]);
    const r = await runJson(['--kubeconfig', sim.kubeconfigPath, '--request-timeout', '1s']);
    assert.equal(r.code, 3);
    assert.match(
      r.err,
      /^kubectl-airflow: POST \/apis\/authorization\.k8s\.io\/v1\/selfsubjectrulesreviews timed out after 1s/,
    );
  });

  it('works through a multi-file KUBECONFIG (first file wins) and an exec credential plugin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-airflow-kc-'));
    const full = YAML.parse(readFileSync(sim.kubeconfigPath, 'utf8'));
    // file 1: only the dev context (exec plugin) as current; file 2: everything, current = admin
    const dev = {
      ...full,
      'current-context': 'dev',
      contexts: full.contexts.filter((c: { name: string }) => c.name === 'dev'),
    };
    const f1 = join(dir, 'one');
    const f2 = join(dir, 'two');
    writeFileSync(f1, YAML.stringify(dev));
    writeFileSync(f2, YAML.stringify({ ...full, 'current-context': 'admin' }));
    assert.ok(
      full.users.find((u: { name: string; user: { exec?: unknown } }) => u.name === 'dev').user.exec,
      'dev uses an exec plugin',
    );
    // dev is current (file one wins): it may read the release but not ask for others -> exit 3
    const asDev = await runJson([], { KUBECONFIG: `${f1}:${f2}` });
    assert.equal(asDev.code, 3, asDev.err);
    assert.match(asDev.err, /neither impersonate/);
    sim.log.reset();
    // the exec plugin's user really authenticated (it listed the pods)
    await runJson([], { KUBECONFIG: `${f1}:${f2}` });
    assert.ok(
      sim.log.entries.some((e) => e.requester === 'dev@example.com' && e.resource === 'pods' && e.code === 200),
    );
    // duplicates across files do not crash, and --context picks from the merged set
    const asAdmin = await runJson(['--context', 'admin'], { KUBECONFIG: `${f1}:${f2}:${f1}` });
    assert.equal(asAdmin.code, 1, asAdmin.err);
    assert.deepEqual(verdicts(asAdmin.doc!), verdicts(baseline));
  });
});

describe('rbac e2e: --fix repairs the broken scenario', function () {
  this.timeout(60_000);
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenario: SCENARIO });
  });
  after(async () => sim?.stop());

  it('exit 1 naming the missing cells; --fix YAML applied makes the next run exit 0', async () => {
    const io = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], io), 1);
    assert.match(
      io.out(),
      /ServiceAccount airflow\/airflow-scheduler \(scheduler\) in namespace airflow: 5 required permissions missing/,
    );
    // pods/exec is the XCom sidecar's: an optional feature, said as a WARN
    assert.match(
      io.out(),
      /ServiceAccount airflow\/airflow-worker \(worker\) in namespace airflow: ok; WARN 2 missing for XCom sidecar/,
    );
    assert.match(io.out(), /binds ServiceAccount "airflow-scheduler" in namespace "airflow-staging"/);

    const fix = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '--fix'], fix), 1);
    const objs = YAML.parseAllDocuments(fix.out())
      .map((d) => d.toJS())
      .filter(Boolean);
    // the triggerer never execs (its pods/exec is unused): nothing for it. The scheduler is bound in
    // the wrong namespace: its cause is that binding, so --fix corrects the binding's subject under
    // its own name instead of adding a Role and a second binding for the same cells
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'Role/kubectl-airflow-fix-airflow-worker',
      'RoleBinding/airflow-pod-launcher-rolebinding',
      'RoleBinding/kubectl-airflow-fix-airflow-worker',
    ]);
    const corrected = objs.find((o) => o.metadata.name === 'airflow-pod-launcher-rolebinding');
    assert.ok(
      corrected.subjects.some(
        (x: { kind: string; name: string; namespace?: string }) =>
          x.kind === 'ServiceAccount' && x.name === 'airflow-scheduler' && x.namespace === 'airflow',
      ),
      'the corrected binding names the scheduler in its own namespace',
    );
    // least privilege: the worker gets exactly pods/exec create+get, bound to the worker only
    const workerRole = objs.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-worker'));
    assert.deepEqual(workerRole.rules, [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] }]);
    const workerBinding = objs.find((o) => o.kind === 'RoleBinding' && o.metadata.name.endsWith('-worker'));
    assert.deepEqual(workerBinding.subjects, [
      { kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' },
    ]);
    assert.match(fix.err(), /required permissions missing/, 'the matrix goes to stderr under --fix');

    sim.store.apply(objs);
    const after = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], after), 0, after.out());
    assert.match(after.out(), /all 11 required permissions granted/);
    assert.doesNotMatch(after.out(), /WARN \d/);
  });
});
