// The admission check's pure core: the task pod built from the release, the server's rejections
// explained, quota room at parallelism, Pod Security fixes, meshes and API Priority and Fairness.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { dryRunFinding, explainRejection } from '../../src/admission/explain.ts';
import {
  classify,
  flowControlFindings,
  nominalSeats,
  type FlowSchema,
  type PriorityLevel,
} from '../../src/admission/flowcontrol.ts';
import { buildTaskPod, CHECK_POD_NAME, taskAccount } from '../../src/admission/launch-pod.ts';
import { heldByProxy, injections, meshFindings } from '../../src/admission/mesh.ts';
import type { LaunchInput, PodManifest, ResourceQuota } from '../../src/admission/model.ts';
import { namespacePolicy, restrictedFix } from '../../src/admission/podsecurity.ts';
import { milli, show } from '../../src/admission/quantity.ts';
import { podUsage, quotaFindings, quotaRoom } from '../../src/admission/quota.ts';
import { decideNamespace, worst } from '../../src/admission/decide.ts';

const template: PodManifest = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'placeholder-name', labels: { tier: 'airflow', component: 'worker', release: 'airflow' } },
  spec: {
    serviceAccountName: 'airflow-worker',
    containers: [{ name: 'base', image: 'apache/airflow:3.0.2' }],
    restartPolicy: 'Never',
  },
};
const launch = (extra: Partial<LaunchInput> = {}): LaunchInput => ({
  release: 'airflow',
  template,
  templateSource: 'ConfigMap airflow-pod-template key pod_template_file.yaml',
  parallelism: 16,
  parallelismSource: '[core] parallelism',
  executors: ['KubernetesExecutor'],
  ...extra,
});

describe('admission: the task pod', () => {
  it('is the template with the check name, the namespace and the executor labels', () => {
    const p = buildTaskPod(launch(), 'jobs');
    assert.equal(p.metadata?.name, CHECK_POD_NAME);
    assert.equal(p.metadata?.namespace, 'jobs');
    assert.equal(p.metadata?.labels?.component, 'worker');
    assert.equal(p.metadata?.labels?.kubernetes_executor, 'True');
    assert.equal(p.spec?.containers?.[0].image, 'apache/airflow:3.0.2');
    assert.equal(taskAccount(p), 'airflow-worker');
  });
  it('takes the worker image from worker_container_repository:tag', () => {
    assert.equal(
      buildTaskPod(launch({ workerImage: { repository: 'registry.example.com/airflow', tag: '3.0.2-custom' } }), 'a')
        .spec?.containers?.[0].image,
      'registry.example.com/airflow:3.0.2-custom',
    );
  });
  it('without a template: one container base, ServiceAccount default', () => {
    const p = buildTaskPod(
      launch({ template: undefined, workerImage: { repository: 'apache/airflow', tag: '2.10.5' } }),
      'a',
    );
    assert.deepEqual(p.spec?.containers, [{ name: 'base', image: 'apache/airflow:2.10.5' }]);
    assert.equal(taskAccount(p), 'default');
  });
  it('does not change the template it was given', () => {
    buildTaskPod(launch({ workerImage: { repository: 'x' } }), 'a');
    assert.equal(template.spec?.containers?.[0].image, 'apache/airflow:3.0.2');
  });
});

