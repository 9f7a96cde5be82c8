// `kubectl airflow config` in-process against the simulated API server. Broken variants are made by
// editing the scenario's pods in the sim's store, the way a Helm value would render them.
import assert from 'node:assert/strict';
import { runMain } from './harness.ts';
import { startSim, type Sim } from '../sim/index.ts';
import type { KubeObject } from '../sim/types.ts';

interface Finding {
  id: string;
  severity: string;
  message: string;
  remedy: string;
}
interface PodResult {
  pod: string;
  component: string;
  container: string;
  loads: string;
  settings: Record<string, { value?: string; source: string; deprecated?: boolean }>;
  connection?: { source: string; extras?: Record<string, unknown> };
  automount: boolean;
  findings: Finding[];
}
interface Doc {
  release: string;
  namespace: string;
  chart: string;
  pods: PodResult[];
}

function run(sim: Sim, args: string[]) {
  return runMain(['config', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', ...args]);
}

async function doc(sim: Sim, args: string[] = []): Promise<{ d: Doc; code: number }> {
  const r = await run(sim, ['-o', 'json', ...args]);
  assert.equal(r.err, '');
  return { d: JSON.parse(r.out) as Doc, code: r.code };
}

const SCHEDULER = 'airflow-scheduler-5d8c9f7b6-x7k2p';
const TRIGGERER = 'airflow-triggerer-0';

type Container = { name: string; env?: Array<Record<string, unknown>>; volumeMounts?: Array<Record<string, unknown>> };

/** Edits a pod of the store in place (re-applied), like a changed chart value re-rendered. */
function editPod(
  sim: Sim,
  name: string,
  fn: (spec: { automountServiceAccountToken?: boolean; containers: Container[] }) => void,
): void {
  const pod = structuredClone(sim.store.get('pods', 'airflow', name)) as KubeObject & {
    spec: { containers: Container[] };
  };
  assert.ok(pod, `pod ${name} in the scenario`);
  fn(pod.spec);
  sim.store.apply(pod);
}

const main_ = (spec: { containers: Container[] }, name: string) => spec.containers.find((c) => c.name === name)!;

describe('e2e: kubectl airflow config', function () {
  this.timeout(60_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  afterEach(async () => sim?.stop());

  it("healthy official chart: every Airflow container in-cluster from the chart's airflow.cfg, exit 0, no Secret read", async () => {
    const { d, code } = await doc(sim);
    assert.equal(code, 0);
    assert.equal(d.release, 'airflow');
    assert.deepEqual(d.pods.map((p) => p.component).sort(), [
      'api-server',
      'dag-processor',
      'scheduler',
      'triggerer',
      'worker',
    ]);
    const s = d.pods.find((p) => p.component === 'scheduler')!;
    assert.equal(s.container, 'scheduler', 'the log-groomer sidecar is not an Airflow client');
    assert.equal(s.settings.in_cluster!.value, 'True');
    assert.equal(s.settings.namespace!.value, 'airflow');
    assert.match(
      s.settings.namespace!.source,
      /^airflow\.cfg \[kubernetes_executor\] \(ConfigMap airflow-config key airflow\.cfg\)$/,
    );
    assert.match(s.loads, /load_incluster_config/);
    assert.deepEqual(
      d.pods.flatMap((p) => p.findings.filter((f) => f.severity !== 'info')),
      [],
    );
    assert.equal(sim.log.count({ resource: 'secrets' }), 0, 'never reads a Secret');
  });

  it("in_cluster with the token not mounted is an error with Airflow's own message, exit 1", async () => {
    editPod(sim, SCHEDULER, (spec) => {
      spec.automountServiceAccountToken = false;
    });
    const { d, code } = await doc(sim);
    assert.equal(code, 1);
    const s = d.pods.find((p) => p.pod === SCHEDULER)!;
    assert.equal(s.automount, false);
    assert.deepEqual(
      s.findings.map((f) => f.id),
      ['in-cluster-no-token'],
    );
    assert.match(s.findings[0]!.message, /Service token file does not exist/);
    assert.match(s.findings[0]!.message, /pod automountServiceAccountToken: false/);
    const text = await run(sim, []);
    assert.equal(text.code, 1);
    assert.match(text.out, /^error: in_cluster is true but no ServiceAccount token is mounted/m);
    assert.match(text.out, new RegExp(`in: ${SCHEDULER}/scheduler`));
  });

  it('in_cluster false with a config_file no volume provides (the triggerer case), exit 1', async () => {
    editPod(sim, TRIGGERER, (spec) => {
      const c = main_(spec, 'triggerer');
      c.env = [
        ...(c.env ?? []),
        { name: 'AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER', value: 'False' },
        { name: 'AIRFLOW__KUBERNETES_EXECUTOR__CONFIG_FILE', value: '/opt/airflow/secrets/kubeconfig' },
      ];
    });
    const { d, code } = await doc(sim);
    assert.equal(code, 1);
    const t = d.pods.find((p) => p.pod === TRIGGERER)!;
    assert.equal(t.settings.in_cluster!.source, 'env AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER (pod env)');
    assert.match(t.loads, /^load_kube_config\(\/opt\/airflow\/secrets\/kubeconfig\)/);
    assert.deepEqual(
      t.findings.map((f) => f.id),
      ['config-file-not-mounted'],
    );
    assert.match(t.findings[0]!.message, /Invalid kube-config file\. No configuration found\./);
  });

  it('deprecated [kubernetes] env and an ignored cluster_context are warnings: exit 0', async () => {
    editPod(sim, SCHEDULER, (spec) => {
      const c = main_(spec, 'scheduler');
      c.env = [...(c.env ?? []), { name: 'AIRFLOW__KUBERNETES__CLUSTER_CONTEXT', value: 'prod' }];
    });
    const { d, code } = await doc(sim);
    assert.equal(code, 0);
    const s = d.pods.find((p) => p.pod === SCHEDULER)!;
    assert.equal(s.settings.cluster_context!.deprecated, true);
    assert.deepEqual(
      s.findings.map((f) => `${f.severity}:${f.id}`),
      ['warning:cluster-context-ignored', 'warning:deprecated-section'],
    );
  });

  it('kubernetes_default: exclusive extras are an error; a Secret reference is reported and not read', async () => {
    editPod(sim, SCHEDULER, (spec) => {
      const c = main_(spec, 'scheduler');
      c.env = [
        ...(c.env ?? []),
        {
          name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT',
          value: 'kubernetes://?in_cluster=True&kube_config_path=%2Fopt%2Fairflow%2Fkubeconfig',
        },
      ];
    });
    editPod(sim, TRIGGERER, (spec) => {
      const c = main_(spec, 'triggerer');
      c.env = [
        ...(c.env ?? []),
        {
          name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT',
          valueFrom: { secretKeyRef: { name: 'airflow-k8s-conn', key: 'uri' } },
        },
      ];
    });
    const { d, code } = await doc(sim);
    assert.equal(code, 1);
    const s = d.pods.find((p) => p.pod === SCHEDULER)!;
    assert.deepEqual(s.connection!.extras, { in_cluster: 'True', kube_config_path: '/opt/airflow/kubeconfig' });
    assert.deepEqual(
      s.findings.map((f) => f.id),
      ['connection-exclusive'],
    );
    assert.match(s.findings[0]!.message, /mutually exclusive/);
    const t = d.pods.find((p) => p.pod === TRIGGERER)!;
    assert.deepEqual(t.connection, {
      source: 'env AIRFLOW_CONN_KUBERNETES_DEFAULT (set from Secret airflow-k8s-conn key uri, not read)',
    });
    assert.deepEqual(t.findings, []);
    assert.equal(sim.log.count({ resource: 'secrets' }), 0, 'never reads a Secret');
  });

  it('an unknown release is a usage error naming the ones found', async () => {
    const r = await run(sim, ['--release', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^kubectl-airflow: no Airflow release "nope" in namespace airflow; releases found: airflow/);
  });
});

describe('e2e: kubectl airflow config, community chart', function () {
  this.timeout(60_000);
  const SCHED = 'airflow-scheduler-6f9c8d7b5-q8w2e';
  let sim: Sim;
  beforeEach(async () => {
    sim = await startSim({ scenario: 'community-chart' });
  });
  afterEach(async () => sim?.stop());

  it('the allowlisted keys of Secret airflow-config-envs (envFrom) are read, each value with its source', async () => {
    const { d, code } = await doc(sim);
    assert.equal(code, 0);
    assert.equal(d.chart, 'community');
    assert.equal(d.pods.length, 4);
    for (const p of d.pods) {
      // the Secret sets both section names, as the chart does: the current one wins
      assert.deepEqual(
        p.settings.namespace,
        {
          value: 'airflow',
          source:
            'env AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE (Secret airflow-config-envs key AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE)',
          deprecated: false,
          env: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE',
        },
        p.pod,
      );
      assert.match(
        p.settings.in_cluster!.source,
        /Secret airflow-config-envs key AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER/,
      );
      assert.deepEqual(
        p.findings.filter((f) => f.severity !== 'info'),
        [],
        p.pod,
      );
      assert.ok(
        p.findings.some((f) => f.id === 'secret-allowlist'),
        p.pod,
      );
      assert.ok(!p.findings.some((f) => f.id === 'opaque-env'), p.pod);
    }
    assert.deepEqual(
      sim.log.entries.filter((e) => e.resource === 'secrets').map((e) => `${e.verb} ${e.name}`),
      ['get airflow-config-envs'],
      'one get, of the envFrom Secret only',
    );
    const wide = await run(sim, ['-o', 'wide']);
    assert.match(
      wide.out,
      /namespace = airflow {2}<- env AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE \(Secret airflow-config-envs key AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE\)/,
    );
  });

  it('AIRFLOW_CONN_, a fernet key and a password in the Secret never reach any output format', async () => {
    const secret = structuredClone(sim.store.get('secrets', 'airflow', 'airflow-config-envs')) as KubeObject & {
      data: Record<string, string>;
    };
    const SENSITIVE = {
      AIRFLOW_CONN_KUBERNETES_DEFAULT: 'kubernetes://?extra__kubernetes__kube_config=conn-s3cr3t',
      AIRFLOW__CORE__FERNET_KEY: 'fernet-s3cr3t',
      DATABASE_PASSWORD: 'db-pa55-s3cr3t',
    };
    for (const [k, v] of Object.entries(SENSITIVE)) secret.data[k] = Buffer.from(v).toString('base64');
    secret.data.AIRFLOW__KUBERNETES_EXECUTOR__VERIFY_SSL = Buffer.from('False').toString('base64');
    sim.store.apply(secret);
    for (const o of [['-o', 'json'], ['-o', 'yaml'], [], ['-o', 'wide']]) {
      const r = await run(sim, o);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /False/, 'the allowlisted verify_ssl is shown');
      for (const [k, v] of Object.entries(SENSITIVE)) {
        for (const needle of [k, v, Buffer.from(v).toString('base64'), 's3cr3t'])
          assert.ok(!(r.out + r.err).includes(needle), `${o.join(' ') || 'table'}: ${needle}`);
      }
    }
    const { d } = await doc(sim);
    assert.equal(
      d.pods.find((p) => p.pod === SCHED)!.settings.verify_ssl!.source,
      'env AIRFLOW__KUBERNETES_EXECUTOR__VERIFY_SSL (Secret airflow-config-envs key AIRFLOW__KUBERNETES_EXECUTOR__VERIFY_SSL)',
    );
    assert.ok(d.pods.every((p) => p.findings.some((f) => f.id === 'verify-ssl-off')));
  });

  it('an identity that may not get secrets (dev: view) is told so with the permission, and sees what is known', async () => {
    const r = await run(sim, ['--context', 'dev']);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^info: Secret airflow-config-envs \(envFrom\) could not be read \(you may not get secrets in airflow\)/m,
    );
    assert.match(r.out, /^ {2}fix: Run as someone who may get secrets in airflow/m);
    const { d } = await doc(sim, ['--context', 'dev']);
    const s = d.pods.find((p) => p.pod === SCHED)!;
    assert.equal(s.settings.namespace!.source, 'default', 'nothing from the Secret is assumed');
    assert.deepEqual(s.findings.filter((f) => f.id === 'secret-not-readable').length, 1);
    assert.ok(
      sim.log.entries.some((e) => e.resource === 'secrets' && e.name === 'airflow-config-envs' && e.code === 403),
      'the get was tried and denied',
    );
  });
});
