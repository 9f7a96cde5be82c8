// Pure tests of doctor (src/doctor): layer order, per-layer verdicts from each command's result,
// the first failing layer, the exit code, the pod choice, detail commands and rendering.
import assert from 'node:assert/strict';
import type { ContainerConfig } from '../../src/config/analyze.ts';
import { LAYERS, type LayerResult, type Verdict } from '../../src/doctor/model.ts';
import {
  chooseNetworkPod,
  detailCommand,
  exitCodeOf,
  firstFailingLayer,
  ordered,
  repeatableFlags,
} from '../../src/doctor/plan.ts';
import { doctorDocument, renderDoctor } from '../../src/doctor/render.ts';
import {
  clusterLayer,
  configLayer,
  haLayer,
  networkLayer,
  noReleaseLayer,
  rbacLayer,
  releaseLayer,
  skipped,
} from '../../src/doctor/verdicts.ts';
import type { Check as HaCheck } from '../../src/ha/model.ts';
import type { Layer, NetReport } from '../../src/net/model.ts';
import { summarize } from '../../src/rbac/matrix.ts';
import type { Permission } from '../../src/rbac/types.ts';
import { palette } from '../../src/render/colour.ts';

const plain = palette(false);
const layer = (id: LayerResult['id'], verdict: Verdict, extra: Partial<LayerResult> = {}): LayerResult => ({
  id,
  verdict,
  summary: `${id} ${verdict}`,
  ...extra,
});

describe('doctor: layer order', () => {
  it('is the order a request from an Airflow pod travels: access, release, config, network, HA, RBAC', () => {
    assert.deepEqual(
      LAYERS.map((l) => l.id),
      ['cluster', 'release', 'config', 'network', 'ha', 'rbac', 'admission'],
    );
  });

  it('ordered() puts layers that finished in any order back in layer order', () => {
    const got = ordered([layer('rbac', 'OK'), layer('cluster', 'OK'), layer('ha', 'OK'), layer('network', 'OK')]);
    assert.deepEqual(
      got.map((l) => l.id),
      ['cluster', 'network', 'ha', 'rbac'],
    );
  });
});

describe('doctor: firstFailingLayer and the exit code', () => {
  it('names the earliest failing layer in layer order, not in array order', () => {
    const layers = [layer('rbac', 'FAIL'), layer('cluster', 'OK'), layer('network', 'FAIL'), layer('config', 'WARN')];
    assert.equal(firstFailingLayer(layers)?.id, 'network');
  });

  it('is undefined when nothing failed; WARN and SKIP are not failures', () => {
    assert.equal(
      firstFailingLayer([layer('cluster', 'OK'), layer('config', 'WARN'), layer('network', 'SKIP')]),
      undefined,
    );
  });

  it('exit 0 for OK/WARN/SKIP, 1 when one fails, 3 when the cluster would not answer a layer and nothing failed', () => {
    assert.equal(exitCodeOf([layer('cluster', 'OK'), layer('config', 'WARN'), layer('network', 'SKIP')]), 0);
    assert.equal(exitCodeOf([layer('cluster', 'OK'), layer('rbac', 'FAIL')]), 1);
    assert.equal(exitCodeOf([layer('cluster', 'OK'), layer('rbac', 'SKIP', { unasked: true })]), 3);
    assert.equal(
      exitCodeOf([layer('ha', 'FAIL'), layer('rbac', 'SKIP', { unasked: true })]),
      1,
      'a problem found beats not being allowed to ask',
    );
  });
});

