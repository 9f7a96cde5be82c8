// Pure tests of how Airflow's Kubernetes client will connect from a pod (src/airflow/client-config.ts).
import assert from 'node:assert/strict';
import {
  airflowContainers,
  analyzeContainer,
  analyzePods,
  resolveOption,
  containerEnv,
  locateAirflowCfg,
  type Container,
  type Pod,
  type PodContext,
} from '../../src/config/analyze.ts';
import { decodeAllowed, parseIni } from '../../src/airflow/airflow-cfg.ts';
import { renderText } from '../../src/config/index.ts';
import { renderData } from '../../src/render/data.ts';
import { palette } from '../../src/render/colour.ts';
import { connField, parseConnection } from '../../src/airflow/kubernetes-default-connection.ts';

const CFG = parseIni(`
[core]
executor = KubernetesExecutor

[kubernetes_executor]
namespace = airflow
in_cluster = True
`);

function pod(c: Partial<Container>, spec: Partial<NonNullable<Pod['spec']>> = {}): { pod: Pod; c: Container } {
  const container: Container = { name: 'scheduler', image: 'apache/airflow:2.10.5', ...c };
  return {
    pod: {
      metadata: {
        name: 'airflow-scheduler-0',
        labels: { component: 'scheduler', tier: 'airflow', release: 'airflow' },
      },
      spec: { serviceAccountName: 'airflow-scheduler', containers: [container], ...spec },
    },
    c: container,
  };
}

const ctx: PodContext = { cfg: { source: 'ConfigMap airflow-config', sections: CFG } };
const ids = (r: ReturnType<typeof analyzeContainer>) => r.findings.map((f) => `${f.severity}:${f.id}`);

