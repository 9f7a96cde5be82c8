// The sim's impersonation filter against kube-apiserver's (filters/impersonation.go).
import assert from 'node:assert/strict';
import { impersonate } from '../sim/impersonation.ts';
import { authorize, defaultRbacObjects, rbacObjectsFrom } from '../sim/rbac.ts';
import type { KubeObject, RequestAttributes, Status, UserInfo } from '../sim/types.ts';

const crole = (name: string, rules: object[]): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules,
});
const crb = (name: string, role: string, subjects: object[]): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects,
});
const rb = (name: string, ns: string, role: string, subjects: object[]): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects,
});

const rbac = rbacObjectsFrom([
  ...defaultRbacObjects(),
  crole('impersonate-bob', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['bob'] }]),
  crole('impersonate-groups', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['groups'] }]),
  crole('impersonate-uids', [{ verbs: ['impersonate'], apiGroups: ['authentication.k8s.io'], resources: ['uids'] }]),
  crole('impersonate-scopes', [
    { verbs: ['impersonate'], apiGroups: ['authentication.k8s.io'], resources: ['userextras/scopes'] },
  ]),
  crb('carol-bob', 'impersonate-bob', [{ kind: 'User', name: 'carol' }]),
  crb('carol-groups', 'impersonate-groups', [{ kind: 'User', name: 'carol' }]),
  crb('carol-uids', 'impersonate-uids', [{ kind: 'User', name: 'carol' }]),
  crb('carol-scopes', 'impersonate-scopes', [{ kind: 'User', name: 'carol' }]),
  // edit in airflow includes `impersonate serviceaccounts` there.
  rb('dev-edit', 'airflow', 'edit', [{ kind: 'User', name: 'dave' }]),
]);

const authz = (a: RequestAttributes, u: UserInfo) => authorize(a, u, rbac);
const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const carol: UserInfo = { name: 'carol', groups: ['system:authenticated'] };
const dave: UserInfo = { name: 'dave', groups: ['system:authenticated'] };
const admin: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

function status(r: ReturnType<typeof impersonate>): Status {
  assert.ok('status' in r, `expected a Status, got ${JSON.stringify(r)}`);
  return r.status;
}
function user(r: ReturnType<typeof impersonate>): UserInfo {
  assert.ok('user' in r, `expected a user, got ${JSON.stringify(r)}`);
  return r.user;
}

