// `kubectl airflow rbac` in the less common situations: cluster-wide multi-namespace mode (and its
// ClusterRole fix), several releases, colour policy, and cluster errors as one line with exit 3.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as YAML from 'yaml';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { captureIO, label, type CheckRecord } from './rbac-helpers.ts';

// the narrowed release: the chart's ClusterRoles bound only by RoleBindings in the listed namespaces
// (the chart's own ClusterRoleBindings grant cluster-wide: official-multi-namespace-cluster-wide, rbac.test.ts)
const multiNs = readFileSync(new URL('../scenarios/official-multi-namespace-narrowed.yaml', import.meta.url), 'utf8');

describe('rbac e2e: cluster-wide multi-namespace mode with namespaced RoleBindings only', function () {
  this.timeout(60_000);
  let sim: Sim;
  before(async () => {
    // multi_namespace_mode with an empty list means every namespace (Airflow's cluster-wide mode)
    const text = multiNs.replace('multi_namespace_mode_namespace_list = etl-jobs,etl-backfill\\n', '');
    assert.notEqual(text, multiNs, 'scenario edit applied');
    sim = await startSim({ scenario: 'official-multi-namespace-narrowed-cluster-wide', scenarioText: text });
  });
  after(async () => sim?.stop());

  it('asks cluster-wide (namespace ""), where namespaced RoleBindings do not count; --fix grants ClusterRoles', async () => {
    sim.log.reset();
    const io = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'data', '-o', 'json'], io), 1, io.err());
    const doc = JSON.parse(io.out()) as { namespaces: string[]; checks: CheckRecord[] };
    assert.deepEqual(doc.namespaces, ['']);
    const wide = doc.checks.filter((c) => c.namespace === '');
    const missing = wide.filter((c) => c.required && !c.allowed);
    // required calls fail (the executor's, the KubernetesPodOperator's); the api-server's log reading and
    // the triggerer's deferrable polling are optional features: WARN
    assert.deepEqual([...new Set(missing.map((c) => c.subject))].sort(), [
      'system:serviceaccount:data:etl-airflow-scheduler',
      'system:serviceaccount:data:etl-airflow-worker',
    ]);
    assert.deepEqual(
      missing
        .filter((c) => c.subject.endsWith(':etl-airflow-scheduler'))
        .map(label)
        .sort(),
      ['pods create', 'pods delete', 'pods list', 'pods patch', 'pods watch'],
    );
    const warned = wide.filter((c) => !c.allowed && c.level === 'feature');
    assert.deepEqual([...new Set(warned.map((c) => c.subject))].sort(), [
      'system:serviceaccount:data:etl-airflow-api-server',
      'system:serviceaccount:data:etl-airflow-triggerer',
      'system:serviceaccount:data:etl-airflow-worker',
    ]);
    // cluster-wide questions cannot use a namespaced rules review: access reviews without a namespace
    const ssar = sim.log.entries.filter((e) => e.path.endsWith('/selfsubjectaccessreviews'));
    assert.ok(ssar.length >= missing.length);

    const fix = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'data', '--fix'], fix), 1);
    const objs = YAML.parseAllDocuments(fix.out())
      .map((d) => d.toJS())
      .filter(Boolean);
    assert.deepEqual([...new Set(objs.map((o) => o.kind))].sort(), ['ClusterRole', 'ClusterRoleBinding']);
    assert.ok(objs.every((o) => o.metadata.namespace === undefined));
    sim.store.apply(objs);
    const after = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'data'], after), 0, after.out());
    assert.match(after.out(), /in cluster-wide: ok/);
  });
});