describe('doctor: which pod the network layer probes', () => {
  const pod = (name: string, component: string, phase = 'Running') => ({
    metadata: { name, labels: { component } },
    status: { phase },
  });
  const pods = [
    pod('airflow-worker-0', 'worker'),
    pod('airflow-scheduler-b', 'scheduler'),
    pod('airflow-scheduler-a', 'scheduler', 'Pending'),
    pod('airflow-triggerer-0', 'triggerer'),
  ];

  it('KubernetesExecutor: the running scheduler (it launches the task pods)', () => {
    const c = chooseNetworkPod(pods, ['KubernetesExecutor']);
    assert.deepEqual([c.pod, c.component], ['airflow-scheduler-b', 'scheduler']);
    assert.match(c.reason, /scheduler launches/);
  });

  it('CeleryExecutor: the worker (KubernetesPodOperator runs there)', () => {
    const c = chooseNetworkPod(pods, ['CeleryExecutor']);
    assert.deepEqual([c.pod, c.component], ['airflow-worker-0', 'worker']);
  });

  it('CeleryKubernetesExecutor launches pods from the scheduler', () => {
    assert.equal(chooseNetworkPod(pods, ['CeleryKubernetesExecutor']).component, 'scheduler');
  });

  it('falls back to the other launcher, and says why when none runs', () => {
    const onlyWorker = chooseNetworkPod([pod('w', 'worker')], ['KubernetesExecutor']);
    assert.equal(onlyWorker.pod, 'w');
    assert.match(onlyWorker.reason, /no running scheduler pod/);
    const none = chooseNetworkPod([pod('s', 'scheduler', 'Pending'), pod('t', 'triggerer')], ['KubernetesExecutor']);
    assert.equal(none.pod, undefined);
    assert.match(none.reason, /no running scheduler or worker pod to probe from .*--pod/);
  });

  it('--pod wins', () => {
    const c = chooseNetworkPod(pods, ['KubernetesExecutor'], 'airflow-triggerer-0');
    assert.deepEqual([c.pod, c.component, c.reason], ['airflow-triggerer-0', 'triggerer', '--pod']);
  });
});

function netReport(
  verdicts: Partial<Record<Layer['id'], Layer['verdict']>>,
  extra: Partial<NetReport> = {},
): NetReport {
  const ids: Layer['id'][] = ['env', 'files', 'dns', 'tcp', 'tls', 'http', 'access', 'policy'];
  const layers: Layer[] = ids.map((id) => {
    const verdict = verdicts[id] ?? 'OK';
    return {
      id,
      title: id.toUpperCase(),
      verdict,
      evidence: [`${id} evidence`],
      ...(verdict === 'FAIL' ? { remedy: `fix ${id}` } : {}),
    };
  });
  const first = layers.find((l) => l.verdict === 'FAIL');
  return {
    pod: 'sched-0',
    namespace: 'airflow',
    container: 'scheduler',
    serviceAccount: 'airflow-scheduler',
    probe: 'python3',
    layers,
    firstFailure: first?.id,
    ok: !first,
    ...extra,
  };
}

describe("doctor: network layer from net's report", () => {
  it('every layer OK -> OK', () => {
    const l = networkLayer(netReport({}), { doc: 1 }, 'scheduler');
    assert.equal(l.verdict, 'OK');
    assert.match(l.summary, /pod sched-0 \(scheduler\) reaches the API server/);
    assert.deepEqual(l.result, { doc: 1 });
  });

  it('the first failing layer of the path decides, with its remedy (files before TCP)', () => {
    const l = networkLayer(netReport({ tcp: 'FAIL', files: 'FAIL' }), {});
    assert.equal(l.verdict, 'FAIL');
    assert.match(l.summary, /FILES fails: files evidence/);
    assert.equal(l.remedy, 'fix files');
  });

  it('a NetworkPolicy that blocks the endpoints fails the layer', () => {
    assert.equal(networkLayer(netReport({ policy: 'FAIL' }), {}).verdict, 'FAIL');
  });

  it("DNS alone failing while the Service IP works is a warning: Airflow's in-cluster client uses the IP", () => {
    const l = networkLayer(netReport({ dns: 'FAIL' }), {});
    assert.equal(l.verdict, 'WARN');
    assert.equal(l.remedy, 'fix dns');
    assert.equal(
      networkLayer(netReport({ dns: 'FAIL', tcp: 'FAIL' }), {}).verdict,
      'FAIL',
      'DNS plus TCP is a failure',
    );
  });

  it("the pod token's own permission check belongs to RBAC, not to the network", () => {
    const l = networkLayer(netReport({ access: 'FAIL' }), {});
    assert.equal(l.verdict, 'OK');
    assert.match(l.summary, /its token lacks permissions \(see RBAC\)$/);
  });

  it('permission reviews never answered are not worded as missing permissions', () => {
    const r = netReport({ access: 'FAIL' });
    const access = r.layers.find((x) => x.id === 'access')!;
    Object.assign(access, {
      finding: 'not-answered',
      evidence: [
        'required for ...',
        'every review not answered (HTTP 503: the server is currently unable to handle the request)',
      ],
    });
    const l = networkLayer(r, {});
    assert.match(
      l.summary,
      /its permission reviews were not answered \(every review not answered \(HTTP 503: the server is currently unable to handle the request\)\)$/,
    );
    assert.doesNotMatch(l.summary, /lacks permissions/);
    access.finding = 'denied';
    assert.match(networkLayer(r, {}).summary, /its token lacks permissions/);
  });

  it('a pod the probe could not run in is SKIP with the reason; unchecked steps are a warning', () => {
    const l = networkLayer(netReport({}, { error: 'container has neither python3 nor sh', layers: [] }), {});
    assert.equal(l.verdict, 'SKIP');
    assert.match(l.summary, /not probed: container has neither python3 nor sh/);
    const w = networkLayer(netReport({ tls: 'SKIP' }, { missingTools: ['openssl'] }), {});
    assert.equal(w.verdict, 'WARN');
    assert.match(w.summary, /not checked: TLS \(not in the image: openssl\)/);
  });
});

