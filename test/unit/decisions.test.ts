// The decisions taken out of fetch code, table-driven: rbac's plan (profiles, namespaces, the --sa
// fallback), the live config's sources and precedence, doctor's reading of errors, and the one
// representation of cluster-wide.
import { strict as assert } from 'node:assert';
import { resolveAirflowConfig } from '../../src/airflow/airflow-cfg.ts';
import { airflowConfigFrom, byPrecedence, configReads } from '../../src/airflow/config-sources.ts';
import { apiNamespace, CLUSTER_WIDE, isClusterWide } from '../../src/airflow/namespaces.ts';
import { builtinRequirements } from '../../src/airflow/requirements.ts';
import type { PodLike, Release } from '../../src/airflow/release.ts';
import { ClusterError, UsageError } from '../../src/base/errors.ts';
import { networkSkip, NO_RELEASE, notChecked, whoAmI } from '../../src/doctor/meanings.ts';
import {
  bindingNamespaces,
  namespacesToAsk,
  planForAccounts,
  planForRelease,
  releaseIsOptional,
  SA_DEFAULT_PROFILES,
  splitList,
  UNKNOWN_VERSIONS,
} from '../../src/rbac/plan.ts';

const pod = (name: string, component: string, extra: Partial<PodLike['spec']> = {}): PodLike => ({
  metadata: { name, labels: { tier: 'airflow', component, release: 'airflow' } },
  spec: { containers: [{ name: 'base', env: [] }], ...extra },
});
const config = (vars: Record<string, string>) => resolveAirflowConfig({ envs: [{ vars, origin: 'test' }] });

describe('decisions: cluster-wide', () => {
  it('one representation, one conversion to the API spelling', () => {
    const table: Array<[string, boolean, string]> = [
      [CLUSTER_WIDE, true, ''],
      ['airflow', false, 'airflow'],
      ['', false, ''],
    ];
    for (const [ns, wide, api] of table) {
      assert.equal(isClusterWide(ns), wide, ns);
      assert.equal(apiNamespace(ns), api, ns);
    }
  });
});