describe('rbac e2e: usage and cluster errors', function () {
  this.timeout(60_000);
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenario: 'official-celery' });
  });
  after(async () => sim?.stop());

  it('several releases in the namespace and no --release: lists them, exit 2; --release picks one', async () => {
    sim.store.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'other-scheduler-0',
        namespace: 'airflow',
        labels: { tier: 'airflow', component: 'scheduler', release: 'other' },
      },
      spec: { serviceAccountName: 'default', containers: [{ name: 'scheduler', image: 'apache/airflow' }] },
      status: { phase: 'Running' },
    });
    try {
      const io = captureIO();
      assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], io), 2);
      assert.equal(
        io.err(),
        'kubectl-airflow: 2 Airflow releases in namespace airflow: airflow (official chart), other (official chart); choose one with --release\n',
      );
      const one = captureIO();
      assert.equal(
        await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '--release', 'airflow'], one),
        0,
        one.err(),
      );
      const other = captureIO();
      assert.equal(
        await main(
          ['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '--release', 'other', '-o', 'wide'],
          other,
        ),
        0,
      );
      assert.match(other.out(), /ServiceAccount airflow\/default \(scheduler\)/);
    } finally {
      sim.store.delete('pods', 'airflow', 'other-scheduler-0');
    }
  });

  it('root causes it can see: a pod running as "default", automount off', async () => {
    const before = sim.store.get('pods', 'airflow', 'airflow-worker-0')!;
    const pod = structuredClone(before) as unknown as { spec: Record<string, unknown> };
    pod.spec.serviceAccountName = 'default';
    pod.spec.automountServiceAccountToken = false;
    sim.store.apply(pod as never);
    try {
      const io = captureIO();
      assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], io), 1);
      // the KubernetesPodOperator's own calls (6) fail; the XCom sidecar and pod events warn (3)
      assert.match(
        io.out(),
        /ServiceAccount airflow\/default \(worker\) in namespace airflow: 6 required permissions missing; WARN 3 missing for pod events in task logs/,
      );
      assert.match(io.out(), /the worker pods run as ServiceAccount "default" \(pod\/airflow-worker-0\)/);
      assert.match(
        io.out(),
        /automountServiceAccountToken is false for the worker pods \(pod spec\.automountServiceAccountToken\)/,
      );
    } finally {
      sim.store.apply(before);
    }
  });

  it('no release in the namespace: one line, exit 2', async () => {
    const io = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'default'], io), 2);
    assert.match(io.err(), /^kubectl-airflow: no Airflow release found in namespace default .*--sa NS:NAME\n$/);
  });

  it('colour only on a TTY and never under NO_COLOR', async () => {
    const tty = captureIO();
    (tty.stdout as { isTTY?: boolean }).isTTY = true;
    await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], tty);
    assert.match(tty.out(), /\x1b\[32myes\x1b\[39m/);
    const noColour = captureIO({ NO_COLOR: '1' });
    (noColour.stdout as { isTTY?: boolean }).isTTY = true;
    await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], noColour);
    assert.doesNotMatch(noColour.out(), /\x1b\[/);
  });

  it('a rejected token: one line, exit 3, the token never printed', async () => {
    const io = captureIO();
    // ops authenticates with a bearer token (admin's client certificate would still authenticate)
    assert.equal(
      await main(
        [
          'rbac',
          '--kubeconfig',
          sim.kubeconfigPath,
          '--context',
          'ops',
          '--token',
          'not-a-valid-token-SECRET',
          '-n',
          'airflow',
        ],
        io,
      ),
      3,
    );
    assert.equal(io.err().trim().split('\n').length, 1);
    assert.match(io.err(), /401 Unauthorized/);
    assert.doesNotMatch(io.err() + io.out(), /SECRET/);
  });

  it('an unreachable server: one line, exit 3', async () => {
    const io = captureIO();
    assert.equal(
      await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '--server', 'https://127.0.0.1:1', '-n', 'airflow'], io),
      3,
    );
    assert.match(
      io.err(),
      /^kubectl-airflow: cannot reach the API server at https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/,
    );
  });

  it('a server certificate the CA does not vouch for: one line, exit 3', async function () {
    const otherCAs = '/etc/ssl/certs/ca-certificates.crt';
    if (!existsSync(otherCAs)) {
      console.log(`      skipped: no ${otherCAs} to use as a wrong CA bundle`);
      this.skip();
    }
    const io = captureIO();
    assert.equal(
      await main(
        ['rbac', '--kubeconfig', sim.kubeconfigPath, '--certificate-authority', otherCAs, '-n', 'airflow'],
        io,
      ),
      3,
    );
    assert.match(
      io.err(),
      /^kubectl-airflow: TLS to https:\/\/127\.0\.0\.1:\d+ failed: .*\(check --certificate-authority.*\n$/,
    );
  });

  it('-A is a usage error for rbac', async () => {
    const io = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-A'], io), 2);
    assert.match(io.err(), /rbac checks one release/);
  });
});
