// The corpus of real installs (test/scenarios/real/): official-chart renders committed by their users,
// served by the simulator. rbac's accounts, cells and exit code, config's clients, findings and exit
// code must equal what was derived by hand from requirements.yaml (test/scenarios/real/expectations/).
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import * as YAML from 'yaml';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { assertCellsMatch, captureIO, label, type CheckRecord, type Expectation } from './rbac-helpers.ts';

const DIR = new URL('../scenarios/real/', import.meta.url);
const NAMES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

interface RealExpectation extends Expectation {
  release: Expectation['release'] & { airflowVersion: string | null; chartVersion: string };
  rbacSays?: string[];
  rbacNeverSays?: string[];
  config: { exitCode: number; clients: string[]; skipped: string[]; says: string[]; neverSays: string[] };
}

const expectation = (name: string) =>
  YAML.parse(readFileSync(new URL(`expectations/${name}.yaml`, DIR), 'utf8')) as RealExpectation;
const scenarioFile = (name: string) => new URL(`${name}.yaml`, DIR).pathname;
/** A pod is named after its workload: `<workload>-0` or `<workload>-<hash>-<suffix>`. */
const ofWorkload = (pod: string, workload: string) => pod === workload || pod.startsWith(`${workload}-`);

describe('real corpus: every render has its header and expectations', () => {
  it(`${NAMES.length} renders, each naming repo@commit, paths and every addition`, () => {
    assert.ok(NAMES.length >= 8, NAMES.join(', '));
    for (const n of NAMES) {
      const head = readFileSync(scenarioFile(n), 'utf8').split('\n---\n')[0];
      assert.match(head, /^# Source: https:\/\/github\.com\/[^/\s]+\/[^/\s]+ at commit [0-9a-f]{40}, files /m, n);
      assert.match(head, /^# Additions the simulator needs/m, n);
      assert.match(head, /omitted: the \d+ Secrets/, n);
      assert.equal(expectation(n).scenario, n);
    }
  });
});

for (const name of NAMES) {
  describe(`real corpus: ${name}`, function () {
    this.timeout(60_000);
    const exp = expectation(name);
    const ns = exp.release.namespace;
    let sim: Sim;
    before(async () => {
      sim = await startSim({ scenario: scenarioFile(name) });
    });
    after(async () => sim?.stop());

    it(`rbac: every account and cell as derived, exit ${exp.rbacExitCode}`, async () => {
      const io = captureIO();
      const code = await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', ns, '-o', 'json'], io);
      const doc = JSON.parse(io.out()) as {
        release: { name: string; chart: string };
        executor: string;
        versions: { airflow: { version: string | null }; chart: { version: string | null } };
        checks: CheckRecord[];
        summary: { missing: number };
      };
      assert.deepEqual(
        [doc.release.name, doc.release.chart, doc.executor],
        [exp.release.name, exp.release.chart, exp.release.executor],
      );
      assert.deepEqual(
        [doc.versions.airflow.version, doc.versions.chart.version],
        [exp.release.airflowVersion, exp.release.chartVersion],
      );
      const matrix = Object.entries(exp.matrix)
        .flatMap(([r, verbs]) => verbs.map((v) => `${r} ${v}`))
        .sort();
      for (const entry of exp.rbac) {
        const subject = `system:serviceaccount:${entry.serviceAccount.replace('/', ':')}`;
        const cells = doc.checks.filter((c) => c.subject === subject && c.namespace === entry.namespace);
        assertCellsMatch(cells, entry, matrix);
      }
      const expected = new Set(
        exp.rbac.map((e) => `system:serviceaccount:${e.serviceAccount.replace('/', ':')}|${e.namespace}`),
      );
      assert.deepEqual(
        [...new Set(doc.checks.map((c) => `${c.subject}|${c.namespace}`))].filter((k) => !expected.has(k)),
        [],
        'no account beyond the expectation',
      );
      assert.equal(code, exp.rbacExitCode);
    });

    it('rbac table: the verdict, the cause and the versions are said', async () => {
      const io = captureIO();
      assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', ns], io), exp.rbacExitCode);
      const chart = exp.release.chart === 'community' ? 'community chart' : 'chart';
      assert.ok(
        io.out().includes(`Airflow ${exp.release.airflowVersion ?? 'unknown'}, ${chart} ${exp.release.chartVersion}`),
        io.out(),
      );
      for (const s of exp.rbacSays ?? []) assert.ok(io.out().includes(s), `says ${s}\n${io.out()}`);
      for (const s of exp.rbacNeverSays ?? []) assert.ok(!io.out().includes(s), `never says ${s}\n${io.out()}`);
    });

    const healthy = exp.rbacExitCode === 0 && exp.config.exitCode === 0;
    it(`doctor: ${healthy ? 'every layer OK, exit 0' : 'the first failing layer named with its fix, exit 1'}`, async () => {
      const io = captureIO();
      const code = await main(['doctor', '--kubeconfig', sim.kubeconfigPath, '-n', ns], io);
      if (healthy) {
        assert.equal(code, 0, io.out() + io.err());
        assert.match(io.out(), /no layer failed/);
      } else {
        assert.equal(code, 1, io.out() + io.err());
        assert.match(io.out(), /first failing layer: /);
        for (const s of (exp.rbacSays ?? []).slice(-1))
          assert.ok(io.out().includes(s), `doctor says ${s}\n${io.out()}`);
      }
    });

    it(`config: Airflow clients only, findings as derived, exit ${exp.config.exitCode}`, async () => {
      const io = captureIO();
      const code = await main(['config', '--kubeconfig', sim.kubeconfigPath, '-n', ns, '-o', 'json'], io);
      const doc = JSON.parse(io.out()) as { clients: string; pods: Array<{ pod: string }> };
      const pods = [...new Set(doc.pods.map((p) => p.pod))].sort();
      assert.equal(pods.length, exp.config.clients.length, pods.join(', '));
      for (const w of exp.config.clients)
        assert.equal(pods.filter((p) => ofWorkload(p, w)).length, 1, `client ${w} in ${pods.join(', ')}`);
      for (const w of exp.config.skipped) assert.match(doc.clients, new RegExp(`skipped: .*${w}`), `skipped ${w}`);
      assert.equal(code, exp.config.exitCode);
      const text = captureIO();
      assert.equal(await main(['config', '--kubeconfig', sim.kubeconfigPath, '-n', ns], text), exp.config.exitCode);
      for (const s of exp.config.says) assert.ok(text.out().includes(s), `says ${s}\n${text.out()}`);
      for (const s of exp.config.neverSays) assert.ok(!text.out().includes(s), `never says ${s}\n${text.out()}`);
    });
  });
}

describe('real corpus: the dangling roleRef is named, and --fix creates the role it names', function () {
  this.timeout(60_000);
  const name = 'chart-1.12-airflow-2.8-kubernetes-dangling';
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenario: scenarioFile(name) });
  });
  after(async () => sim?.stop());

  it('rbac --fix | kubectl apply -f - makes rbac exit 0, with no second binding for the same subjects', async () => {
    const fix = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '--fix'], fix), 1);
    const objs = YAML.parseAllDocuments(fix.out())
      .map((d) => d.toJS())
      .filter(Boolean);
    // the missing Role under the name the binding references; no new binding
    assert.deepEqual(
      objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      ['Role/airflow/airflow-pod-launcher-role'],
    );
    // what it grants is exactly what the scheduler and worker were denied (required and optional features)
    const granted = (objs[0].rules as Array<{ resources: string[]; verbs: string[] }>)
      .flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${res} ${v}`)))
      .sort();
    assert.deepEqual(granted, [
      'events list',
      'pods create',
      'pods delete',
      'pods get',
      'pods list',
      'pods patch',
      'pods watch',
      'pods/exec create',
      'pods/exec get',
      'pods/log get',
    ]);
    const before = sim.store.all('rolebindings', 'airflow');
    sim.store.apply(objs);
    const after = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], after), 0, after.out());
    assert.match(after.out(), /all \d+ required permissions granted/);
    const bindings = sim.store.all('rolebindings', 'airflow');
    assert.equal(bindings.length, before.length, 'no binding added');
    const forScheduler = bindings.filter((b) =>
      ((b as { subjects?: Array<{ name: string }> }).subjects ?? []).some((s) => s.name === 'airflow-scheduler'),
    );
    assert.equal(forScheduler.length, 1, 'one binding for the scheduler');
  });
});

describe('real corpus: the launch namespace differs from the release namespace', function () {
  this.timeout(120_000);
  const name = 'chart-1.12-airflow-2.8-kubernetes';
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenario: scenarioFile(name) });
  });
  after(async () => sim?.stop());

  it('doctor names it with the fix; applying the fix makes config and rbac exit 0', async () => {
    const io = captureIO();
    const code = await main(['doctor', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow-helm-project'], io);
    assert.equal(code, 1, io.out() + io.err());
    assert.match(io.out(), /the executor launches worker pods into namespace airflow/);
    assert.match(io.out(), /set namespace = airflow-helm-project in \[kubernetes_executor\]/);

    // the fix as advised: [kubernetes_executor] namespace = airflow-helm-project
    const cm = structuredClone(sim.store.get('configmaps', 'airflow-helm-project', 'airflow-config')) as unknown as {
      data: Record<string, string>;
    };
    const cfg = cm.data['airflow.cfg'];
    assert.ok(cfg.includes('namespace = airflow\n'));
    cm.data['airflow.cfg'] = cfg.replace(/^namespace = airflow$/gm, 'namespace = airflow-helm-project');
    sim.store.apply(cm as never);
    const config = captureIO();
    assert.equal(
      await main(['config', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow-helm-project'], config),
      0,
      config.out(),
    );
    const rbac = captureIO();
    assert.equal(
      await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow-helm-project'], rbac),
      0,
      rbac.out(),
    );
    // the worker account the pod template names, now in the release namespace, is checked and holds the launcher role
    assert.match(
      rbac.out(),
      /Worker pods will run as airflow-helm-project\/airflow-worker \(pod template ConfigMap airflow-config key pod_template_file\.yaml/,
    );
  });
});

describe('real corpus: a worker account named only in airflow.cfg (Airflow 1.10 worker_service_account_name)', function () {
  this.timeout(60_000);
  // chart 1.4's render as the same release would run Airflow 1.10.15 with the KubernetesExecutor and no pod
  // template: 1.10 reads the worker account from [kubernetes] worker_service_account_name (KubeConfig)
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenario: scenarioFile('chart-1.4-airflow-2.2-celery-kubernetes') });
    const cm = structuredClone(sim.store.get('configmaps', 'airflow', 'airflowv2-airflow-config')) as unknown as {
      data: Record<string, string>;
    };
    const cfg = cm.data['airflow.cfg'];
    assert.ok(/^pod_template_file = .*$/m.test(cfg) && cfg.includes('executor = CeleryKubernetesExecutor'));
    cm.data['airflow.cfg'] = cfg
      .replace('executor = CeleryKubernetesExecutor', 'executor = KubernetesExecutor')
      .replace(/^pod_template_file = .*\n/m, '')
      .replace(/^\[kubernetes\]\n/m, '[kubernetes]\nworker_service_account_name = legacy-worker\n');
    sim.store.apply(cm as never);
    for (const p of sim.store.all('pods', 'airflow')) {
      const pod = structuredClone(p) as unknown as { spec: { containers: Array<{ image?: string }> } };
      for (const c of pod.spec.containers) if (c.image === 'apache/airflow:2.2.3') c.image = 'apache/airflow:1.10.15';
      sim.store.apply(pod as never);
    }
  });
  after(async () => sim?.stop());

  it('rbac checks it with no worker pod running, for what Airflow 1.10 calls', async () => {
    const io = captureIO();
    const code = await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], io);
    assert.match(io.out(), /Airflow 1\.10\.15, chart 1\.4\.0/);
    assert.match(
      io.out(),
      /Worker pods will run as airflow\/legacy-worker \(worker_service_account_name \(\[kubernetes\] worker_service_account_name/,
    );
    const json = captureIO();
    assert.equal(await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '-o', 'json'], json), 1);
    const doc = JSON.parse(json.out()) as { checks: CheckRecord[] };
    const legacy = doc.checks.filter((c) => c.subject === 'system:serviceaccount:airflow:legacy-worker');
    // kpo-create-pod (required); kpo-find-pod exists from 2.0 only, so list and patch are not required on 1.10
    assert.deepEqual(
      legacy
        .filter((c) => c.required && !c.allowed)
        .map(label)
        .sort(),
      ['pods create', 'pods delete', 'pods get', 'pods/log get'],
    );
    assert.equal(code, 1);
  });

  it('config on Airflow 1.10 never advises [kubernetes_executor], and reads worker_service_account_name', async () => {
    const io = captureIO();
    await main(['config', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow'], io);
    assert.match(io.out(), /Airflow 1\.10\.15/);
    assert.ok(!/kubernetes_executor/i.test(io.out()), io.out());
    assert.doesNotMatch(io.out(), /worker_service_account_name is set but ignored/);
  });
});
