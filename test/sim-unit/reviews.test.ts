// The review endpoints: JSON and protobuf bodies, the echo kube-apiserver sends back, validation
// errors, who may create which review.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PROTOBUF_CONTENT_TYPE } from '../sim/protobuf.ts';
import { authorize, defaultRbacObjects, rbacObjectsFrom } from '../sim/rbac.ts';
import { handleReview } from '../sim/reviews.ts';
import type { KubeObject, UserInfo } from '../sim/types.ts';

const rbac = rbacObjectsFrom([
  ...defaultRbacObjects(),
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pods', namespace: 'airflow' },
    rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'worker', namespace: 'airflow' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods' },
    subjects: [{ kind: 'ServiceAccount', name: 'airflow-worker' }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'alice-admin', namespace: 'airflow' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    subjects: [{ kind: 'User', name: 'alice' }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'broken', namespace: 'airflow' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gone' },
    subjects: [{ kind: 'ServiceAccount', name: 'airflow-webserver' }],
  },
] as KubeObject[]);
const ctx = { rbac: () => rbac, authorize: (a: Parameters<typeof authorize>[0], u: UserInfo) => authorize(a, u, rbac) };

const worker: UserInfo = {
  name: 'system:serviceaccount:airflow:airflow-worker',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:airflow', 'system:authenticated'],
};
const webserver: UserInfo = {
  name: 'system:serviceaccount:airflow:airflow-webserver',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:airflow', 'system:authenticated'],
};
const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const admin: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
type Obj = Record<string, any>;

describe('sim reviews: SelfSubjectAccessReview', () => {
  it('answers for the caller, echoing the request as kube-apiserver does (JSON, kubectl 1.27 body)', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      fixture('kubectl-1.27-ssar-subresource-as-sa.json'),
      'application/json',
      worker,
      ctx,
    );
    assert.equal(r.code, 201);
    assert.deepEqual(r.object, {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'team-a', verb: 'get', resource: 'pods', subresource: 'log' } },
      status: { allowed: false },
    });
  });

  it('reads the protobuf body kubectl 1.33 sends and answers JSON with the reason', () => {
    const body = fixture('kubectl-1.33-ssar-subresource-as-sa.pb');
    const inTeamA = handleReview('selfsubjectaccessreviews', undefined, body, PROTOBUF_CONTENT_TYPE, worker, ctx);
    assert.deepEqual((inTeamA.object as Obj).status, { allowed: false });
    // Same question in airflow, where the RoleBinding applies:
    const airflowBody = Buffer.from(body.toString('latin1').replace('team-a', 'airflo'), 'latin1');
    assert.equal(airflowBody.length, body.length);
    const spec = (
      handleReview('selfsubjectaccessreviews', undefined, airflowBody, PROTOBUF_CONTENT_TYPE, worker, ctx).object as Obj
    ).spec;
    assert.equal(spec.resourceAttributes.namespace, 'airflo');
    const ok = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        spec: { resourceAttributes: { namespace: 'airflow', verb: 'get', resource: 'pods', subresource: 'log' } },
      }),
      'application/json',
      worker,
      ctx,
    );
    assert.deepEqual((ok.object as Obj).status, {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "worker/airflow" of Role "pods" to ServiceAccount "airflow-worker/airflow"',
    });
  });

  it('non-resource question from the protobuf fixture', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      fixture('kubectl-1.33-ssar-nonresource.pb'),
      PROTOBUF_CONTENT_TYPE,
      alice,
      ctx,
    );
    assert.deepEqual((r.object as Obj).status, {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    });
  });

  it('system:masters: allowed with no reason', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      fixture('kubectl-1.33-ssar-name.pb'),
      PROTOBUF_CONTENT_TYPE,
      admin,
      ctx,
    );
    assert.deepEqual((r.object as Obj).status, { allowed: true });
  });

  it('a missing role shows up in the reason of a denial', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({ spec: { resourceAttributes: { namespace: 'airflow', verb: 'get', resource: 'pods' } } }),
      'application/json',
      webserver,
      ctx,
    );
    assert.deepEqual((r.object as Obj).status, {
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found',
    });
  });

  it('drops unknown and empty fields from the echo', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({
        spec: { resourceAttributes: { namespace: '', verb: 'list', group: 'apps', resource: 'deployments', bogus: 1 } },
      }),
      'application/json',
      alice,
      ctx,
    );
    assert.deepEqual((r.object as Obj).spec, {
      resourceAttributes: { verb: 'list', group: 'apps', resource: 'deployments' },
    });
  });

  it('422 when neither or both attribute kinds are given', () => {
    const none = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({ spec: {} }),
      'application/json',
      alice,
      ctx,
    );
    assert.equal(none.code, 422);
    assert.equal(
      (none.object as Obj).message,
      '.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const both = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({ spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } }),
      'application/json',
      alice,
      ctx,
    );
    assert.equal(both.code, 422);
    assert.match(
      (both.object as Obj).message,
      /spec\.nonResourceAttributes: .*cannot be specified in combination with resourceAttributes/,
    );
  });

  it('metadata: a namespace is cleared (cluster-scoped), a name is invalid', () => {
    const spec = { nonResourceAttributes: { path: '/version', verb: 'get' } };
    const ns = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({ metadata: { namespace: 'x' }, spec }),
      'application/json',
      alice,
      ctx,
    );
    assert.equal(ns.code, 201);
    assert.deepEqual((ns.object as Obj).metadata, { creationTimestamp: null });
    const named = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({ metadata: { name: 'x' }, spec }),
      'application/json',
      alice,
      ctx,
    );
    assert.equal(named.code, 422);
    assert.match(
      (named.object as Obj).message,
      /^\.authorization\.k8s\.io "" is invalid: metadata: Invalid value: .*: must be empty$/,
    );
  });

  it('400 for a body that is neither JSON nor protobuf', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      Buffer.from('not json'),
      'application/json',
      alice,
      ctx,
    );
    assert.equal(r.code, 400);
    assert.equal((r.object as Obj).reason, 'BadRequest');
  });

  it('the anonymous user may not create one (no basic-user grant)', () => {
    const r = handleReview(
      'selfsubjectaccessreviews',
      undefined,
      json({ spec: { nonResourceAttributes: { path: '/version', verb: 'get' } } }),
      'application/json',
      anonymous,
      ctx,
    );
    assert.equal(r.code, 403);
    assert.equal(
      (r.object as Obj).message,
      'selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
    );
  });
});