describe("admission: the server's rejection explained", () => {
  const cases: [string, string, string, 'FAIL' | 'WARN', RegExp][] = [
    [
      'must specify',
      'pods "p" is forbidden: failed quota: compute: must specify limits.memory for: base; requests.cpu for: base',
      'quota',
      'FAIL',
      /resources\.limits\.memory, resources\.requests\.cpu/,
    ],
    [
      'must specify, older wording',
      'pods "p" is forbidden: failed quota: compute: must specify limits.memory,requests.cpu',
      'quota',
      'FAIL',
      /resources\.limits\.memory, resources\.requests\.cpu/,
    ],
    [
      'exceeded',
      'pods "p" is forbidden: exceeded quota: compute, requested: limits.memory=1Gi, used: limits.memory=0, limited: limits.memory=512Mi',
      'quota',
      'FAIL',
      /ResourceQuota compute has no room/,
    ],
    [
      'PSA',
      'pods "p" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "base" must set securityContext.runAsNonRoot=true)',
      'pod-security',
      'FAIL',
      /enforces Pod Security restricted:latest/,
    ],
    [
      'LimitRange',
      'pods "p" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi',
      'limit-range',
      'FAIL',
      /LimitRange/,
    ],
    [
      'webhook denied',
      'admission webhook "require-limits.policy.example.com" denied the request: limits are required',
      'webhook',
      'FAIL',
      /require-limits\.policy\.example\.com/,
    ],
    ['webhook dry run', 'admission webhook "x.example.com" does not support dry run', 'webhook', 'WARN', /sideEffects/],
    [
      'webhook down',
      'Internal error occurred: failed calling webhook "x.example.com": failed to call webhook: Post "https://x.svc:443/?timeout=10s": context deadline exceeded',
      'webhook',
      'FAIL',
      /does not answer/,
    ],
  ];
  for (const [what, message, check, verdict, fix] of cases) {
    it(what, () => {
      const c = explainRejection({ admitted: false, code: 403, message, warnings: [] }, 'ConfigMap t');
      assert.equal(c.check, check);
      assert.equal(c.verdict, verdict);
      assert.match(c.fix, fix);
    });
  }
  it('an admitted pod with warnings is a WARN naming them', () => {
    const f = dryRunFinding(
      'a',
      { admitted: true, pod: template, warnings: ['would violate PodSecurity "restricted:latest": x'] },
      undefined,
    );
    assert.equal(f.verdict, 'WARN');
    assert.match(f.message, /would violate PodSecurity/);
  });
});

describe('admission: quota room at parallelism', () => {
  const pod: PodManifest = {
    spec: {
      containers: [
        { name: 'base', resources: { requests: { memory: '1Gi', cpu: '500m' }, limits: { memory: '1Gi' } } },
      ],
    },
  };
  const quota = (hard: Record<string, string>, used?: Record<string, string>): ResourceQuota => ({
    metadata: { name: 'compute' },
    spec: { hard },
    status: { hard, used },
  });
  it('charges the pod as the pod evaluator does', () => {
    const u = podUsage(pod);
    assert.deepEqual(Object.fromEntries(Object.entries(u).map(([k, v]) => [k, show(v, /memory/.test(k))])), {
      pods: '1',
      'count/pods': '1',
      cpu: '500m',
      'requests.cpu': '500m',
      memory: '1Gi',
      'requests.memory': '1Gi',
      'limits.memory': '1Gi',
    });
  });
  const cases: [string, ResourceQuota, number, 'OK' | 'FAIL' | 'WARN', RegExp][] = [
    [
      'room for 4 of 16',
      quota({ 'requests.memory': '4Gi' }, { 'requests.memory': '0' }),
      4,
      'FAIL',
      /room for 4 task pods at once .* parallelism is 16/,
    ],
    [
      'tightest resource wins',
      quota({ 'requests.memory': '64Gi', 'requests.cpu': '2' }, { 'requests.memory': '0', 'requests.cpu': '500m' }),
      3,
      'FAIL',
      /requests\.cpu/,
    ],
    [
      'enough room',
      quota({ 'requests.memory': '32Gi' }, { 'requests.memory': '8Gi' }),
      24,
      'OK',
      /room for 24 task pods/,
    ],
    ['pods count', quota({ pods: '10' }, { pods: '7' }), 3, 'FAIL', /pods left/],
  ];
  for (const [what, q, pods, verdict, msg] of cases) {
    it(what, () => {
      const { rooms } = quotaRoom(pod, [q]);
      assert.equal(rooms[0].pods, pods);
      const [f] = quotaFindings('a', pod, [q], 16, '[core] parallelism');
      assert.equal(f.verdict, verdict);
      assert.match(f.message, msg);
    });
  }
  it('the fix says by how much to raise the quota', () => {
    const [f] = quotaFindings('a', pod, [quota({ 'requests.memory': '4Gi' }, { 'requests.memory': '0' })], 16, 'p');
    assert.match(f.fix ?? '', /raise ResourceQuota compute spec.hard requests.memory by 12Gi/);
  });
  it('a quota without status.used cannot be predicted', () => {
    const [f] = quotaFindings(
      'a',
      pod,
      [{ metadata: { name: 'fresh' }, spec: { hard: { 'requests.memory': '4Gi' } } }],
      16,
      'p',
    );
    assert.equal(f.verdict, 'WARN');
  });
  it('a quota with scopes is left out; one on other resources says nothing', () => {
    assert.deepEqual(
      quotaFindings(
        'a',
        pod,
        [
          { metadata: { name: 's' }, spec: { hard: { pods: '1' }, scopes: ['BestEffort'] } },
          quota({ 'requests.storage': '1Ti' }, { 'requests.storage': '0' }),
        ],
        16,
        'p',
      ),
      [],
    );
  });
  it('quantities', () => {
    assert.equal(milli('1Gi'), 1073741824000n);
    assert.equal(milli('250m'), 250n);
    assert.equal(milli('lots'), undefined);
  });
});

