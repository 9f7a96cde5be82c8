import { strict as assert } from 'node:assert';
import {
  airflowBool,
  launchNamespaces,
  lookup,
  parseIni,
  resolveAirflowConfig,
  K8S_SECTIONS,
  NEEDED_KEYS,
  decodeAllowed,
} from '../../src/airflow/airflow-cfg.ts';
import { builtinProfiles, chooseProfiles } from '../../src/airflow/profiles.ts';

const CFG = `
[core]
# comment
executor = CeleryExecutor
dags_folder: /opt/airflow/dags

[kubernetes]
namespace = old-ns
in_cluster = False

[kubernetes_executor]
multi_namespace_mode = True
multi_namespace_mode_namespace_list = a, b,
  c
`;

describe('airflow config', () => {
  it('parses airflow.cfg like configparser (=, :, comments, continuation lines, lower-case keys)', () => {
    const ini = parseIni(CFG);
    assert.equal(ini.core.executor, 'CeleryExecutor');
    assert.equal(ini.core.dags_folder, '/opt/airflow/dags');
    assert.equal(ini.kubernetes_executor.multi_namespace_mode_namespace_list, 'a, b,\nc');
  });

  it('env beats the file; the new section beats the deprecated one in each', () => {
    const c = resolveAirflowConfig({
      envs: [
        {
          vars: { AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor', AIRFLOW__KUBERNETES__NAMESPACE: 'env-old' },
          origin: 'pod s',
        },
      ],
      cfg: parseIni(CFG),
      cfgOrigin: 'ConfigMap airflow-config airflow.cfg',
    });
    assert.deepEqual(c.executor, { value: 'KubernetesExecutor', source: 'AIRFLOW__CORE__EXECUTOR (pod s)' });
    assert.deepEqual(c.executors, ['KubernetesExecutor']);
    // deprecated env still beats the file (Airflow reads every env form before the file)
    assert.equal(c.namespace.value, 'env-old');
    assert.equal(c.inCluster.value, false);
    assert.match(c.inCluster.source, /^\[kubernetes\] in_cluster/);
    assert.equal(c.multiNamespaceMode.value, true);
    assert.deepEqual(c.multiNamespaceNamespaceList.value, ['a', 'b', 'c']);
    const c2 = resolveAirflowConfig({
      envs: [
        {
          vars: { AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE: 'new', AIRFLOW__KUBERNETES__NAMESPACE: 'old' },
          origin: 'x',
        },
      ],
    });
    assert.equal(c2.namespace.value, 'new');
  });

  it('defaults when nothing is set; executor lists and class paths', () => {
    const c = resolveAirflowConfig({ envs: [] });
    assert.equal(c.inCluster.value, true);
    assert.equal(c.multiNamespaceMode.value, false);
    assert.equal(c.configFile.value, undefined);
    const m = resolveAirflowConfig({
      envs: [{ vars: { AIRFLOW__CORE__EXECUTOR: 'CeleryExecutor, my.module.KubernetesExecutor' }, origin: 'x' }],
    });
    assert.deepEqual(m.executors, ['CeleryExecutor', 'KubernetesExecutor']);
  });

  it('lookup: environments in order, each with the current section first, then airflow.cfg; it names the section and the variable', () => {
    const cfg = { source: 'ConfigMap c', sections: parseIni(CFG) };
    const first = (name: string) =>
      name === 'AIRFLOW__KUBERNETES__NAMESPACE' ? { value: 'first-old', origin: 'pod a' } : undefined;
    const second = (name: string) =>
      name === 'AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE' ? { value: 'second-new', origin: 'pod b' } : undefined;
    assert.deepEqual(lookup(K8S_SECTIONS, 'namespace', [first, second], cfg), {
      value: 'first-old',
      section: 'kubernetes',
      env: 'AIRFLOW__KUBERNETES__NAMESPACE',
      origin: 'pod a',
    });
    assert.deepEqual(lookup(K8S_SECTIONS, 'namespace', [], cfg), {
      value: 'old-ns',
      section: 'kubernetes',
      origin: 'ConfigMap c',
    });
    assert.equal(lookup(K8S_SECTIONS, 'config_file', [], cfg), undefined);
    // set from a Secret: it still wins over airflow.cfg, with its value unknown
    const fromSecret = (name: string) =>
      name === 'AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER' ? { origin: 'Secret s' } : undefined;
    assert.deepEqual(lookup(K8S_SECTIONS, 'in_cluster', [fromSecret], cfg), {
      value: undefined,
      section: 'kubernetes_executor',
      env: 'AIRFLOW__KUBERNETES_EXECUTOR__IN_CLUSTER',
      origin: 'Secret s',
    });
    assert.equal(airflowBool(undefined), undefined);
  });

  it('booleans as Airflow reads them', () => {
    assert.deepEqual(['True', 'false', 't', '0', 'maybe'].map(airflowBool), [true, false, true, false, undefined]);
  });

  it('launch namespaces: release namespace, the list, or cluster-wide', () => {
    const base = resolveAirflowConfig({ envs: [] });
    assert.deepEqual(launchNamespaces(base, 'airflow'), ['airflow']);
    assert.deepEqual(launchNamespaces(resolveAirflowConfig({ envs: [], cfg: parseIni(CFG) }), 'airflow'), [
      'a',
      'b',
      'c',
    ]);
    const wide = resolveAirflowConfig({
      envs: [{ vars: { AIRFLOW__KUBERNETES_EXECUTOR__MULTI_NAMESPACE_MODE: 'True' }, origin: 'x' }],
    });
    assert.deepEqual(launchNamespaces(wide, 'airflow'), ['*']);
  });

  it('only a fixed list of AIRFLOW__ keys is ever read from a Secret', () => {
    // the client settings, and where worker pods come from (template path, 1.10's worker account name)
    const client = [
      'IN_CLUSTER',
      'CONFIG_FILE',
      'CLUSTER_CONTEXT',
      'NAMESPACE',
      'MULTI_NAMESPACE_MODE',
      'MULTI_NAMESPACE_MODE_NAMESPACE_LIST',
      'VERIFY_SSL',
      'SSL_CA_CERT',
      'POD_TEMPLATE_FILE',
      'WORKER_SERVICE_ACCOUNT_NAME',
      // the sync client's keepalive and request arguments (net --watch compares them with idle timeouts)
      'ENABLE_TCP_KEEPALIVE',
      'TCP_KEEP_IDLE',
      'TCP_KEEP_INTVL',
      'TCP_KEEP_CNT',
      'KUBE_CLIENT_REQUEST_ARGS',
    ];
    assert.deepEqual(
      [...NEEDED_KEYS].sort(),
      [
        'AIRFLOW__CORE__EXECUTOR',
        ...client.map((k) => `AIRFLOW__KUBERNETES_EXECUTOR__${k}`),
        ...client.map((k) => `AIRFLOW__KUBERNETES__${k}`),
      ].sort(),
    );
    assert.ok(!NEEDED_KEYS.some((k) => /FERNET|SQL_ALCHEMY|SECRET|PASSWORD|CONN/.test(k)));
  });

  it('decodeAllowed: a Secret reduced to the allowlisted keys, decoded; envFrom prefixes apply', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const data = {
      AIRFLOW__CORE__EXECUTOR: b64('KubernetesExecutor'),
      AIRFLOW__KUBERNETES__NAMESPACE: b64('jobs'),
      AIRFLOW_CONN_KUBERNETES_DEFAULT: b64('kubernetes://?extra__kubernetes__kube_config=secret'),
      AIRFLOW__CORE__FERNET_KEY: b64('fernet'),
      DATABASE_PASSWORD: b64('hunter2'),
      AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE: b64('/t.yaml'),
      VERIFY_SSL: b64('False'),
    };
    // the pod template path is allowlisted too: where worker pods come from, not a credential
    assert.deepEqual(decodeAllowed(data), {
      AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor',
      AIRFLOW__KUBERNETES__NAMESPACE: 'jobs',
      AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE: '/t.yaml',
    });
    assert.deepEqual(
      decodeAllowed(data, ['AIRFLOW__KUBERNETES_EXECUTOR__']),
      { VERIFY_SSL: 'False' },
      'with a prefix only prefix+key counts',
    );
    assert.deepEqual(decodeAllowed(undefined), {});
  });
});