describe('sim reviews: SubjectAccessReview and LocalSubjectAccessReview', () => {
  const sar = (spec: object) => json({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });

  it('SAR needs cluster-scoped create subjectaccessreviews', () => {
    const r = handleReview(
      'subjectaccessreviews',
      undefined,
      sar({ user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } }),
      'application/json',
      alice,
      ctx,
    );
    assert.equal(r.code, 403);
    assert.equal(
      (r.object as Obj).message,
      'subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope',
    );
  });

  it('SAR takes user and groups verbatim: an SA without its groups loses group grants', () => {
    const spec = {
      user: 'system:serviceaccount:airflow:airflow-worker',
      resourceAttributes: {
        namespace: 'airflow',
        verb: 'create',
        resource: 'selfsubjectaccessreviews',
        group: 'authorization.k8s.io',
      },
    };
    const bare = handleReview('subjectaccessreviews', undefined, sar(spec), 'application/json', admin, ctx);
    assert.equal(bare.code, 201);
    assert.deepEqual((bare.object as Obj).status, { allowed: false });
    const withGroups = handleReview(
      'subjectaccessreviews',
      undefined,
      sar({ ...spec, groups: worker.groups }),
      'application/json',
      admin,
      ctx,
    );
    assert.equal((withGroups.object as Obj).status.allowed, true);
    assert.deepEqual((withGroups.object as Obj).spec.groups, worker.groups);
    assert.equal((withGroups.object as Obj).kind, 'SubjectAccessReview');
  });

  it('SAR without user or groups is invalid', () => {
    const r = handleReview(
      'subjectaccessreviews',
      undefined,
      sar({ resourceAttributes: { verb: 'get', resource: 'pods' } }),
      'application/json',
      admin,
      ctx,
    );
    assert.equal(r.code, 422);
    assert.equal(
      (r.object as Obj).message,
      '.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
  });

  it('LSAR: namespaced create, answered in the URL namespace', () => {
    const body = json({
      kind: 'LocalSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: {
        user: 'system:serviceaccount:airflow:airflow-worker',
        resourceAttributes: { namespace: 'airflow', verb: 'list', resource: 'pods' },
      },
    });
    const r = handleReview('localsubjectaccessreviews', 'airflow', body, 'application/json', alice, ctx);
    assert.equal(r.code, 201);
    const o = r.object as Obj;
    assert.deepEqual(o.metadata, { namespace: 'airflow', creationTimestamp: null });
    assert.deepEqual(o.status, {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "worker/airflow" of Role "pods" to ServiceAccount "airflow-worker/airflow"',
    });
    // alice is admin in airflow only:
    const other = handleReview('localsubjectaccessreviews', 'default', body, 'application/json', alice, ctx);
    assert.equal(other.code, 403);
    assert.match(
      (other.object as Obj).message,
      /cannot create resource "localsubjectaccessreviews" in API group "authorization.k8s.io" in the namespace "default"$/,
    );
  });

  it('LSAR: spec namespace must match (422 after the namespace is defaulted from the URL)', () => {
    const body = json({
      spec: { user: 'x', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
    });
    const r = handleReview('localsubjectaccessreviews', 'airflow', body, 'application/json', admin, ctx);
    assert.equal(r.code, 422);
    assert.equal(
      (r.object as Obj).message,
      '.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "default": must match metadata.namespace',
    );
    assert.deepEqual((r.object as Obj).details.causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "default": must match metadata.namespace',
        field: 'spec.resourceAttributes.namespace',
      },
    ]);
  });

  it('LSAR: metadata.namespace different from the URL is a 400', () => {
    const body = json({
      metadata: { namespace: 'default' },
      spec: { user: 'x', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
    });
    const r = handleReview('localsubjectaccessreviews', 'airflow', body, 'application/json', admin, ctx);
    assert.equal(r.code, 400);
    assert.equal(
      (r.object as Obj).message,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });
});