describe('admission: Pod Security', () => {
  it('reads the modes and fails closed on an unknown level', () => {
    const p = namespacePolicy({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'nonsense',
    });
    assert.deepEqual(p.enforce, { level: 'restricted', version: 'latest' });
    assert.equal(p.warn.level, 'restricted');
    assert.equal(p.audit.level, 'privileged');
  });
  it('the restricted fix is YAML naming each template container', () => {
    const fix = parse(restrictedFix(template));
    assert.equal(fix.spec.securityContext.runAsNonRoot, true);
    assert.equal(fix.spec.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.deepEqual(fix.spec.containers, [
      { name: 'base', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    ]);
  });
});

describe('admission: service meshes', () => {
  const withLabels = (labels: Record<string, string>, annotations: Record<string, string> = {}): PodManifest => ({
    ...template,
    metadata: { ...template.metadata, labels: { ...template.metadata!.labels, ...labels }, annotations },
  });
  const cases: [
    string,
    { labels?: Record<string, string>; annotations?: Record<string, string> },
    PodManifest,
    string[],
  ][] = [
    ['istio-injection=enabled', { labels: { 'istio-injection': 'enabled' } }, template, ['istio']],
    ['revision label', { labels: { 'istio.io/rev': 'canary' } }, template, ['istio']],
    [
      'template opts out (label)',
      { labels: { 'istio-injection': 'enabled' } },
      withLabels({ 'sidecar.istio.io/inject': 'false' }),
      [],
    ],
    [
      'template opts out (annotation)',
      { labels: { 'istio-injection': 'enabled' } },
      withLabels({}, { 'sidecar.istio.io/inject': 'false' }),
      [],
    ],
    [
      'namespace disabled',
      { labels: { 'istio-injection': 'disabled' } },
      withLabels({ 'sidecar.istio.io/inject': 'true' }),
      [],
    ],
    ['linkerd namespace annotation', { annotations: { 'linkerd.io/inject': 'enabled' } }, template, ['linkerd']],
    [
      'linkerd opt out',
      { annotations: { 'linkerd.io/inject': 'enabled' } },
      withLabels({}, { 'linkerd.io/inject': 'disabled' }),
      [],
    ],
    ['nothing', {}, template, []],
  ];
  for (const [what, ns, pod, want] of cases) {
    it(what, () =>
      assert.deepEqual(
        injections(ns, pod).map((i) => i.mesh),
        want,
      ),
    );
  }
  const finished = (name: string, native = false): PodManifest =>
    ({
      metadata: { name },
      spec: native
        ? { initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }], containers: [{ name: 'base' }] }
        : { containers: [{ name: 'base' }, { name: 'istio-proxy' }] },
      status: {
        phase: 'Running',
        containerStatuses: [
          { name: 'base', state: { terminated: { exitCode: 0 } } },
          ...(native ? [] : [{ name: 'istio-proxy', state: { running: {} } }]),
        ],
      },
    }) as PodManifest;
  it('names the task pods a proxy keeps Running', () =>
    assert.deepEqual(heldByProxy([finished('t-1'), finished('t-2', true)], 'istio'), ['t-1']));
  it('WARNs with the opt-out YAML; native sidecars are OK', () => {
    const [w] = meshFindings('a', { labels: { 'istio-injection': 'enabled' } }, template, [finished('t-1')]);
    assert.equal(w.verdict, 'WARN');
    assert.match(w.message, /t-1/);
    assert.deepEqual(parse(w.fixYaml!), { metadata: { labels: { 'sidecar.istio.io/inject': 'false' } } });
    const [ok] = meshFindings('a', { labels: { 'istio-injection': 'enabled' } }, template, [finished('t-2', true)]);
    assert.equal(ok.verdict, 'OK');
  });
});

