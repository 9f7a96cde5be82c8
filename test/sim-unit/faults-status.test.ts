// Fault rules (deterministic with a seed) and the Status objects with kube-apiserver's messages.
import assert from 'node:assert/strict';
import { Faults, seededRandom } from '../sim/faults.ts';
import { alreadyExists, forbidden, notFound, unauthorized } from '../sim/status.ts';

describe('sim faults', () => {
  it('adds latency from every matching rule and the global latency', () => {
    const f = new Faults(
      [
        { path: '^/api/v1/pods', latencyMs: 20 },
        { path: 'pods', latencyMs: 5 },
        { path: '^/apis', latencyMs: 1000 },
      ],
      1,
      3,
    );
    assert.deepEqual(f.decide('GET', '/api/v1/pods'), { latencyMs: 28, action: undefined });
    assert.deepEqual(f.decide('GET', '/version'), { latencyMs: 3, action: undefined });
  });

  it('answers 429 with Retry-After and a TooManyRequests Status', () => {
    const f = new Faults([{ path: '/pods', status: 429, retryAfterSeconds: 7 }]);
    const d = f.decide('GET', '/api/v1/namespaces/a/pods');
    assert.equal(d.action?.kind, 'status');
    if (d.action?.kind !== 'status') return;
    assert.deepEqual(d.action.headers, { 'Retry-After': '7' });
    assert.deepEqual(d.action.status, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
      code: 429,
    });
  });

  it('500 and 503 carry InternalError and ServiceUnavailable', () => {
    const f = new Faults([
      { path: 'a', status: 500 },
      { path: 'b', status: 503 },
    ]);
    const a = f.decide('GET', '/a').action;
    const b = f.decide('GET', '/b').action;
    assert.ok(a?.kind === 'status' && a.status.code === 500 && a.status.reason === 'InternalError');
    assert.ok(
      b?.kind === 'status' &&
        b.status.code === 503 &&
        b.status.reason === 'ServiceUnavailable' &&
        b.status.message === 'the server is currently unable to handle the request',
    );
  });

  it('matches the method when given, and resets or hangs', () => {
    const f = new Faults([
      { path: 'x', method: 'POST', reset: true },
      { path: 'y', hang: true },
    ]);
    assert.equal(f.decide('GET', '/x').action, undefined);
    assert.deepEqual(f.decide('post', '/x').action, { kind: 'reset' });
    assert.deepEqual(f.decide('GET', '/y').action, { kind: 'hang' });
  });

  it('a rate fails that share of requests, the same ones for the same seed', () => {
    const pattern = (seed: number) => {
      const f = new Faults([{ path: '.', status: 500, rate: 0.3 }], seed);
      return Array.from({ length: 1000 }, () => (f.decide('GET', '/p').action ? 1 : 0));
    };
    const a = pattern(42);
    const failed = a.reduce((s: number, x) => s + x, 0);
    assert.ok(failed > 240 && failed < 360, `about 30% failed (${failed})`);
    assert.deepEqual(pattern(42), a);
    assert.notDeepEqual(pattern(43), a);
  });

  it('set() replaces the rules and restarts the sequence; clear() removes them; bad rules are refused', () => {
    const f = new Faults([{ path: '.', status: 500, rate: 0.5 }], 9);
    const first = Array.from({ length: 20 }, () => !!f.decide('GET', '/').action);
    f.set([{ path: '.', status: 500, rate: 0.5 }]);
    assert.deepEqual(
      Array.from({ length: 20 }, () => !!f.decide('GET', '/').action),
      first,
    );
    f.clear();
    assert.equal(f.decide('GET', '/').action, undefined);
    assert.throws(() => f.set([{ path: '.', status: 404 as 500 }]), /429, 500 or 503/);
    assert.throws(() => f.set([{ path: '.', status: 500, rate: 2 }]), /0..1/);
    const r = seededRandom(1);
    assert.ok(r() >= 0 && r() < 1);
  });
});

describe('sim Status messages', () => {
  it("401 is exactly kube-apiserver's body", () => {
    assert.equal(
      JSON.stringify(unauthorized()),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    );
  });

  it('403 for a namespaced resource names user, verb, resource, group and namespace', () => {
    const s = forbidden(
      { resourceRequest: true, verb: 'create', apiGroup: '', resource: 'pods', namespace: 'airflow' },
      'system:serviceaccount:airflow:airflow-worker',
    );
    assert.equal(
      s.message,
      'pods is forbidden: User "system:serviceaccount:airflow:airflow-worker" cannot create resource "pods" in API group "" in the namespace "airflow"',
    );
    assert.deepEqual(s.details, { kind: 'pods' });
    assert.equal(s.reason, 'Forbidden');
    assert.equal(s.code, 403);
  });

  it('403 variants: named, subresource, group, cluster scope, non-resource path', () => {
    assert.equal(
      forbidden(
        {
          resourceRequest: true,
          verb: 'get',
          apiGroup: '',
          resource: 'pods',
          subresource: 'exec',
          name: 'w',
          namespace: 'a',
        },
        'u',
      ).message,
      'pods "w" is forbidden: User "u" cannot get resource "pods/exec" in API group "" in the namespace "a"',
    );
    assert.equal(
      forbidden(
        {
          resourceRequest: true,
          verb: 'list',
          apiGroup: 'coordination.k8s.io',
          resource: 'leases',
          namespace: 'kube-system',
        },
        'u',
      ).message,
      'leases.coordination.k8s.io is forbidden: User "u" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "kube-system"',
    );
    assert.equal(
      forbidden({ resourceRequest: true, verb: 'list', apiGroup: '', resource: 'nodes' }, 'u').message,
      'nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    const nr = forbidden({ resourceRequest: false, verb: 'get', path: '/foo' }, 'x');
    assert.equal(nr.message, 'forbidden: User "x" cannot get path "/foo"');
    assert.deepEqual(nr.details, {});
  });

  it('404 and 409 name the qualified resource', () => {
    assert.deepEqual(notFound('', 'pods', 'x'), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "x" not found',
      reason: 'NotFound',
      details: { name: 'x', kind: 'pods' },
      code: 404,
    });
    assert.equal(notFound('apps', 'deployments', 'd').message, 'deployments.apps "d" not found');
    assert.equal(
      alreadyExists('rbac.authorization.k8s.io', 'roles', 'r').message,
      'roles.rbac.authorization.k8s.io "r" already exists',
    );
  });
});