describe('sim reviews: SelfSubjectRulesReview and SelfSubjectReview', () => {
  it('SSRR from the kubectl 1.33 protobuf body: rules, incomplete false, spec not echoed', () => {
    const r = handleReview(
      'selfsubjectrulesreviews',
      undefined,
      fixture('kubectl-1.33-ssrr-list.pb'),
      PROTOBUF_CONTENT_TYPE,
      worker,
      ctx,
    );
    assert.equal(r.code, 201);
    const o = r.object as Obj;
    assert.equal(o.kind, 'SelfSubjectRulesReview');
    assert.deepEqual(o.spec, {});
    assert.equal(o.status.incomplete, false);
    assert.equal(o.status.evaluationError, undefined);
    assert.deepEqual(o.status.resourceRules.at(-1), {
      verbs: ['get', 'list'],
      apiGroups: [''],
      resources: ['pods', 'pods/log'],
    });
    assert.equal(o.status.nonResourceRules.length, 2);
  });

  it('SSRR with a missing role: evaluationError set, incomplete still false', () => {
    const r = handleReview(
      'selfsubjectrulesreviews',
      undefined,
      json({ spec: { namespace: 'airflow' } }),
      'application/json',
      webserver,
      ctx,
    );
    const st = (r.object as Obj).status;
    assert.equal(st.incomplete, false);
    assert.equal(st.evaluationError, 'role.rbac.authorization.k8s.io "gone" not found');
  });

  it('SSRR for a node: the Node authorizer makes it incomplete', () => {
    const node: UserInfo = { name: 'system:node:node-a', groups: ['system:nodes', 'system:authenticated'] };
    const st = (
      handleReview(
        'selfsubjectrulesreviews',
        undefined,
        json({ spec: { namespace: 'airflow' } }),
        'application/json',
        node,
        ctx,
      ).object as Obj
    ).status;
    assert.equal(st.incomplete, true);
    assert.equal(st.evaluationError, 'node authorizer does not support user rule resolution');
  });

  it('SSRR without a namespace is a 400', () => {
    const r = handleReview('selfsubjectrulesreviews', undefined, json({ spec: {} }), 'application/json', worker, ctx);
    assert.equal(r.code, 400);
    assert.equal((r.object as Obj).message, 'no namespace on request');
  });

  it('SelfSubjectReview returns the (impersonated) user', () => {
    const me: UserInfo = { name: 'bob', uid: 'u1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a'] } };
    const r = handleReview(
      'selfsubjectreviews',
      undefined,
      json({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      'application/json',
      me,
      ctx,
    );
    assert.equal(r.code, 201);
    const o = r.object as Obj;
    assert.equal(o.apiVersion, 'authentication.k8s.io/v1');
    assert.equal(o.kind, 'SelfSubjectReview');
    assert.deepEqual(o.status, {
      userInfo: { username: 'bob', uid: 'u1', groups: ['dev', 'system:authenticated'], extra: { scopes: ['a'] } },
    });
    assert.match(o.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