function containerConfig(pod: string, findings: ContainerConfig['findings']): ContainerConfig {
  return {
    pod,
    component: 'scheduler',
    container: 'scheduler',
    settings: { in_cluster: { value: 'True', source: 'default' } } as never,
    opaque: [],
    automount: true,
    automountSource: 'default',
    loads: 'in-cluster',
    findings,
  };
}

describe("doctor: config layer from config's findings", () => {
  const base = { release: 'airflow', namespace: 'airflow', chart: 'official' };
  it('an error finding fails the layer with its message and remedy; the rest are counted', () => {
    const l = configLayer({
      ...base,
      pods: [
        containerConfig('a', [{ id: 'x', severity: 'warning', message: 'warn a', remedy: 'r1' }]),
        containerConfig('b', [
          { id: 'y', severity: 'error', message: 'no token mounted', remedy: 'mount it' },
          { id: 'z', severity: 'error', message: 'two', remedy: '' },
        ]),
      ],
    });
    assert.equal(l.verdict, 'FAIL');
    assert.equal(l.summary, 'b/scheduler: no token mounted (+1 more)');
    assert.equal(l.remedy, 'mount it');
  });
  it('warnings only -> WARN; info only -> OK; no pods -> SKIP', () => {
    assert.equal(
      configLayer({
        ...base,
        pods: [containerConfig('a', [{ id: 'x', severity: 'warning', message: 'w', remedy: '' }])],
      }).verdict,
      'WARN',
    );
    const ok = configLayer({
      ...base,
      pods: [containerConfig('a', [{ id: 'i', severity: 'info', message: 'fyi', remedy: '' }])],
    });
    assert.equal(ok.verdict, 'OK');
    assert.match(ok.summary, /1 Airflow containers checked, in_cluster True/);
    assert.equal(configLayer({ ...base, pods: [] }).verdict, 'SKIP');
  });
});

describe("doctor: HA layer from ha's checks", () => {
  const c = (id: string, verdict: HaCheck['verdict'], remedy = ''): HaCheck => ({
    id,
    title: `title ${id}`,
    verdict,
    evidence: [`ev ${id}`],
    remedy,
  });
  it('the worst verdict wins, naming the first check with it', () => {
    const l = haLayer(
      [c('a', 'OK'), c('b', 'WARN', 'w'), c('stale', 'FAIL', 'remove 10.0.0.13'), c('d', 'FAIL')],
      3,
      'self-managed',
      {},
    );
    assert.equal(l.verdict, 'FAIL');
    assert.equal(l.summary, 'title stale: ev stale (+1 more)');
    assert.equal(l.remedy, 'remove 10.0.0.13');
    assert.equal(haLayer([c('a', 'OK'), c('b', 'WARN', 'w')], 3, 'EKS', {}).verdict, 'WARN');
  });
  it('OK counts endpoints and skipped checks; all skipped is SKIP', () => {
    const l = haLayer([c('a', 'OK'), c('b', 'SKIP')], 1, 'self-managed', {});
    assert.equal(l.verdict, 'OK');
    assert.equal(l.summary, '1 API-server endpoint (self-managed), 1 checks OK, 1 skipped (not readable)');
    assert.equal(haLayer([c('b', 'SKIP')], 0, 'self-managed', {}).verdict, 'SKIP');
    assert.equal(
      haLayer([c('a', 'OK'), c('b', 'SKIP')], 0, 'self-managed', {}).summary,
      'API-server endpoints not readable, 1 checks OK, 1 skipped (not readable)',
    );
  });
});