describe('decisions: rbac plan', () => {
  // the requirement model's rows, chosen by profile name as before
  const all = builtinRequirements();
  it('splitList: commas and repeats, blanks dropped', () => {
    const table: Array<[string[] | undefined, string[]]> = [
      [undefined, []],
      [
        ['a,b', 'c'],
        ['a', 'b', 'c'],
      ],
      [[' a , ,b '], ['a', 'b']],
    ];
    for (const [v, want] of table) assert.deepEqual(splitList(v), want);
  });
  it('--sa without a release here: which errors leave the given accounts to check', () => {
    const table: Array<[unknown, string | undefined, boolean]> = [
      [new UsageError('no Airflow release found'), undefined, true],
      [new ClusterError('forbidden', 'pods is forbidden', { status: 403 }), undefined, true],
      [new ClusterError('unreachable', 'down'), undefined, false],
      [new ClusterError('forbidden', 'pods is forbidden', { status: 403 }), 'prod', false],
      [new UsageError('no release "prod"'), 'prod', false],
      [new TypeError('bug'), undefined, false],
    ];
    for (const [e, release, want] of table)
      assert.equal(releaseIsOptional(e, release), want, `${(e as Error).message} ${release}`);
  });
  it('--sa: default profiles, the accounts as components, namespaces from the release or the accounts', () => {
    const accounts = [
      { namespace: 'a', name: 'x' },
      { namespace: 'b', name: 'y' },
      { namespace: 'a', name: 'z' },
    ];
    const p = planForAccounts({ namespace: 'cur', accounts, all, explicit: [] });
    assert.deepEqual(
      p.profiles.map((x) => x.name),
      SA_DEFAULT_PROFILES,
    );
    assert.deepEqual(p.namespaces, ['a', 'b']);
    assert.deepEqual(
      p.components.map((c) => [c.component, c.account.name, c.source]),
      [
        ['*', 'x', '--sa'],
        ['*', 'y', '--sa'],
        ['*', 'z', '--sa'],
      ],
    );
    assert.equal(p.release, undefined);
    const release: Release = { name: 'airflow', namespace: 'cur', chart: 'official', components: [], pods: [] };
    const multi = config({ AIRFLOW__KUBERNETES_EXECUTOR__MULTI_NAMESPACE_MODE: 'True' });
    const withRelease = planForAccounts({
      namespace: 'cur',
      accounts,
      all,
      explicit: ['log-reading'],
      loaded: { release, config: multi, warnings: ['w'], versions: UNKNOWN_VERSIONS },
    });
    assert.deepEqual(
      withRelease.profiles.map((x) => x.name),
      ['log-reading'],
    );
    assert.deepEqual(withRelease.namespaces, [CLUSTER_WIDE]);
    assert.deepEqual(withRelease.warnings, ['w']);
  });
  it('a release: profiles from its executor and components, its Airflow accounts, its launch namespaces', () => {
    const comp = (component: string, name: string) => ({
      component,
      account: { namespace: 'airflow', name },
      source: 'pod',
      automount: true,
    });
    const release: Release = {
      name: 'airflow',
      namespace: 'airflow',
      chart: 'official',
      components: [comp('worker', 'w'), comp('statsd', 's'), comp('scheduler', 'sch')],
      pods: [],
    };
    const table: Array<[Record<string, string>, string[]]> = [
      [{ AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor' }, ['airflow']],
      [{ AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor', AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE: 'tasks' }, ['tasks']],
      [
        {
          AIRFLOW__CORE__EXECUTOR: 'CeleryExecutor',
          AIRFLOW__KUBERNETES_EXECUTOR__MULTI_NAMESPACE_MODE: 'True',
          AIRFLOW__KUBERNETES_EXECUTOR__MULTI_NAMESPACE_MODE_NAMESPACE_LIST: 'a,b',
        },
        ['a', 'b'],
      ],
    ];
    for (const [vars, namespaces] of table) {
      const p = planForRelease({
        namespace: 'airflow',
        all,
        explicit: [],
        loaded: { release, config: config(vars), warnings: [], versions: UNKNOWN_VERSIONS },
      });
      assert.deepEqual(p.namespaces, namespaces, JSON.stringify(vars));
      assert.deepEqual(
        p.components.map((c) => c.component),
        ['scheduler', 'worker'],
        'Airflow processes, scheduler first; statsd left out',
      );
      assert.ok(p.profiles.length > 0);
    }
    const explicit = planForRelease({
      namespace: 'airflow',
      all,
      explicit: ['job-launching'],
      loaded: { release, config: config({}), warnings: [], versions: UNKNOWN_VERSIONS },
    });
    assert.deepEqual(
      explicit.profiles.map((x) => x.name),
      ['job-launching'],
    );
  });
  it('namespaces asked (the release namespace added) and those whose RoleBindings explain denials', () => {
    const release: Release = { name: 'r', namespace: 'airflow', chart: 'official', components: [], pods: [] };
    const table: Array<[string[], Release | undefined, string[], string[]]> = [
      [['airflow'], release, ['airflow'], ['airflow']],
      [['tasks'], release, ['tasks', 'airflow'], ['tasks', 'airflow']],
      [[CLUSTER_WIDE], release, [CLUSTER_WIDE, 'airflow'], ['airflow']],
      [['a', 'b'], undefined, ['a', 'b'], ['a', 'b']],
    ];
    for (const [namespaces, r, ask, bindings] of table) {
      assert.deepEqual(namespacesToAsk({ namespaces, release: r }), ask);
      assert.deepEqual(bindingNamespaces(ask), bindings);
    }
  });
});

describe('decisions: where the live Airflow config comes from', () => {
  it('scheduler pods first, otherwise in the order given', () => {
    const pods = [pod('w-1', 'worker'), pod('s-1', 'scheduler'), pod('t-1', 'triggerer'), pod('s-2', 'scheduler')];
    assert.deepEqual(
      byPrecedence(pods).map((p) => p.metadata.name),
      ['s-1', 's-2', 'w-1', 't-1'],
    );
  });
  it('what to read: literal env by precedence, envFrom Secrets and ConfigMaps once each, <release>-config first', () => {
    const sch = pod('s', 'scheduler', {
      containers: [
        {
          name: 'base',
          env: [{ name: 'AIRFLOW__CORE__EXECUTOR', value: 'KubernetesExecutor' }],
          envFrom: [{ secretRef: { name: 'sec' } }, { configMapRef: { name: 'cm-env' } }],
        },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'custom-cfg' } }],
    });
    const w = pod('w', 'worker', {
      containers: [
        {
          name: 'base',
          env: [{ name: 'AIRFLOW__CORE__EXECUTOR', value: 'CeleryExecutor' }],
          envFrom: [{ secretRef: { name: 'sec' } }],
        },
      ],
    });
    const reads = configReads({ name: 'airflow', pods: [w, sch] });
    assert.deepEqual(
      reads.literal.map((e) => e.origin),
      ['pod s env', 'pod w env'],
    );
    assert.deepEqual(reads.secrets, ['sec']);
    assert.deepEqual(reads.envConfigMaps, ['cm-env']);
    assert.deepEqual(reads.cfgConfigMaps, ['airflow-config', 'custom-cfg']);
  });
  it('precedence: pod env, then Secrets, then envFrom ConfigMaps; the first airflow.cfg read', () => {
    const reads = { literal: [], secrets: ['sec'], envConfigMaps: ['cm'], cfgConfigMaps: ['airflow-config', 'custom'] };
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const table: Array<[string, Parameters<typeof airflowConfigFrom>[1], string, string]> = [
      [
        'Secret beats ConfigMap',
        {
          secrets: [{ data: { AIRFLOW__CORE__EXECUTOR: b64('CeleryExecutor') } }],
          envConfigMaps: [{ data: { AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor' } }],
          cfgConfigMaps: [],
        },
        'CeleryExecutor',
        'Secret sec',
      ],
      [
        'ConfigMap env beats airflow.cfg',
        {
          secrets: [undefined],
          envConfigMaps: [{ data: { AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor' } }],
          cfgConfigMaps: [{ data: { 'airflow.cfg': '[core]\nexecutor = LocalExecutor\n' } }],
        },
        'KubernetesExecutor',
        'ConfigMap cm',
      ],
      [
        'the first readable airflow.cfg',
        {
          secrets: [undefined],
          envConfigMaps: [undefined],
          cfgConfigMaps: [undefined, { data: { 'airflow.cfg': '[core]\nexecutor = LocalExecutor\n' } }],
        },
        'LocalExecutor',
        'ConfigMap custom airflow.cfg',
      ],
      [
        'nothing readable: the default',
        { secrets: [undefined], envConfigMaps: [undefined], cfgConfigMaps: [undefined, undefined] },
        'SequentialExecutor',
        'Airflow default',
      ],
    ];
    for (const [name, got, executor, source] of table) {
      const c = airflowConfigFrom(reads, got);
      assert.equal(c.executor.value, executor, name);
      assert.ok(c.executor.source.includes(source), `${name}: ${c.executor.source}`);
    }
  });
});

describe("decisions: doctor's reading of answers and errors", () => {
  it('whoAmI: 2xx names the user, 403 and 404 leave it unknown, anything else fails layer 1', () => {
    const table: Array<[number, unknown, unknown]> = [
      [201, { status: { userInfo: { username: 'alice', groups: ['dev'] } } }, { username: 'alice', groups: ['dev'] }],
      [200, {}, { username: '?', groups: undefined }],
      [403, { message: 'forbidden' }, undefined],
      [404, {}, undefined],
    ];
    for (const [code, body, want] of table) assert.deepEqual(whoAmI(code, body), want, String(code));
    assert.throws(
      () => whoAmI(401, {}),
      (e: Error) => e instanceof ClusterError && e.kind === 'unauthorized',
    );
    assert.throws(
      () => whoAmI(500, { message: 'boom' }),
      (e: Error) => e instanceof ClusterError && e.status === 500,
    );
  });
  it('notChecked: a cluster error SKIPs unasked with its remedy, a usage error SKIPs, anything else is thrown', () => {
    const forbidden = notChecked('rbac', new ClusterError('forbidden', 'no', { status: 403 }));
    assert.deepEqual([forbidden.verdict, forbidden.unasked, forbidden.summary], ['SKIP', true, 'could not check: no']);
    assert.ok(forbidden.remedy);
    const usage = notChecked('config', new UsageError('several releases'));
    assert.deepEqual(
      [usage.verdict, usage.unasked, usage.summary],
      ['SKIP', undefined, 'could not check: several releases'],
    );
    assert.throws(() => notChecked('ha', new TypeError('bug')), TypeError);
  });
  it('networkSkip: no release, no pod to probe from, or probe', () => {
    const table: Array<[boolean, { pod?: string; reason: string } | undefined, string | undefined]> = [
      [false, undefined, NO_RELEASE],
      [true, undefined, NO_RELEASE],
      [true, { reason: 'no running scheduler pod' }, 'no running scheduler pod'],
      [true, { pod: 'sch-0', reason: 'the scheduler launches pods' }, undefined],
    ];
    for (const [has, choice, want] of table) assert.equal(networkSkip(has, choice), want, JSON.stringify(choice));
  });
});