describe('client-config: resolving [kubernetes_executor] as Airflow does', () => {
  it('env beats airflow.cfg, the current section beats the deprecated one, default last', () => {
    const env = containerEnv(
      {
        name: 'x',
        env: [
          { name: 'AIRFLOW__KUBERNETES__NAMESPACE', value: 'old' },
          { name: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', value: 'new' },
        ],
      },
      ctx,
    ).vars;
    assert.deepEqual(resolveOption('namespace', env, ctx), {
      value: 'new',
      source: 'env AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE (pod env)',
      deprecated: false,
      env: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE',
    });
    const onlyOld = containerEnv(
      { name: 'x', env: [{ name: 'AIRFLOW__KUBERNETES__IN_CLUSTER', value: 'False' }] },
      ctx,
    ).vars;
    const r = resolveOption('in_cluster', onlyOld, ctx);
    assert.equal(r.value, 'False');
    assert.equal(r.deprecated, true, 'env of the old section still beats airflow.cfg of the new one');
    assert.equal(
      resolveOption('namespace', new Map(), ctx).source,
      'airflow.cfg [kubernetes_executor] (ConfigMap airflow-config)',
    );
    assert.deepEqual(resolveOption('verify_ssl', new Map(), ctx), { value: 'True', source: 'default' });
  });

  it('a value from a Secret is reported, never read; later env entries win; envFrom Secrets are opaque', () => {
    const { vars, opaque } = containerEnv(
      {
        name: 'x',
        envFrom: [
          { secretRef: { name: 'airflow-config-envs' } },
          { configMapRef: { name: 'extra' }, prefix: 'AIRFLOW__KUBERNETES_EXECUTOR__' },
        ],
        env: [
          { name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT', valueFrom: { secretKeyRef: { name: 'k8s-conn', key: 'uri' } } },
          { name: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', value: 'a' },
          { name: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', value: 'b' },
        ],
      },
      { configMaps: { extra: { CLUSTER_CONTEXT: 'prod' } } },
    );
    assert.deepEqual(vars.get('AIRFLOW_CONN_KUBERNETES_DEFAULT'), {
      source: 'set from Secret k8s-conn key uri, not read',
    });
    assert.equal(vars.get('AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE')!.value, 'b');
    assert.equal(vars.get('AIRFLOW__KUBERNETES_EXECUTOR__CLUSTER_CONTEXT')!.value, 'prod');
    assert.deepEqual(opaque, ['Secret airflow-config-envs (envFrom, not read)']);
  });

  it('connection URI and JSON forms; the hook reads the plain extra name first, then extra__kubernetes__', () => {
    assert.deepEqual(parseConnection('kubernetes://?in_cluster=True&namespace=x').extras, {
      in_cluster: 'True',
      namespace: 'x',
    });
    assert.deepEqual(
      parseConnection('{"conn_type": "kubernetes", "extra": {"kube_config_path": "/k/config"}}').extras,
      { kube_config_path: '/k/config' },
    );
    assert.deepEqual(parseConnection('kubernetes://?__extra__=' + encodeURIComponent('{"in_cluster": true}')).extras, {
      in_cluster: true,
    });
    assert.equal(connField({ extra__kubernetes__in_cluster: 'True' }, 'in_cluster'), 'True');
    assert.equal(
      connField({ in_cluster: false, extra__kubernetes__in_cluster: true }, 'in_cluster'),
      undefined,
      'a present plain key wins even when falsy',
    );
  });
});

describe('client-config: findings', () => {
  it('a healthy in-cluster scheduler has no finding', () => {
    const { pod: p, c } = pod({
      volumeMounts: [{ name: 'config', mountPath: '/opt/airflow/airflow.cfg', subPath: 'airflow.cfg' }],
    });
    const r = analyzeContainer(p, c, ctx);
    assert.deepEqual(ids(r), []);
    assert.match(r.loads, /load_incluster_config/);
  });

  it("in_cluster with automount off (pod beats ServiceAccount) is an error with Airflow's message", () => {
    const { pod: p, c } = pod({}, { automountServiceAccountToken: false });
    const r = analyzeContainer(p, c, { ...ctx, saAutomount: true });
    assert.deepEqual(ids(r), ['error:in-cluster-no-token']);
    assert.match(r.findings[0]!.message, /Service token file does not exist/);
    const sa = analyzeContainer(pod({}).pod, pod({}).c, { ...ctx, saAutomount: false });
    assert.deepEqual(ids(sa), ['error:in-cluster-no-token']);
    assert.match(sa.automountSource, /ServiceAccount airflow-scheduler automountServiceAccountToken: false/);
  });

  it('in_cluster with the service env blanked by the pod', () => {
    const { pod: p, c } = pod({ env: [{ name: 'KUBERNETES_SERVICE_HOST', value: '' }] });
    assert.deepEqual(ids(analyzeContainer(p, c, ctx)), ['error:in-cluster-no-service-env']);
  });

  it('in_cluster false with a config_file no volume provides; mounted is fine', () => {
    const env = [
      { name: 'AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER', value: 'False' },
      { name: 'AIRFLOW__KUBERNETES_EXECUTOR__CONFIG_FILE', value: '/opt/airflow/kube/config' },
    ];
    const bad = analyzeContainer(pod({ env }).pod, pod({ env }).c, ctx);
    assert.deepEqual(ids(bad), ['error:config-file-not-mounted']);
    assert.match(bad.findings[0]!.message, /Invalid kube-config file/);
    const good = pod({ env, volumeMounts: [{ name: 'kubeconfig', mountPath: '/opt/airflow/kube' }] });
    assert.deepEqual(ids(analyzeContainer(good.pod, good.c, ctx)), []);
  });

  it('cluster_context with in_cluster true is ignored (warning); the [kubernetes] section by version', () => {
    const env = [{ name: 'AIRFLOW__KUBERNETES__CLUSTER_CONTEXT', value: 'prod' }];
    const at = (airflowVersion?: string) => analyzeContainer(pod({ env }).pod, pod({ env }).c, { airflowVersion });
    // from 2.5 [kubernetes] is deprecated: move to [kubernetes_executor]
    assert.deepEqual(ids(at('2.6.3')), ['warning:cluster-context-ignored', 'warning:deprecated-section']);
    // before 2.5 [kubernetes] is the only section: nothing to advise, and never [kubernetes_executor]
    for (const v of ['2.2.5', '1.10.15']) {
      const r = at(v);
      assert.deepEqual(ids(r), ['warning:cluster-context-ignored'], v);
      assert.ok(!JSON.stringify(r.findings).includes('kubernetes_executor'), `${v}: ${JSON.stringify(r.findings)}`);
    }
    // unknown version: said as info, naming which section for which version
    const unknown = at(undefined);
    assert.deepEqual(ids(unknown), ['warning:cluster-context-ignored', 'info:deprecated-section']);
    assert.match(unknown.findings[1]!.remedy, /keep \[kubernetes\] on Airflow before 2\.5/);
  });

  it('before 2.5 an option set only in [kubernetes_executor] is not read: said, and the value shown is the default', () => {
    const env = [{ name: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', value: 'jobs' }];
    const r = analyzeContainer(pod({ env }).pod, pod({ env }).c, { airflowVersion: '2.2.5' });
    assert.equal(r.settings.namespace.value, 'default');
    assert.deepEqual(ids(r), ['warning:section-not-read']);
    assert.match(r.findings[0]!.remedy, /in \[kubernetes\] \(AIRFLOW__KUBERNETES__\*\)/);
    assert.equal(
      analyzeContainer(pod({ env }).pod, pod({ env }).c, { airflowVersion: '2.5.0' }).settings.namespace.value,
      'jobs',
    );
  });

  it('an option the detected version does not read is flagged as ignored', () => {
    const env = [{ name: 'AIRFLOW__KUBERNETES_EXECUTOR__MULTI_NAMESPACE_MODE_NAMESPACE_LIST', value: 'a,b' }];
    assert.deepEqual(ids(analyzeContainer(pod({ env }).pod, pod({ env }).c, { airflowVersion: '2.5.1' })), [
      'warning:option-ignored',
    ]);
    assert.deepEqual(ids(analyzeContainer(pod({ env }).pod, pod({ env }).c, { airflowVersion: '2.6.0' })), []);
  });

  it('connection extras that are mutually exclusive; "False" as a URI string still counts as set', () => {
    const env = [
      { name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT', value: 'kubernetes://?in_cluster=False&kube_config_path=/k/config' },
    ];
    const p = pod({ env, volumeMounts: [{ name: 'k', mountPath: '/k' }] });
    const r = analyzeContainer(p.pod, p.c, ctx);
    assert.deepEqual(ids(r), ['error:connection-exclusive']);
    assert.match(r.findings[0]!.message, /in_cluster = "False" is a non-empty string and counts as set/);
    const json = [
      {
        name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT',
        value: '{"conn_type":"kubernetes","extra":{"in_cluster":false,"kube_config_path":"/k/config"}}',
      },
    ];
    const q = pod({ env: json, volumeMounts: [{ name: 'k', mountPath: '/k' }] });
    assert.deepEqual(ids(analyzeContainer(q.pod, q.c, ctx)), [], 'a JSON false is unset for the hook');
  });

  it('never shows an inline kubeconfig or credential-like extras, nor echoes an unparsable value', () => {
    const kc = 'apiVersion: v1\nusers:\n- name: u\n  user: {token: s3cr3t-t0ken}\n';
    const env = [
      {
        name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT',
        value: JSON.stringify({
          conn_type: 'kubernetes',
          extra: { kube_config: kc, namespace: 'x', extra__kubernetes__token: 'abc' },
        }),
      },
    ];
    const r = analyzeContainer(pod({ env }).pod, pod({ env }).c, ctx);
    const shown = JSON.stringify(r);
    assert.doesNotMatch(shown, /s3cr3t-t0ken|"abc"/);
    assert.equal(r.connection!.extras!.kube_config, '(set, an inline kubeconfig: not shown)');
    assert.equal(r.connection!.extras!.namespace, 'x');
    // an allowlist, not a denylist: a key no secret word matches is not shown either
    const odd = [
      {
        name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT',
        value:
          'kubernetes://?in_cluster=True&auth_header=Bearer+abc.def.ghi&extra__kubernetes__cluster_context=prod&extra__kubernetes__disable_verify_ssl=true',
      },
    ];
    const o = analyzeContainer(pod({ env: odd }).pod, pod({ env: odd }).c, ctx);
    assert.doesNotMatch(JSON.stringify(o), /abc\.def\.ghi|Bearer/);
    assert.deepEqual(o.connection!.extras, {
      in_cluster: 'True',
      auth_header: '(set, not shown: not a field of the kubernetes connection form)',
      extra__kubernetes__cluster_context: 'prod',
      extra__kubernetes__disable_verify_ssl: 'true',
    });
    const bad = [{ name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT', value: '{"extra": {"kube_config": "s3cr3t-t0ken"' }];
    const b = analyzeContainer(pod({ env: bad }).pod, pod({ env: bad }).c, ctx);
    assert.deepEqual(ids(b), ['error:connection-invalid']);
    assert.doesNotMatch(JSON.stringify(b), /s3cr3t/);
  });

  it('a connection from a Secret is shown as a reference, not read, and not judged', () => {
    const env = [
      { name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT', valueFrom: { secretKeyRef: { name: 'k8s-conn', key: 'uri' } } },
    ];
    const r = analyzeContainer(pod({ env }).pod, pod({ env }).c, ctx);
    assert.deepEqual(r.connection, {
      source: 'env AIRFLOW_CONN_KUBERNETES_DEFAULT (set from Secret k8s-conn key uri, not read)',
    });
    assert.deepEqual(ids(r), []);
  });

  it('an in_cluster value that is not a boolean fails the way Airflow does', () => {
    const env = [{ name: 'AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER', value: 'yes' }];
    const r = analyzeContainer(pod({ env }).pod, pod({ env }).c, ctx);
    assert.deepEqual(ids(r), ['error:in-cluster-invalid']);
    assert.match(r.findings[0]!.message, /Failed to convert value to bool/);
  });
});

describe('client-config: which airflow.cfg a container reads', () => {
  const volumes = [
    { name: 'config', configMap: { name: 'airflow-config' } },
    { name: 'other', configMap: { name: 'extra', items: [{ key: 'cfg', path: 'airflow.cfg' }] } },
  ];
  it('the official chart: ConfigMap <release>-config mounted by subPath at /opt/airflow/airflow.cfg', () => {
    const c: Container = {
      name: 'scheduler',
      volumeMounts: [{ name: 'config', mountPath: '/opt/airflow/airflow.cfg', subPath: 'airflow.cfg' }],
    };
    assert.deepEqual(locateAirflowCfg({ spec: { volumes, containers: [c] } }, c), {
      configMap: 'airflow-config',
      key: 'airflow.cfg',
      path: '/opt/airflow/airflow.cfg',
    });
  });
  it('$AIRFLOW_CONFIG picks among several mounts; items map keys to file names', () => {
    const c: Container = {
      name: 'x',
      env: [{ name: 'AIRFLOW_CONFIG', value: '/etc/af/airflow.cfg' }],
      volumeMounts: [
        { name: 'config', mountPath: '/opt/airflow' },
        { name: 'other', mountPath: '/etc/af' },
      ],
    };
    const cms = { 'airflow-config': { 'airflow.cfg': '[core]' } };
    assert.deepEqual(locateAirflowCfg({ spec: { volumes, containers: [c] } }, c, cms), {
      configMap: 'extra',
      key: 'cfg',
      path: '/etc/af/airflow.cfg',
    });
  });
  it('sidecars on the Airflow image without airflow.cfg are not Airflow clients when another container mounts it', () => {
    const main: Container = {
      name: 'scheduler',
      image: 'apache/airflow:3.1.0',
      volumeMounts: [{ name: 'config', mountPath: '/opt/airflow/airflow.cfg', subPath: 'airflow.cfg' }],
    };
    const groomer: Container = {
      name: 'scheduler-log-groomer',
      image: 'apache/airflow:3.1.0',
      env: [{ name: 'AIRFLOW__LOG_RETENTION_DAYS', value: '15' }],
    };
    assert.deepEqual(
      airflowContainers({ spec: { volumes, containers: [main, groomer] } }).map((c) => c.name),
      ['scheduler'],
    );
    assert.deepEqual(
      airflowContainers({ spec: { containers: [groomer] } }).map((c) => c.name),
      ['scheduler-log-groomer'],
    );
  });
  it("a git-sync sidecar given the release's envFrom (the community chart) is not an Airflow client", () => {
    const envFrom = [{ secretRef: { name: 'airflow-config-envs' } }];
    const main: Container = { name: 'airflow-scheduler', image: 'example/etl:1.0', envFrom };
    const v3: Container = {
      name: 'dags-git-sync',
      image: 'registry.k8s.io/git-sync/git-sync:v3.6.5',
      env: [{ name: 'GIT_SYNC_REPO', value: 'git@example.com:dags.git' }],
      envFrom,
    };
    const v4: Container = {
      name: 'git-sync',
      image: 'mirror.example/sync:4',
      env: [{ name: 'GITSYNC_REPO', value: 'https://example.com/dags.git' }],
      envFrom,
    };
    assert.deepEqual(
      airflowContainers({ spec: { containers: [main, v3, v4] } }).map((c) => c.name),
      ['airflow-scheduler'],
    );
    assert.deepEqual(
      airflowContainers({ spec: { containers: [v3, main] } }).map((c) => c.name),
      ['airflow-scheduler'],
    );
  });
  it("every pod of the release: airflow.cfg from its ConfigMap, the ServiceAccount's automount, and what could not be read said as info", () => {
    const c: Container = {
      name: 'scheduler',
      image: 'apache/airflow:2.10.5',
      volumeMounts: [{ name: 'config', mountPath: '/opt/airflow/airflow.cfg', subPath: 'airflow.cfg' }],
    };
    const p: Pod = {
      metadata: { name: 's-0', labels: { component: 'scheduler' } },
      spec: { serviceAccountName: 'sched', volumes, containers: [c] },
    };
    const cfg = '[kubernetes_executor]\nnamespace = jobs\n';
    const [r] = analyzePods(
      [p],
      { 'airflow-config': { 'airflow.cfg': cfg } },
      [{ metadata: { name: 'sched' }, automountServiceAccountToken: false }],
      'airflow',
    );
    assert.equal(r!.settings.namespace.value, 'jobs');
    assert.equal(
      r!.settings.namespace.source,
      'airflow.cfg [kubernetes_executor] (ConfigMap airflow-config key airflow.cfg)',
    );
    assert.equal(r!.automount, false, "the ServiceAccount's setting applies");
    assert.deepEqual(
      r!.findings.filter((f) => f.severity === 'info').map((f) => f.id),
      [],
    );
    const [blind] = analyzePods([p], {}, undefined, 'airflow');
    assert.deepEqual(
      blind!.findings.filter((f) => f.severity === 'info').map((f) => [f.id, f.remedy]),
      [
        ['cfg-not-readable', 'Grant get configmaps in airflow.'],
        ['sa-not-readable', 'Grant get serviceaccounts in airflow.'],
      ],
    );
  });
});

describe('client-config: the envFrom Secret, allowlisted keys only', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  // what the community chart renders into <release>-config-envs, credentials included
  const SENSITIVE = {
    AIRFLOW_CONN_KUBERNETES_DEFAULT: 'kubernetes://?extra__kubernetes__kube_config=conn-s3cr3t-kubeconfig',
    AIRFLOW__CORE__FERNET_KEY: 'fernet-s3cr3t-key',
    DATABASE_PASSWORD: 'db-pa55word-s3cr3t',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'postgresql://airflow:sqlpa55-s3cr3t@db/airflow',
  };
  const raw = {
    ...Object.fromEntries(Object.entries(SENSITIVE).map(([k, v]) => [k, b64(v)])),
    AIRFLOW__CORE__EXECUTOR: b64('KubernetesExecutor'),
    AIRFLOW__KUBERNETES__NAMESPACE: b64('old-ns'),
    AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE: b64('jobs'),
    AIRFLOW__KUBERNETES_EXECUTOR__VERIFY_SSL: b64('False'),
  };
  const c: Container = {
    name: 'scheduler',
    image: 'apache/airflow:2.8.4',
    envFrom: [{ secretRef: { name: 'airflow-config-envs' } }],
  };
  const p: Pod = {
    metadata: { name: 'airflow-scheduler-0', labels: { component: 'scheduler', app: 'airflow' } },
    spec: { serviceAccountName: 'airflow', containers: [c] },
  };

  it('values come from the Secret with their source; nothing else of it exists in the result', () => {
    const [r] = analyzePods([p], {}, [], 'airflow', { 'airflow-config-envs': { keys: decodeAllowed(raw) } });
    assert.deepEqual(r!.settings.namespace, {
      value: 'jobs',
      source:
        'env AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE (Secret airflow-config-envs key AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE)',
      deprecated: false,
      env: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE',
    });
    assert.equal(r!.settings.verify_ssl.value, 'False');
    assert.match(
      r!.settings.verify_ssl.source,
      /Secret airflow-config-envs key AIRFLOW__KUBERNETES_EXECUTOR__VERIFY_SSL/,
    );
    assert.ok(ids(r!).includes('warning:verify-ssl-off'));
    assert.ok(ids(r!).includes('info:secret-allowlist'));
    assert.ok(!ids(r!).includes('info:opaque-env'), 'a read Secret is not opaque');
  });

  it('a Secret holding AIRFLOW_CONN_, a fernet key and passwords: none of it in json, yaml, table or wide', () => {
    const results = analyzePods([p], {}, [], 'airflow', { 'airflow-config-envs': { keys: decodeAllowed(raw) } });
    const doc = { release: 'airflow', namespace: 'airflow', chart: 'community', pods: results };
    const outputs = {
      json: renderData(doc, 'json'),
      yaml: renderData(doc, 'yaml'),
      table: renderText(results, 'airflow', 'airflow', palette(false), false),
      wide: renderText(results, 'airflow', 'airflow', palette(false), true),
    };
    for (const [format, out] of Object.entries(outputs)) {
      assert.match(out, /jobs/, `${format} shows the allowlisted value`);
      for (const [k, v] of Object.entries(SENSITIVE)) {
        for (const needle of [k, v, b64(v), 's3cr3t'])
          assert.ok(!out.includes(needle), `${format} must not contain ${needle}`);
      }
    }
  });

  it('a Secret the caller may not get: said with the permission, what is known is shown, nothing assumed read', () => {
    const withCfg: Pod = {
      ...p,
      spec: {
        ...p.spec,
        containers: [{ ...c, env: [{ name: 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE', value: 'from-env' }] }],
      },
    };
    const [r] = analyzePods([withCfg], {}, [], 'airflow', {
      'airflow-config-envs': { unreadable: 'you may not get secrets in airflow', permission: 'get secrets in airflow' },
    });
    assert.equal(r!.settings.namespace.value, 'from-env', 'the pod env is still known');
    assert.equal(r!.settings.in_cluster.source, 'default');
    const f = r!.findings.find((x) => x.id === 'secret-not-readable')!;
    assert.match(
      f.message,
      /^Secret airflow-config-envs \(envFrom\) could not be read \(you may not get secrets in airflow\)/,
    );
    assert.match(f.remedy, /may get secrets in airflow/);
    assert.ok(
      r!.opaque.some((o) => o.startsWith('Secret airflow-config-envs')),
      'defaults are marked uncertain in the table',
    );
    assert.ok(!ids(r!).includes('info:opaque-env'), 'said once');
  });

  it('keys outside the allowlist handed over anyway are ignored by containerEnv', () => {
    const { vars } = containerEnv(c, {
      secrets: {
        'airflow-config-envs': { keys: { AIRFLOW__CORE__FERNET_KEY: 'x', AIRFLOW__KUBERNETES__IN_CLUSTER: 'False' } },
      },
    });
    assert.deepEqual([...vars.keys()], ['AIRFLOW__KUBERNETES__IN_CLUSTER']);
  });
});