describe("doctor: RBAC layer from rbac's checks", () => {
  const check = (verb: string, allowed: boolean, required = true): Permission => ({
    account: { namespace: 'airflow', name: 'airflow-scheduler' },
    namespace: 'airflow',
    group: '',
    resource: 'pods',
    subresource: verb === 'create-exec' ? 'exec' : '',
    verb: verb === 'create-exec' ? 'create' : verb,
    required,
    profiles: [],
    allowed,
    reason: '',
    via: '',
    source: 'SelfSubjectRulesReview',
  });
  it('missing cells fail the layer, the first named, the root-cause hint as the remedy', () => {
    const checks = [check('create', false), check('create-exec', false), check('list', true)];
    const l = rbacLayer(
      {
        summary: summarize(checks),
        missing: checks.filter((x) => !x.allowed),
        hints: [{ kind: 'bound-in-other-namespace', message: 'set the subject namespace to airflow' }],
      },
      {},
    );
    assert.equal(l.verdict, 'FAIL');
    assert.equal(
      l.summary,
      '2 of 3 required permissions missing: airflow/airflow-scheduler cannot create pods in airflow (+1 more)',
    );
    assert.equal(l.remedy, 'set the subject namespace to airflow');
  });
  it('everything required granted -> OK', () => {
    const checks = [check('create', true), check('delete', false, false)];
    const l = rbacLayer({ summary: summarize(checks), missing: [], hints: [] }, {});
    assert.equal(l.verdict, 'OK');
    assert.equal(l.summary, '1 required permissions granted to 1 ServiceAccount in 1 namespace');
  });
});

describe('doctor: cluster and release layers', () => {
  it('cluster access says where, which version and as whom', () => {
    const l = clusterLayer({
      server: 'https://10.0.0.1:6443',
      context: 'prod',
      version: 'v1.32.0',
      user: { username: 'alice', groups: ['dev', 'system:authenticated'] },
    });
    assert.equal(l.summary, 'https://10.0.0.1:6443 (v1.32.0), context prod, authenticated as alice (dev)');
    assert.match(clusterLayer({ server: 's', context: 'c' }).summary, /SelfSubjectReview not served/);
  });
  it('a release read with warnings is WARN; no release is FAIL with a remedy', () => {
    const r = {
      name: 'airflow',
      namespace: 'airflow',
      chart: 'official',
      executor: 'KubernetesExecutor',
      components: ['scheduler'],
      pods: 2,
      runningPods: 1,
      warnings: [] as string[],
    };
    assert.equal(releaseLayer(r).verdict, 'OK');
    assert.equal(
      releaseLayer(r).summary,
      'airflow (official chart) in airflow, executor KubernetesExecutor, 1/2 pods running',
    );
    assert.equal(releaseLayer({ ...r, warnings: ['cannot read serviceaccounts in airflow'] }).verdict, 'WARN');
    const none = noReleaseLayer('no Airflow release found in namespace default');
    assert.equal(none.verdict, 'FAIL');
    assert.match(none.remedy ?? '', /-n NAMESPACE/);
  });
});

