import { strict as assert } from 'node:assert';
import { airflowClients, launchNamespaceFinding } from '../../src/airflow/clients.ts';
import { resolveAirflowConfig } from '../../src/airflow/airflow-cfg.ts';
import type { PodLike } from '../../src/airflow/release.ts';

const pod = (name: string, labels: Record<string, string>): PodLike => ({ metadata: { name, labels } });
const official = (component: string) => ({ tier: 'airflow', component, release: 'airflow' });
const cfg = (vars: Record<string, string>) => resolveAirflowConfig({ envs: [{ vars, origin: 'pod env' }] });

describe('config: which pods are Airflow clients', () => {
  it('the Airflow processes and executor task pods; redis, statsd, flower, pgbouncer and jobs are skipped, and said', () => {
    const c = airflowClients([
      pod('s', official('scheduler')),
      pod('w-0', official('worker')),
      pod('web', official('webserver')),
      pod('api', official('api-server')),
      pod('t', official('triggerer')),
      pod('d', official('dag-processor')),
      pod('r-0', official('redis')),
      pod('st', official('statsd')),
      pod('f', official('flower')),
      pod('pg', official('pgbouncer')),
      pod('m', official('run-airflow-migrations')),
      pod('task-1', { kubernetes_executor: 'True', dag_id: 'x' }),
      pod('web-c', { app: 'airflow', component: 'web', release: 'r' }),
    ]);
    assert.deepEqual(
      c.clients.map((p) => p.metadata.name),
      ['s', 'w-0', 'web', 'api', 't', 'd', 'task-1', 'web-c'],
    );
    assert.deepEqual(
      c.skipped.map((s) => `${s.pod}:${s.component}`),
      ['r-0:redis', 'st:statsd', 'f:flower', 'pg:pgbouncer', 'm:run-airflow-migrations'],
    );
    assert.match(
      c.how,
      /^Airflow clients: pods labelled component=scheduler\|worker\|webserver\|api-server\|triggerer\|dag-processor .*; not Airflow clients, skipped: r-0 \(component=redis\)/,
    );
  });
});

describe("config: the executor's launch namespace against the release's", () => {
  const k8s = { AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor', AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE: 'airflow' };
  const cases: Array<[string, Record<string, string>, string | undefined, boolean | undefined, string | undefined]> = [
    // name, env, airflow version, worker account exists in the launch namespace, expected severity
    ['same namespace', { ...k8s, AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE: 'prod' }, '2.8.1', undefined, undefined],
    [
      'CeleryExecutor launches nothing',
      { ...k8s, AIRFLOW__CORE__EXECUTOR: 'CeleryExecutor' },
      '2.8.1',
      false,
      undefined,
    ],
    [
      'multi-namespace mode has no single launch namespace',
      { ...k8s, AIRFLOW__KUBERNETES_EXECUTOR__MULTI_NAMESPACE_MODE: 'True' },
      '2.8.1',
      false,
      undefined,
    ],
    ['elsewhere, worker account missing there', k8s, '2.8.1', false, 'error'],
    ['elsewhere, not known whether the account is there', k8s, '2.8.1', undefined, 'error'],
    ['elsewhere, but the account exists there', k8s, '2.8.1', true, 'warning'],
  ];
  for (const [name, env, version, exists, want] of cases) {
    it(`${name}: ${want ?? 'nothing'}`, () => {
      const f = launchNamespaceFinding({
        config: cfg(env),
        releaseNamespace: 'prod',
        airflowVersion: version,
        worker: { name: 'airflow-worker', existsInLaunchNamespace: exists },
      });
      assert.equal(f?.severity, want);
      if (f)
        assert.match(
          f.remedy,
          /^set namespace = prod in \[kubernetes_executor\] \(AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE=prod\)/,
        );
      if (exists === false && f) assert.match(f.message, /ServiceAccount airflow\/airflow-worker does not exist/);
    });
  }
  it('Airflow 2.2: the fix names [kubernetes], never [kubernetes_executor]', () => {
    const f = launchNamespaceFinding({
      config: cfg({ AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor', AIRFLOW__KUBERNETES__NAMESPACE: 'airflow' }),
      releaseNamespace: 'prod',
      airflowVersion: '2.2.5',
    })!;
    assert.match(f.remedy, /^set namespace = prod in \[kubernetes\] \(AIRFLOW__KUBERNETES__NAMESPACE=prod\)/);
    assert.ok(!f.remedy.includes('kubernetes_executor'));
  });
});