describe('admission: API Priority and Fairness', () => {
  const fs = (name: string, level: string, precedence: number, subjects: object[]): FlowSchema => ({
    metadata: { name },
    spec: {
      priorityLevelConfiguration: { name: level },
      matchingPrecedence: precedence,
      rules: [
        {
          subjects: subjects as never,
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }],
        },
      ],
    },
  });
  const pl = (name: string, shares: number, type = 'Limited'): PriorityLevel => ({
    metadata: { name },
    spec: { type, limited: { nominalConcurrencyShares: shares } },
  });
  const schemas = [
    fs('exempt', 'exempt', 1, [{ kind: 'Group', group: { name: 'system:masters' } }]),
    fs('kube-system-service-accounts', 'workload-high', 900, [
      { kind: 'ServiceAccount', serviceAccount: { name: '*', namespace: 'kube-system' } },
    ]),
    fs('service-accounts', 'workload-low', 9000, [{ kind: 'Group', group: { name: 'system:serviceaccounts' } }]),
    fs('catch-all', 'catch-all', 10000, [{ kind: 'Group', group: { name: 'system:authenticated' } }]),
  ];
  const levels = [
    pl('exempt', 0, 'Exempt'),
    pl('workload-high', 40),
    pl('workload-low', 100),
    pl('catch-all', 5),
    pl('global-default', 20),
    pl('system', 30),
    pl('node-high', 40),
    pl('leader-election', 10),
  ];
  const sa = (ns: string, name: string) => ({
    user: `system:serviceaccount:${ns}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  });
  it('an Airflow ServiceAccount falls under service-accounts; a kube-system one under kube-system-service-accounts', () => {
    assert.equal(
      classify(schemas, sa('airflow', 'airflow-worker'), {
        verb: 'create',
        apiGroup: '',
        resource: 'pods',
        namespace: 'airflow',
      })?.metadata.name,
      'service-accounts',
    );
    assert.equal(
      classify(schemas, sa('kube-system', 'x'), {
        verb: 'create',
        apiGroup: '',
        resource: 'pods',
        namespace: 'kube-system',
      })?.metadata.name,
      'kube-system-service-accounts',
    );
  });
  it('nominal seats split 600 by shares', () => {
    assert.equal(nominalSeats(levels).get('workload-low'), Math.ceil((600 * 100) / 245));
  });
  it('OK for the default levels; WARN when a custom schema sends the scheduler to a tiny level', () => {
    const [ok] = flowControlFindings(
      [{ account: 'airflow-scheduler', namespace: 'airflow', what: 'scheduler' }],
      schemas,
      levels,
      32,
      true,
    );
    assert.equal(ok.verdict, 'OK');
    assert.match(ok.message, /FlowSchema service-accounts -> priority level workload-low, 100 shares, ~245 seats/);
    const tiny = [
      fs('airflow', 'tiny', 500, [{ kind: 'ServiceAccount', serviceAccount: { name: '*', namespace: 'airflow' } }]),
      ...schemas,
    ];
    const [w] = flowControlFindings(
      [{ account: 'airflow-scheduler', namespace: 'airflow', what: 'scheduler' }],
      tiny,
      [...levels, pl('tiny', 1)],
      32,
      true,
    );
    assert.equal(w.verdict, 'WARN');
    assert.match(w.message, /FlowSchema airflow -> priority level tiny/);
  });
});

describe('admission: decisions per namespace', () => {
  const facts = (extra: object = {}) => ({
    namespace: 'airflow',
    labels: {},
    annotations: {},
    quotas: { ok: true as const, value: [] },
    limitRanges: { ok: true as const, value: [] },
    taskPods: { ok: true as const, value: [] },
    dryRun: { ok: true as const, value: { admitted: true as const, pod: template, warnings: [] } },
    ...extra,
  });
  it('a restricted rejection carries the securityContext YAML', () => {
    const f = decideNamespace(
      launch(),
      facts({
        dryRun: {
          ok: true,
          value: {
            admitted: false,
            code: 403,
            message: 'pods "p" is forbidden: violates PodSecurity "restricted:latest": x',
            warnings: [],
          },
        },
      }),
    );
    assert.equal(f[0].check, 'pod-security');
    assert.ok(parse(f[0].fixYaml!).spec.securityContext);
    assert.equal(worst(f), 'FAIL');
  });
  it('a dry run that could not be made is a SKIP naming the permission, and the other checks go on', () => {
    const f = decideNamespace(
      launch(),
      facts({
        dryRun: {
          ok: false,
          message: 'cannot impersonate the worker account',
          permission: 'impersonate serviceaccounts in airflow',
        },
        labels: { 'istio-injection': 'enabled' },
      }),
    );
    assert.equal(f[0].verdict, 'SKIP');
    assert.match(f[0].message, /impersonate serviceaccounts in airflow/);
    assert.ok(f.some((x) => x.check === 'mesh' && x.verdict === 'WARN'));
  });
  it('after a quota rejection no room is predicted', () => {
    const f = decideNamespace(
      launch(),
      facts({
        dryRun: {
          ok: true,
          value: {
            admitted: false,
            code: 403,
            message: 'pods "p" is forbidden: failed quota: q: must specify limits.memory for: base',
            warnings: [],
          },
        },
        quotas: {
          ok: true,
          value: [
            {
              metadata: { name: 'q' },
              spec: { hard: { 'limits.memory': '1Gi' } },
              status: { used: { 'limits.memory': '0' } },
            },
          ],
        },
      }),
    );
    assert.deepEqual(
      f.map((x) => x.check),
      ['quota'],
    );
  });
});

describe('admission: as a doctor layer', async () => {
  const { admissionLayer } = await import('../../src/admission/layer.ts');
  const report = (findings: any[]) => ({
    release: 'airflow',
    podTemplate: 't',
    parallelism: { value: 32, source: 'd' },
    launchNamespaces: ['airflow'],
    verdict: worst(findings),
    findings,
    warnings: [],
  });
  const f = (verdict: string, message: string, fix?: string) => ({
    namespace: 'airflow',
    check: 'quota',
    verdict,
    message,
    fix,
  });
  it("the first FAIL, in the server's words, with its fix and the command for detail", () => {
    const l = admissionLayer(
      report([f('OK', 'fine'), f('FAIL', 'pods "x" is forbidden: exceeded quota: q', 'raise it'), f('FAIL', 'other')]),
      'airflow',
    );
    assert.deepEqual(l, {
      verdict: 'FAIL',
      summary: 'airflow: pods "x" is forbidden: exceeded quota: q (+1 more)',
      remedy: 'raise it',
      command: 'kubectl airflow admission -n airflow',
      unasked: false,
    });
  });
  it('a WARN with its fix; a SKIP alone is unasked', () => {
    assert.equal(admissionLayer(report([f('WARN', 'istio injects', 'opt out')]), 'airflow').remedy, 'opt out');
    const s = admissionLayer(report([f('SKIP', 'cannot impersonate (needs x)')]), 'airflow');
    assert.equal(s.verdict, 'SKIP');
    assert.equal(s.unasked, true);
  });
  it('all OK', () => assert.match(admissionLayer(report([f('OK', 'fine')]), 'airflow').summary, /admitted in airflow/));
});

describe('admission: who launches task pods', async () => {
  const { launcherOf } = await import('../../src/admission/sources.ts');
  const components = [
    { component: 'scheduler', account: { namespace: 'data', name: 'etl-airflow-scheduler' } },
    { component: 'worker', account: { namespace: 'data', name: 'etl-airflow-worker' } },
  ];
  const cases: [string[], string | undefined][] = [
    [['KubernetesExecutor'], 'scheduler'],
    [['CeleryKubernetesExecutor'], 'scheduler'],
    [['CeleryExecutor'], 'worker'],
    [['LocalExecutor'], 'worker'],
  ];
  for (const [executors, want] of cases) {
    it(`${executors.join(',')}: the ${want}`, () => assert.equal(launcherOf(components, executors)?.component, want));
  }
  it('no worker under Celery: the scheduler; nothing: undefined', () => {
    assert.equal(launcherOf([components[0]], ['CeleryExecutor'])?.name, 'etl-airflow-scheduler');
    assert.equal(launcherOf([], ['CeleryExecutor']), undefined);
  });
});
