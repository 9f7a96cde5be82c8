import { strict as assert } from 'node:assert';
import {
  chartOf,
  discoverReleases,
  parseSaFlag,
  selectRelease,
  literalEnv,
  envFromSecrets,
  type PodLike,
} from '../../src/airflow/release.ts';
import { UsageError } from '../../src/base/errors.ts';

const pod = (
  name: string,
  labels: Record<string, string>,
  sa?: string,
  extra: Partial<NonNullable<PodLike['spec']>> = {},
): PodLike => ({
  metadata: { name, namespace: 'airflow', labels },
  spec: { ...(sa ? { serviceAccountName: sa } : {}), ...extra },
});
const official = (component: string, release = 'airflow') => ({ tier: 'airflow', component, release });

describe('release discovery', () => {
  it('recognises both charts by their labels; community "web" is the webserver', () => {
    assert.deepEqual(chartOf(official('scheduler')), { chart: 'official', release: 'airflow', component: 'scheduler' });
    assert.deepEqual(chartOf({ app: 'airflow', component: 'web', release: 'r' }), {
      chart: 'community',
      release: 'r',
      component: 'webserver',
    });
    assert.equal(chartOf({ app: 'nginx', component: 'web', release: 'r' }), undefined);
    assert.equal(chartOf({ tier: 'airflow', release: 'r' }), undefined);
  });

  it('reads each component account from spec.serviceAccountName, not from names', () => {
    const [r] = discoverReleases({
      namespace: 'airflow',
      pods: [
        pod('s-1', official('scheduler'), 'custom-sched'),
        pod('w-0', official('worker'), 'airflow-worker'),
        pod('t-0', official('triggerer')),
      ],
      serviceAccounts: [
        { metadata: { name: 'custom-sched' } },
        { metadata: { name: 'airflow-worker' } },
        { metadata: { name: 'default' } },
      ],
    });
    assert.equal(r.name, 'airflow');
    assert.deepEqual(
      r.components.map((c) => [c.component, c.account.name, c.source, c.exists]),
      [
        ['scheduler', 'custom-sched', 'pod/s-1', true],
        ['triggerer', 'default', 'pod/t-0', true],
        ['worker', 'airflow-worker', 'pod/w-0', true],
      ],
    );
  });

  it('automount: the pod setting beats the ServiceAccount, default true', () => {
    const [r] = discoverReleases({
      namespace: 'airflow',
      pods: [
        pod('a', official('scheduler'), 'sa-off'),
        pod('b', official('worker'), 'sa-off', { automountServiceAccountToken: true }),
        pod('c', official('triggerer'), 'sa-on', { automountServiceAccountToken: false }),
      ],
      serviceAccounts: [
        { metadata: { name: 'sa-off' }, automountServiceAccountToken: false },
        { metadata: { name: 'sa-on' } },
      ],
    });
    assert.deepEqual(
      r.components.map((c) => [c.component, c.automount]),
      [
        ['scheduler', false],
        ['triggerer', false],
        ['worker', true],
      ],
    );
  });

  it('scaled-to-zero workloads and labelled ServiceAccounts stand in for missing pods', () => {
    const [r] = discoverReleases({
      namespace: 'data',
      pods: [pod('s', official('scheduler', 'etl'), 'etl-airflow-scheduler')],
      workloads: [
        {
          kind: 'Deployment',
          metadata: { name: 'etl-api' },
          spec: {
            template: {
              metadata: { labels: official('api-server', 'etl') },
              spec: { serviceAccountName: 'etl-airflow-api-server' },
            },
          },
        },
      ],
      serviceAccounts: [{ metadata: { name: 'etl-airflow-worker', labels: official('worker', 'etl') } }],
    });
    assert.deepEqual(
      r.components.map((c) => [c.component, c.account.name]),
      [
        ['api-server', 'etl-airflow-api-server'],
        ['scheduler', 'etl-airflow-scheduler'],
        ['worker', 'etl-airflow-worker'],
      ],
    );
    assert.match(r.components.find((c) => c.component === 'worker')!.source, /ServiceAccount etl-airflow-worker/);
  });

  it('several releases without --release is a usage error listing them; --release picks one', () => {
    const rs = discoverReleases({
      namespace: 'x',
      pods: [
        pod('a', official('scheduler', 'one')),
        pod('b', { app: 'airflow', component: 'scheduler', release: 'two' }),
      ],
    });
    assert.throws(
      () => selectRelease(rs, 'x'),
      (e: Error) =>
        e instanceof UsageError &&
        /2 Airflow releases in namespace x: one \(official chart\), two \(community chart\); choose one with --release/.test(
          e.message,
        ),
    );
    assert.equal(selectRelease(rs, 'x', 'two').chart, 'community');
    assert.throws(
      () => selectRelease(rs, 'x', 'three'),
      /no Airflow release "three" in namespace x; releases found: one, two/,
    );
    assert.throws(() => selectRelease([], 'x'), /no Airflow release found in namespace x/);
  });

  it('--sa NS:NAME, NAME, or the full username', () => {
    assert.deepEqual(parseSaFlag('a:b', 'ns'), { namespace: 'a', name: 'b' });
    assert.deepEqual(parseSaFlag('b', 'ns'), { namespace: 'ns', name: 'b' });
    assert.deepEqual(parseSaFlag('system:serviceaccount:a:b', 'ns'), { namespace: 'a', name: 'b' });
    assert.throws(() => parseSaFlag('a:b:c', 'ns'), UsageError);
    assert.throws(() => parseSaFlag(':b', 'ns'), UsageError);
  });

  it('env: literal values of the wanted keys only; envFrom Secrets by name', () => {
    const p: PodLike = {
      metadata: { name: 'p' },
      spec: {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'AIRFLOW__CORE__EXECUTOR', value: 'KubernetesExecutor' },
              { name: 'AIRFLOW__CORE__FERNET_KEY', valueFrom: {} },
              { name: 'OTHER', value: 'x' },
            ],
            envFrom: [{ secretRef: { name: 'cfg-envs' } }],
          },
        ],
      },
    };
    assert.deepEqual(literalEnv(p, ['AIRFLOW__CORE__EXECUTOR', 'AIRFLOW__CORE__FERNET_KEY']), {
      AIRFLOW__CORE__EXECUTOR: 'KubernetesExecutor',
    });
    assert.deepEqual(envFromSecrets(p), ['cfg-envs']);
  });
});