describe('doctor: detail commands', () => {
  it('rbac detail is the --fix command for the release, with the connection flags but never a token', () => {
    const flags = repeatableFlags({
      kubeconfig: '/tmp/my config',
      context: 'prod',
      as: 'ops',
      asGroup: ['a b'],
      token: 'SECRET',
    } as never);
    const cmd = detailCommand('rbac', { namespace: 'airflow', release: 'prod', flags });
    assert.equal(
      cmd,
      "kubectl airflow rbac -n airflow --release prod --fix --kubeconfig '/tmp/my config' --context prod --as ops --as-group 'a b'",
    );
    assert.doesNotMatch(cmd, /SECRET/);
  });
  it('network names the probed pod; ha probes from it too', () => {
    assert.equal(
      detailCommand('network', { namespace: 'airflow', pod: 'sched-0' }),
      'kubectl airflow net sched-0 -n airflow',
    );
    assert.equal(
      detailCommand('ha', { namespace: 'airflow', pod: 'sched-0' }),
      'kubectl airflow ha --from sched-0 -n airflow',
    );
    assert.equal(detailCommand('network', { namespace: 'airflow' }), 'kubectl airflow net --all -n airflow');
  });
});

describe('doctor: rendering', () => {
  const layers = [
    layer('cluster', 'OK'),
    layer('release', 'OK'),
    layer('config', 'WARN', { remedy: 'set namespace' }),
    layer('network', 'OK'),
    layer('ha', 'SKIP'),
    layer('rbac', 'FAIL', {
      summary: '2 of 35 missing',
      remedy: 'grant them',
      command: 'kubectl airflow rbac -n airflow --fix',
    }),
  ];
  it('a table of layers, then the first failing layer with its remedy and command', () => {
    const out = renderDoctor(layers, { namespace: 'airflow', release: 'airflow' }, plain);
    assert.match(out, /^LAYER +VERDICT +SUMMARY\n1\. cluster access +OK +cluster OK\n/);
    assert.match(out, /^6\. RBAC +FAIL +2 of 35 missing$/m);
    assert.match(
      out,
      /^first failing layer: RBAC \(rbac\)\n {2}2 of 35 missing\n {2}fix: grant them\n {2}detail: kubectl airflow rbac -n airflow --fix$/m,
    );
    assert.match(out, /^warning Airflow client config: set namespace$/m);
  });
  it('no failure: says so, for the release and namespace', () => {
    const out = renderDoctor(
      [layer('cluster', 'OK'), layer('rbac', 'OK')],
      { namespace: 'airflow', release: 'prod' },
      plain,
    );
    assert.match(out, /no layer failed: release prod in namespace airflow/);
    assert.doesNotMatch(out, /first failing/);
  });
  it('the document lists every layer in order with its result and the first failing one', () => {
    const doc = doctorDocument(
      [...layers].reverse().map((l) => ({ ...l, result: { of: l.id } })),
      { namespace: 'airflow' },
    ) as {
      firstFailingLayer: string;
      release: null;
      layers: Array<{ layer: string; order: number; result: { of: string } }>;
    };
    assert.equal(doc.firstFailingLayer, 'rbac');
    assert.equal(doc.release, null);
    assert.deepEqual(
      doc.layers.map((l) => [l.order, l.layer, l.result.of]),
      [
        [1, 'cluster', 'cluster'],
        [2, 'release', 'release'],
        [3, 'config', 'config'],
        [4, 'network', 'network'],
        [5, 'ha', 'ha'],
        [6, 'rbac', 'rbac'],
      ],
    );
  });
  it('layers the cluster would not answer are named with their remedy, and "no layer failed" is qualified', () => {
    const out = renderDoctor(
      [
        layer('cluster', 'OK'),
        layer('release', 'SKIP', { unasked: true, remedy: 'ask for list pods' }),
        layer('ha', 'OK'),
      ],
      { namespace: 'airflow' },
      plain,
    );
    assert.match(out, /^no layer failed, but not every layer could be checked: namespace airflow$/m);
    assert.match(out, /^not checked Airflow release: ask for list pods$/m);
  });

  it('skipped() keeps the reason and an optional remedy', () => {
    assert.deepEqual(skipped('rbac', 'no release', 'use -n'), {
      id: 'rbac',
      verdict: 'SKIP',
      summary: 'no release',
      remedy: 'use -n',
    });
  });
});
