// ResourceQuota admission for pods: "must specify" and "exceeded quota" with the quota's usage.
import assert from 'node:assert/strict';
import { checkQuotas, podUsage, quotaUsed } from '../sim/admission/resourcequota.ts';
import { formatQuantity } from '../sim/admission/quantity.ts';
import type { KubeObject } from '../sim/types.ts';

const pod = (name: string, resources?: object, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers: [{ name: 'base', image: 'apache/airflow:3.1.0', ...(resources ? { resources } : {}) }] },
  status: { phase },
});
const quota = (name: string, hard: Record<string, string>, extra: object = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name, namespace: 'ns' },
  spec: { hard, ...extra },
});
const oneGi = { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } };

describe('sim admission: ResourceQuota', () => {
  const cases: [string, KubeObject, KubeObject[], KubeObject[], string | undefined][] = [
    [
      'a limit the pod omits',
      pod('p'),
      [quota('q', { 'limits.memory': '512Mi' })],
      [],
      'failed quota: q: must specify limits.memory for: base',
    ],
    [
      'several omitted resources, sorted',
      pod('p'),
      [quota('q', { 'limits.memory': '1Gi', 'requests.cpu': '1' })],
      [],
      'failed quota: q: must specify limits.memory for: base; requests.cpu for: base',
    ],
    ['pods count is not a "must specify"', pod('p'), [quota('q', { pods: '5' })], [], undefined],
    [
      'exceeded on an empty namespace',
      pod('p', oneGi),
      [quota('q', { 'limits.memory': '512Mi' })],
      [],
      'exceeded quota: q, requested: limits.memory=1Gi, used: limits.memory=0, limited: limits.memory=512Mi',
    ],
    [
      'exceeded with pods already running',
      pod('p', oneGi),
      [quota('q', { 'limits.memory': '2Gi' })],
      [pod('a', oneGi), pod('b', oneGi)],
      'exceeded quota: q, requested: limits.memory=1Gi, used: limits.memory=2Gi, limited: limits.memory=2Gi',
    ],
    [
      'terminal pods do not count',
      pod('p', oneGi),
      [quota('q', { 'limits.memory': '2Gi' })],
      [pod('a', oneGi, 'Succeeded')],
      undefined,
    ],
    [
      'pod count',
      pod('p', oneGi),
      [quota('q', { pods: '1' })],
      [pod('a', oneGi)],
      'exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1',
    ],
    [
      'BestEffort scope does not match a pod with requests',
      pod('p', oneGi),
      [quota('q', { pods: '0' }, { scopes: ['BestEffort'] })],
      [],
      undefined,
    ],
    [
      'a stale status.used is not trusted: usage is recomputed',
      pod('p', oneGi),
      [{ ...quota('q', { 'limits.memory': '2Gi' }), status: { used: { 'limits.memory': '1536Mi' } } }],
      [],
      undefined,
    ],
  ];
  for (const [what, p, quotas, existing, want] of cases) {
    it(what, () => assert.equal(checkQuotas(p, quotas, existing), want));
  }

  it('usage counts requests and limits and the pod', () => {
    const u = podUsage(pod('p', { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } }));
    assert.deepEqual(Object.fromEntries(Object.entries(u).map(([k, v]) => [k, formatQuantity(v)])), {
      'count/pods': '1',
      pods: '1',
      cpu: '500m',
      'requests.cpu': '500m',
      memory: '1Gi',
      'requests.memory': '1Gi',
      'limits.memory': '2Gi',
    });
  });

  it('used sums matching pods for the hard resources only', () => {
    const used = quotaUsed(quota('q', { 'requests.memory': '4Gi' }), [pod('a', oneGi), pod('b', oneGi)]);
    assert.deepEqual(Object.keys(used), ['requests.memory']);
    assert.equal(formatQuantity(used['requests.memory']), '2Gi');
  });
});

describe('sim: the quota controller keeps status current', () => {
  it('status mirrors spec.hard and sums the pods, on start and on every pod change', async () => {
    const { Store } = await import('../sim/store.ts');
    const { startQuotaController } = await import('../sim/admission/quota-controller.ts');
    const store = new Store();
    store.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } },
      quota('q', { 'limits.memory': '4Gi', pods: '10' }),
      pod('a', oneGi),
    ]);
    startQuotaController(store);
    assert.deepEqual(store.get('resourcequotas', 'ns', 'q')!.status, {
      hard: { 'limits.memory': '4Gi', pods: '10' },
      used: { 'limits.memory': '1Gi', pods: '1' },
    });
    store.apply(pod('b', oneGi));
    assert.deepEqual((store.get('resourcequotas', 'ns', 'q')!.status as any).used, {
      'limits.memory': '2Gi',
      pods: '2',
    });
    store.delete('pods', 'ns', 'a');
    assert.deepEqual((store.get('resourcequotas', 'ns', 'q')!.status as any).used, {
      'limits.memory': '1Gi',
      pods: '1',
    });
  });
});