describe('profiles', () => {
  const all = builtinProfiles();
  const names = (ps: { name: string }[]) => ps.map((p) => p.name);
  it('profiles.yaml holds the airflow.md profiles', () => {
    assert.deepEqual(names(all), [
      'kubernetes-executor',
      'kubernetes-pod-operator',
      'local-pod-operator',
      'deferrable-pod-operator',
      'log-reading',
      'job-launching',
    ]);
    const ke = all.find((p) => p.name === 'kubernetes-executor')!;
    assert.deepEqual(
      ke.rules.map((r) => [r.resources.join(), r.verbs.join()]),
      [
        ['pods', 'create,list,get,patch,watch,delete'],
        ['pods/log', 'get'],
        ['pods/exec', 'create,get'],
        ['events', 'list'],
      ],
    );
  });
  it('CeleryExecutor: nothing for the scheduler', () => {
    const ps = chooseProfiles(all, {
      executors: ['CeleryExecutor'],
      deployed: ['scheduler', 'worker', 'triggerer', 'webserver'],
    });
    assert.deepEqual(names(ps), ['kubernetes-pod-operator', 'deferrable-pod-operator', 'log-reading']);
    assert.ok(!ps.some((p) => p.components.includes('scheduler')));
  });
  it('KubernetesExecutor adds the scheduler profile; LocalExecutor runs operators in the scheduler', () => {
    assert.deepEqual(
      names(chooseProfiles(all, { executors: ['KubernetesExecutor'], deployed: ['scheduler', 'api-server'] })),
      ['kubernetes-executor', 'kubernetes-pod-operator', 'log-reading'],
    );
    assert.deepEqual(names(chooseProfiles(all, { executors: ['LocalExecutor'], deployed: ['scheduler'] })), [
      'local-pod-operator',
    ]);
  });
  it('--profile is explicit and validated; job-launching only on request', () => {
    assert.deepEqual(
      names(chooseProfiles(all, { executors: ['KubernetesExecutor'], deployed: [], explicit: ['job-launching'] })),
      ['job-launching'],
    );
    assert.throws(
      () => chooseProfiles(all, { executors: [], deployed: [], explicit: ['nope'] }),
      /unknown profile "nope": choose from kubernetes-executor/,
    );
  });
});
