// LimitRanger: defaults applied to containers, min/max enforced with the plugin's messages.
import assert from 'node:assert/strict';
import { applyLimitRangeDefaults, validateLimitRanges } from '../sim/admission/limitrange.ts';
import type { KubeObject } from '../sim/types.ts';

const pod = (resources?: object, name = 'base'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: [{ name, image: 'apache/airflow:3.1.0', ...(resources ? { resources } : {}) }] },
});
const lr = (limit: object): KubeObject => ({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'lr', namespace: 'ns' },
  spec: { limits: [limit] },
});
const res = (p: KubeObject) => (p.spec as { containers: { resources?: unknown }[] }).containers[0].resources;

describe('sim admission: LimitRanger', () => {
  it('fills a missing limit from default and the request from defaultRequest', () => {
    const out = applyLimitRangeDefaults(pod(), [
      lr({ type: 'Container', default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } }),
    ]);
    assert.deepEqual(res(out), { limits: { memory: '512Mi' }, requests: { memory: '256Mi' } });
  });

  it('a missing default is the max; a missing default request is the default limit', () => {
    const out = applyLimitRangeDefaults(pod(), [lr({ type: 'Container', max: { cpu: '2' } })]);
    assert.deepEqual(res(out), { limits: { cpu: '2' }, requests: { cpu: '2' } });
  });

  it('keeps what the container states', () => {
    const out = applyLimitRangeDefaults(pod({ limits: { memory: '1Gi' }, requests: { memory: '1Gi' } }), [
      lr({ type: 'Container', default: { memory: '512Mi' } }),
    ]);
    assert.deepEqual(res(out), { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
  });

  const cases: [string, object, object, string | undefined][] = [
    [
      'limit above max',
      { type: 'Container', max: { memory: '1Gi' } },
      { limits: { memory: '2Gi' }, requests: { memory: '1Gi' } },
      'maximum memory usage per Container is 1Gi, but limit is 2Gi',
    ],
    [
      'no limit under a max',
      { type: 'Container', max: { memory: '1Gi' } },
      { requests: { memory: '1Gi' } },
      'maximum memory usage per Container is 1Gi.  No limit is specified',
    ],
    [
      'request below min',
      { type: 'Container', min: { cpu: '100m' } },
      { requests: { cpu: '50m' } },
      'minimum cpu usage per Container is 100m, but request is 50m',
    ],
    [
      'no request under a min',
      { type: 'Container', min: { cpu: '100m' } },
      { limits: { cpu: '1' } },
      'minimum cpu usage per Container is 100m.  No request is specified',
    ],
    [
      'pod total above max',
      { type: 'Pod', max: { memory: '1Gi' } },
      { limits: { memory: '1536Mi' } },
      'maximum memory usage per Pod is 1Gi, but limit is 1536Mi',
    ],
    [
      'within bounds',
      { type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } },
      { requests: { cpu: '200m' }, limits: { cpu: '500m' } },
      undefined,
    ],
  ];
  for (const [what, item, resources, want] of cases) {
    it(what, () => assert.equal(validateLimitRanges(pod(resources), [lr(item)]), want));
  }

  it('several violations read as an aggregate', () => {
    const got = validateLimitRanges(pod({ limits: { memory: '2Gi', cpu: '4' } }), [
      lr({ type: 'Container', max: { memory: '1Gi', cpu: '2' } }),
    ]);
    assert.equal(
      got,
      '[maximum cpu usage per Container is 2, but limit is 4, maximum memory usage per Container is 1Gi, but limit is 2Gi]',
    );
  });
});