describe('sim impersonation', () => {
  it('without headers returns the requester unchanged', () => {
    assert.deepEqual(user(impersonate({ accept: 'application/json' }, alice, authz)), alice);
  });

  it('a ServiceAccount gets its three groups when no group header is sent', () => {
    const u = user(impersonate({ 'impersonate-user': 'system:serviceaccount:airflow:airflow-worker' }, dave, authz));
    assert.deepEqual(u, {
      name: 'system:serviceaccount:airflow:airflow-worker',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:airflow', 'system:authenticated'],
    });
  });

  it('impersonating a ServiceAccount needs impersonate serviceaccounts in its namespace: the real 403', () => {
    const st = status(impersonate({ 'impersonate-user': 'system:serviceaccount:kube-system:default' }, dave, authz));
    assert.equal(st.code, 403);
    assert.equal(st.reason, 'Forbidden');
    assert.equal(
      st.message,
      'serviceaccounts "default" is forbidden: User "dave" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
    );
    assert.deepEqual(st.details, { name: 'default', kind: 'serviceaccounts' });
  });

  it('impersonating a user without permission: the real 403 at the cluster scope', () => {
    const st = status(impersonate({ 'impersonate-user': 'bob' }, alice, authz));
    assert.equal(st.code, 403);
    assert.equal(
      st.message,
      'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    assert.deepEqual(st.details, { name: 'bob', kind: 'users' });
  });

  it('resourceNames on impersonate users: bob yes, eve no', () => {
    assert.deepEqual(user(impersonate({ 'impersonate-user': 'bob' }, carol, authz)), {
      name: 'bob',
      groups: ['system:authenticated'],
    });
    assert.equal(status(impersonate({ 'impersonate-user': 'eve' }, carol, authz)).code, 403);
  });

  it('group headers replace the ServiceAccount groups; system:authenticated is still added', () => {
    const u = user(
      impersonate(
        { 'impersonate-user': 'system:serviceaccount:airflow:w', 'impersonate-group': ['dev', 'ops'] },
        admin,
        authz,
      ),
    );
    assert.deepEqual(u, { name: 'system:serviceaccount:airflow:w', groups: ['dev', 'ops', 'system:authenticated'] });
  });

  it('Node-joined repeated group headers are split', () => {
    const u = user(impersonate({ 'impersonate-user': 'bob', 'impersonate-group': 'dev, ops' }, carol, authz));
    assert.deepEqual(u.groups, ['dev', 'ops', 'system:authenticated']);
  });

  it('distinct header values (req.headersDistinct) keep a group name that contains ", "', () => {
    const u = user(impersonate({ 'impersonate-user': ['bob'], 'impersonate-group': ['a, b', 'c'] }, carol, authz));
    assert.deepEqual(u.groups, ['a, b', 'c', 'system:authenticated']);
  });

  it('system:unauthenticated in the groups suppresses system:authenticated', () => {
    const u = user(
      impersonate({ 'impersonate-user': 'bob', 'impersonate-group': ['system:unauthenticated'] }, carol, authz),
    );
    assert.deepEqual(u.groups, ['system:unauthenticated']);
  });

  it('system:anonymous gets system:unauthenticated', () => {
    const u = user(impersonate({ 'impersonate-user': 'system:anonymous' }, admin, authz));
    assert.deepEqual(u, { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  });

  it('each group header needs impersonate groups: the 403 names the group', () => {
    const st = status(
      impersonate({ 'impersonate-user': 'system:serviceaccount:airflow:w', 'impersonate-group': ['dev'] }, dave, authz),
    );
    assert.equal(
      st.message,
      'groups "dev" is forbidden: User "dave" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
  });

  it('the user is checked before the groups', () => {
    const st = status(impersonate({ 'impersonate-user': 'eve', 'impersonate-group': ['dev'] }, carol, authz));
    assert.match(st.message!, /^users "eve" is forbidden/);
  });

  it('uid needs impersonate uids in authentication.k8s.io', () => {
    assert.deepEqual(user(impersonate({ 'impersonate-user': 'bob', 'impersonate-uid': '1234' }, carol, authz)), {
      name: 'bob',
      uid: '1234',
      groups: ['system:authenticated'],
    });
    const st = status(
      impersonate({ 'impersonate-user': 'system:serviceaccount:airflow:w', 'impersonate-uid': '1234' }, dave, authz),
    );
    assert.equal(
      st.message,
      'uids.authentication.k8s.io "1234" is forbidden: User "dave" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
    );
    assert.deepEqual(st.details, { name: '1234', group: 'authentication.k8s.io', kind: 'uids' });
  });

  it('extra needs impersonate userextras/<key>, one check per value', () => {
    const u = user(
      impersonate({ 'impersonate-user': 'bob', 'impersonate-extra-scopes': ['view', 'edit'] }, carol, authz),
    );
    assert.deepEqual(u.extra, { scopes: ['view', 'edit'] });
    const st = status(impersonate({ 'impersonate-user': 'bob', 'Impersonate-Extra-Reason': 'audit' }, carol, authz));
    assert.equal(
      st.message,
      'userextras.authentication.k8s.io "audit" is forbidden: User "carol" cannot impersonate resource "userextras/reason" in API group "authentication.k8s.io" at the cluster scope',
    );
  });

  it('extra keys are lower-cased and percent-decoded', () => {
    const u = user(
      impersonate({ 'impersonate-user': 'bob', 'impersonate-extra-example.com%2fteam': 'a' }, admin, authz),
    );
    assert.deepEqual(u.extra, { 'example.com/team': ['a'] });
  });

  it('groups, uid or extra without a user is an internal error', () => {
    const st = status(impersonate({ 'impersonate-group': ['dev'] }, admin, authz));
    assert.equal(st.code, 500);
    assert.equal(st.message, 'Internal error occurred: requested [{Group  dev    }] without impersonating a user');
  });

  it('a malformed ServiceAccount name is impersonated as a plain user', () => {
    const st = status(impersonate({ 'impersonate-user': 'system:serviceaccount:airflow' }, dave, authz));
    assert.equal(
      st.message,
      'users "system:serviceaccount:airflow" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it('a denial carrying RBAC resolution errors appends them to the message', () => {
    const broken = rbacObjectsFrom([crb('x', 'missing', [{ kind: 'User', name: 'alice' }])]);
    const st = status(impersonate({ 'impersonate-user': 'bob' }, alice, (a, u) => authorize(a, u, broken)));
    assert.equal(
      st.message,
      'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
    );
  });
});
