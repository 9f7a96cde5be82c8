// The sim's RBAC evaluator against the Kubernetes RBAC rules (evaluation_helpers.go, rule.go,
// rbac.go): a table of rule cases, then bindings, reason strings, system:masters and rule lists.
import assert from 'node:assert/strict';
import {
  authorize,
  defaultRbacObjects,
  rbacAuthorize,
  rbacObjectsFrom,
  ruleAllows,
  rulesFor,
  splitServiceAccountUsername,
} from '../sim/rbac.ts';
import type { RbacObjects } from '../sim/rbac.ts';
import type { KubeObject, PolicyRule, RequestAttributes, UserInfo } from '../sim/types.ts';

const res = (verb: string, resource: string, extra: Partial<RequestAttributes> = {}): RequestAttributes => ({
  resourceRequest: true,
  verb,
  apiGroup: '',
  resource,
  ...extra,
});
const path = (verb: string, p: string): RequestAttributes => ({ resourceRequest: false, verb, path: p });

describe('sim rbac: rule matching (RuleAllows)', () => {
  const cases: { name: string; rule: PolicyRule; attrs: RequestAttributes; want: boolean }[] = [
    {
      name: 'exact verb/group/resource',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      attrs: res('get', 'pods'),
      want: true,
    },
    {
      name: 'other verb',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      attrs: res('list', 'pods'),
      want: false,
    },
    {
      name: 'verb *',
      rule: { verbs: ['*'], apiGroups: [''], resources: ['pods'] },
      attrs: res('deletecollection', 'pods'),
      want: true,
    },
    {
      name: 'core group "" does not match apps',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['deployments'] },
      attrs: res('get', 'deployments', { apiGroup: 'apps' }),
      want: false,
    },
    {
      name: 'apiGroups * matches apps',
      rule: { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] },
      attrs: res('get', 'deployments', { apiGroup: 'apps' }),
      want: true,
    },
    {
      name: 'missing apiGroups matches nothing',
      rule: { verbs: ['get'], resources: ['pods'] },
      attrs: res('get', 'pods'),
      want: false,
    },
    {
      name: 'resources * matches any resource',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*'] },
      attrs: res('get', 'secrets'),
      want: true,
    },
    {
      name: 'resources * matches a subresource',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['*'] },
      attrs: res('create', 'pods', { subresource: 'exec' }),
      want: true,
    },
    {
      name: 'pods does not cover pods/exec',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['pods'] },
      attrs: res('create', 'pods', { subresource: 'exec' }),
      want: false,
    },
    {
      name: 'pods does not cover pods/log',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      attrs: res('get', 'pods', { subresource: 'log' }),
      want: false,
    },
    {
      name: 'pods/exec covers pods/exec',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] },
      attrs: res('create', 'pods', { subresource: 'exec' }),
      want: true,
    },
    {
      name: 'pods/exec does not cover pods',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] },
      attrs: res('create', 'pods'),
      want: false,
    },
    {
      name: '*/exec covers pods/exec',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*/exec'] },
      attrs: res('get', 'pods', { subresource: 'exec' }),
      want: true,
    },
    {
      name: '*/exec does not cover pods/log',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*/exec'] },
      attrs: res('get', 'pods', { subresource: 'log' }),
      want: false,
    },
    {
      name: '*/exec does not cover pods',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*/exec'] },
      attrs: res('get', 'pods'),
      want: false,
    },
    {
      name: '*/log does not cover pods/xlog (suffix, same length only)',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*/log'] },
      attrs: res('get', 'pods', { subresource: 'xlog' }),
      want: false,
    },
    {
      name: 'pods/* is not a wildcard for pods/exec',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['pods/*'] },
      attrs: res('create', 'pods', { subresource: 'exec' }),
      want: false,
    },
    {
      name: 'pods/* matches only a literal * subresource',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['pods/*'] },
      attrs: res('create', 'pods', { subresource: '*' }),
      want: true,
    },
    {
      name: 'request verb * needs literal *',
      rule: {
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        apiGroups: [''],
        resources: ['pods'],
      },
      attrs: res('*', 'pods'),
      want: false,
    },
    {
      name: 'request verb * against rule *',
      rule: { verbs: ['*'], apiGroups: [''], resources: ['pods'] },
      attrs: res('*', 'pods'),
      want: true,
    },
    {
      name: 'request resource * needs literal *',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods', 'secrets'] },
      attrs: res('get', '*'),
      want: false,
    },
    {
      name: 'empty resourceNames matches a name',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
      attrs: res('get', 'secrets', { name: 'db' }),
      want: true,
    },
    {
      name: 'resourceNames matches that name for get',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
      attrs: res('get', 'secrets', { name: 'db' }),
      want: true,
    },
    {
      name: 'resourceNames does not match another name',
      rule: { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
      attrs: res('get', 'secrets', { name: 'other' }),
      want: false,
    },
    {
      name: 'resourceNames never matches list (no name)',
      rule: { verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
      attrs: res('list', 'secrets'),
      want: false,
    },
    {
      name: 'resourceNames never matches create (no name)',
      rule: { verbs: ['create'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] },
      attrs: res('create', 'pods'),
      want: false,
    },
    {
      name: 'nonResourceURL exact',
      rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      attrs: path('get', '/healthz'),
      want: true,
    },
    {
      name: 'nonResourceURL exact does not match a longer path',
      rule: { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      attrs: path('get', '/healthz/etcd'),
      want: false,
    },
    {
      name: 'nonResourceURL prefix*',
      rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
      attrs: path('get', '/healthz/etcd'),
      want: true,
    },
    {
      name: 'nonResourceURL prefix* without the slash',
      rule: { verbs: ['get'], nonResourceURLs: ['/api*'] },
      attrs: path('get', '/apis/apps'),
      want: true,
    },
    {
      name: 'nonResourceURL prefix* does not match elsewhere',
      rule: { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
      attrs: path('get', '/livez'),
      want: false,
    },
    {
      name: 'nonResourceURL *',
      rule: { verbs: ['get'], nonResourceURLs: ['*'] },
      attrs: path('get', '/metrics'),
      want: true,
    },
    {
      name: 'nonResourceURL verb mismatch',
      rule: { verbs: ['get'], nonResourceURLs: ['*'] },
      attrs: path('post', '/metrics'),
      want: false,
    },
    {
      name: 'resource rule does not match a path',
      rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      attrs: path('get', '/metrics'),
      want: false,
    },
    {
      name: 'nonResourceURL rule does not match a resource',
      rule: { verbs: ['*'], nonResourceURLs: ['*'] },
      attrs: res('get', 'pods'),
      want: false,
    },
  ];
  for (const c of cases) {
    it(`${c.want ? 'allows' : 'denies'}: ${c.name}`, () => {
      assert.equal(ruleAllows(c.attrs, c.rule), c.want);
    });
  }
});

function role(name: string, namespace: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules };
}
function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules };
}
function roleBinding(
  name: string,
  namespace: string,
  roleRef: { kind: string; name: string },
  subjects: object[],
): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  };
}
function clusterRoleBinding(name: string, roleRef: string, subjects: object[]): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleRef },
    subjects,
  };
}

const sa = (ns: string, name: string): UserInfo => ({
  name: `system:serviceaccount:${ns}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
});
const alice: UserInfo = { name: 'alice', groups: ['dev', 'system:authenticated'] };

const world: RbacObjects = rbacObjectsFrom([
  ...defaultRbacObjects(),
  role('pod-reader', 'airflow', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]),
  role('launcher', 'airflow', [
    { verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
  ]),
  clusterRole('node-reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] }]),
  clusterRole('secret-db', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] }]),
  // SA subject without a namespace: the binding's namespace.
  roleBinding('worker-pods', 'airflow', { kind: 'Role', name: 'pod-reader' }, [
    { kind: 'ServiceAccount', name: 'airflow-worker' },
  ]),
  roleBinding('scheduler-launch', 'airflow', { kind: 'Role', name: 'launcher' }, [
    { kind: 'ServiceAccount', name: 'airflow-scheduler', namespace: 'airflow' },
  ]),
  // RoleBinding -> ClusterRole: granted in team-a only.
  roleBinding('nodes-in-team-a', 'team-a', { kind: 'ClusterRole', name: 'node-reader' }, [
    { kind: 'User', name: 'alice' },
  ]),
  roleBinding('dev-secret', 'team-a', { kind: 'ClusterRole', name: 'secret-db' }, [
    { kind: 'Group', name: 'dev', apiGroup: 'rbac.authorization.k8s.io' },
  ]),
  // Subject names the wrong namespace: does not apply to airflow/airflow-triggerer.
  roleBinding('triggerer-wrong-ns', 'airflow', { kind: 'Role', name: 'pod-reader' }, [
    { kind: 'ServiceAccount', name: 'airflow-triggerer', namespace: 'default' },
  ]),
  // Bindings to roles that do not exist.
  roleBinding('broken', 'airflow', { kind: 'Role', name: 'no-such-role' }, [
    { kind: 'ServiceAccount', name: 'airflow-webserver' },
  ]),
  clusterRoleBinding('broken-cluster', 'no-such-clusterrole', [
    { kind: 'ServiceAccount', name: 'airflow-webserver', namespace: 'airflow' },
  ]),
  clusterRoleBinding('ops-view', 'view', [{ kind: 'Group', name: 'ops' }]),
]);

describe('sim rbac: bindings and reasons (VisitRulesFor)', () => {
  const cases: { name: string; user: UserInfo; attrs: RequestAttributes; allowed: boolean; reason: string }[] = [
    {
      name: 'SA subject without namespace defaults to the binding namespace',
      user: sa('airflow', 'airflow-worker'),
      attrs: res('list', 'pods', { namespace: 'airflow' }),
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "worker-pods/airflow" of Role "pod-reader" to ServiceAccount "airflow-worker/airflow"',
    },
    {
      name: 'RoleBinding does not apply in another namespace',
      user: sa('airflow', 'airflow-worker'),
      attrs: res('list', 'pods', { namespace: 'default' }),
      allowed: false,
      reason: '',
    },
    {
      name: 'RoleBinding does not apply cluster-wide',
      user: sa('airflow', 'airflow-worker'),
      attrs: res('list', 'pods'),
      allowed: false,
      reason: '',
    },
    {
      name: 'SA with explicit namespace, subresource rule',
      user: sa('airflow', 'airflow-scheduler'),
      attrs: res('get', 'pods', { namespace: 'airflow', subresource: 'log', name: 'p1' }),
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "scheduler-launch/airflow" of Role "launcher" to ServiceAccount "airflow-scheduler/airflow"',
    },
    {
      name: 'pods rule does not grant pods/exec',
      user: sa('airflow', 'airflow-scheduler'),
      attrs: res('create', 'pods', { namespace: 'airflow', subresource: 'exec', name: 'p1' }),
      allowed: false,
      reason: '',
    },
    {
      name: 'subject in the wrong namespace does not apply',
      user: sa('airflow', 'airflow-triggerer'),
      attrs: res('list', 'pods', { namespace: 'airflow' }),
      allowed: false,
      reason: '',
    },
    {
      name: 'RoleBinding to ClusterRole grants in its namespace (reviews do not know scope)',
      user: alice,
      attrs: res('get', 'nodes', { namespace: 'team-a' }),
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "nodes-in-team-a/team-a" of ClusterRole "node-reader" to User "alice"',
    },
    {
      name: 'RoleBinding to ClusterRole: the cluster-wide question says no',
      user: alice,
      attrs: res('get', 'nodes'),
      allowed: false,
      reason: '',
    },
    {
      name: 'group subject with resourceNames, get by name',
      user: alice,
      attrs: res('get', 'secrets', { namespace: 'team-a', name: 'db' }),
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "dev-secret/team-a" of ClusterRole "secret-db" to Group "dev"',
    },
    {
      name: 'group subject with resourceNames, list',
      user: alice,
      attrs: res('list', 'secrets', { namespace: 'team-a' }),
      allowed: false,
      reason: '',
    },
    {
      name: 'ClusterRoleBinding to group, cluster-wide',
      user: { name: 'carol', groups: ['ops', 'system:authenticated'] },
      attrs: res('list', 'deployments', { apiGroup: 'apps' }),
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "ops-view" of ClusterRole "view" to Group "ops"',
    },
    {
      name: 'view does not read secrets',
      user: { name: 'carol', groups: ['ops'] },
      attrs: res('get', 'secrets', { namespace: 'x' }),
      allowed: false,
      reason: '',
    },
    {
      name: 'discovery for every authenticated user',
      user: alice,
      attrs: path('get', '/apis/apps/v1'),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    },
    {
      name: 'basic-user may create SelfSubjectAccessReviews',
      user: alice,
      attrs: res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
    },
    {
      name: 'public-info-viewer for the unauthenticated',
      user: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
      attrs: path('get', '/version'),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"',
    },
    {
      name: 'anonymous gets no discovery',
      user: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
      attrs: path('get', '/api'),
      allowed: false,
      reason: '',
    },
    {
      name: 'missing Role and ClusterRole: no opinion, the errors as reason (ClusterRoleBindings first)',
      user: sa('airflow', 'airflow-webserver'),
      attrs: res('get', 'pods', { namespace: 'airflow' }),
      allowed: false,
      reason:
        'RBAC: [clusterrole.rbac.authorization.k8s.io "no-such-clusterrole" not found, role.rbac.authorization.k8s.io "no-such-role" not found]',
    },
    {
      name: 'missing Role alone',
      user: { name: 'system:serviceaccount:airflow:airflow-webserver', groups: [] },
      attrs: res('get', 'pods', { namespace: 'default' }),
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "no-such-clusterrole" not found',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(authorize(c.attrs, c.user, world), { allowed: c.allowed, reason: c.reason });
    });
  }

  it('a user whose name looks like an SA but the subject is a User does not match the SA', () => {
    const objs = rbacObjectsFrom([
      role('r', 'ns', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
      roleBinding('b', 'ns', { kind: 'Role', name: 'r' }, [{ kind: 'ServiceAccount', name: 'x', namespace: 'other' }]),
    ]);
    assert.equal(authorize(res('get', 'pods', { namespace: 'ns' }), sa('ns', 'x'), objs).allowed, false);
    assert.equal(authorize(res('get', 'pods', { namespace: 'ns' }), sa('other', 'x'), objs).allowed, true);
  });

  it('the first binding in name order gives the reason (ClusterRoleBindings before RoleBindings)', () => {
    const objs = rbacObjectsFrom([
      clusterRole('reader', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
      role('r', 'ns', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
      roleBinding('a-first', 'ns', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'u' }]),
      clusterRoleBinding('z-last', 'reader', [{ kind: 'User', name: 'u' }]),
      clusterRoleBinding('m-middle', 'reader', [
        { kind: 'Group', name: 'g' },
        { kind: 'User', name: 'u' },
      ]),
    ]);
    const d = authorize(res('get', 'pods', { namespace: 'ns' }), { name: 'u', groups: ['g'] }, objs);
    // First matching subject of the binding is named: Group "g" comes before User "u" in m-middle.
    assert.equal(d.reason, 'RBAC: allowed by ClusterRoleBinding "m-middle" of ClusterRole "reader" to Group "g"');
  });

  it('an unsupported roleRef kind is a resolution error', () => {
    const objs = rbacObjectsFrom([roleBinding('b', 'ns', { kind: 'Thing', name: 'r' }, [{ kind: 'User', name: 'u' }])]);
    assert.deepEqual(authorize(res('get', 'pods', { namespace: 'ns' }), { name: 'u', groups: [] }, objs), {
      allowed: false,
      reason: 'RBAC: unsupported role reference kind: "Thing"',
    });
  });

  it('errors do not hide a later grant', () => {
    const d = authorize(
      res('get', 'pods', { namespace: 'airflow' }),
      { ...sa('airflow', 'airflow-webserver'), groups: ['ops'] },
      world,
    );
    assert.deepEqual(d, {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "ops-view" of ClusterRole "view" to Group "ops"',
    });
  });
});

describe('sim rbac: system:masters', () => {
  const admin: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
  it('is allowed everything by the privileged-group authorizer, with an empty reason (as kube-apiserver)', () => {
    for (const a of [
      res('*', '*'),
      res('create', 'pods', { namespace: 'x', subresource: 'exec' }),
      path('delete', '/anything'),
      res('impersonate', 'users', { name: 'bob' }),
    ]) {
      assert.deepEqual(authorize(a, admin, rbacObjectsFrom([])), { allowed: true, reason: '' });
    }
  });
  it('RBAC alone grants it through the cluster-admin binding', () => {
    assert.deepEqual(rbacAuthorize(res('delete', 'nodes', { name: 'n1' }), admin, world), {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
  });
});

describe('sim rbac: default roles', () => {
  const edit = rbacObjectsFrom([
    ...defaultRbacObjects(),
    roleBinding('e', 'ns', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'User', name: 'e' }]),
  ]);
  const admin = rbacObjectsFrom([
    ...defaultRbacObjects(),
    roleBinding('a', 'ns', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'a' }]),
  ]);
  const u = (name: string): UserInfo => ({ name, groups: ['system:authenticated'] });
  const table: [RbacObjects, string, RequestAttributes, boolean][] = [
    [edit, 'e', res('impersonate', 'serviceaccounts', { namespace: 'ns', name: 'x' }), true],
    [edit, 'e', res('create', 'pods', { namespace: 'ns', subresource: 'exec', name: 'p' }), true],
    [edit, 'e', res('get', 'pods', { namespace: 'ns', subresource: 'exec', name: 'p' }), true],
    [edit, 'e', res('get', 'secrets', { namespace: 'ns' }), true],
    [edit, 'e', res('create', 'rolebindings', { namespace: 'ns', apiGroup: 'rbac.authorization.k8s.io' }), false],
    [edit, 'e', res('update', 'leases', { namespace: 'ns', apiGroup: 'coordination.k8s.io', name: 'l' }), true],
    [admin, 'a', res('create', 'rolebindings', { namespace: 'ns', apiGroup: 'rbac.authorization.k8s.io' }), true],
    [
      admin,
      'a',
      res('create', 'localsubjectaccessreviews', { namespace: 'ns', apiGroup: 'authorization.k8s.io' }),
      true,
    ],
    [admin, 'a', res('create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io' }), false],
    [admin, 'a', res('list', 'nodes', { namespace: 'ns' }), false],
  ];
  for (const [objs, who, attrs, want] of table) {
    it(`${who === 'e' ? 'edit' : 'admin'} ${want ? 'can' : 'cannot'} ${attrs.verb} ${attrs.resource}${attrs.subresource ? '/' + attrs.subresource : ''}`, () => {
      assert.equal(authorize(attrs, u(who), objs).allowed, want);
    });
  }
  it('names every required default and binding', () => {
    const names = defaultRbacObjects().map((o) => `${o.kind}/${o.metadata.name}`);
    for (const n of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:discovery',
      'system:basic-user',
      'system:public-info-viewer',
      'system:auth-delegator',
    ])
      assert.ok(names.includes(`ClusterRole/${n}`), n);
    for (const n of ['cluster-admin', 'system:discovery', 'system:basic-user', 'system:public-info-viewer'])
      assert.ok(names.includes(`ClusterRoleBinding/${n}`), n);
  });
});

describe('sim rbac: rulesFor (SelfSubjectRulesReview)', () => {
  it('lists ClusterRoleBinding rules first, then the namespace RoleBindings, split by kind', () => {
    const r = rulesFor(sa('airflow', 'airflow-scheduler'), 'airflow', world);
    assert.equal(r.incomplete, false);
    assert.equal(r.evaluationError, undefined);
    assert.deepEqual(r.resourceRules, [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      },
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      { verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
    ]);
    // system:basic-user < system:discovery < system:public-info-viewer (name order)
    assert.deepEqual(r.nonResourceRules, [
      {
        verbs: ['get'],
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      },
      { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] },
    ]);
  });

  it('keeps resourceNames and drops rules that apply in other namespaces', () => {
    const r = rulesFor(alice, 'team-a', world);
    assert.deepEqual(r.resourceRules.slice(2), [
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes'] },
    ]);
    assert.equal(rulesFor(alice, 'airflow', world).resourceRules.length, 2);
  });

  it('reports a missing role as evaluationError with incomplete false (RBACAuthorizer.RulesFor)', () => {
    const r = rulesFor(sa('airflow', 'airflow-webserver'), 'airflow', world);
    assert.equal(r.incomplete, false);
    assert.equal(
      r.evaluationError,
      '[clusterrole.rbac.authorization.k8s.io "no-such-clusterrole" not found, role.rbac.authorization.k8s.io "no-such-role" not found]',
    );
    assert.equal(r.resourceRules.length, 2);
  });
});

describe('sim rbac: ServiceAccount user names', () => {
  it('splits valid names and refuses the rest (serviceaccount.SplitUsername)', () => {
    assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:airflow:airflow-worker'), [
      'airflow',
      'airflow-worker',
    ]);
    assert.equal(splitServiceAccountUsername('system:serviceaccount:airflow'), undefined);
    assert.equal(splitServiceAccountUsername('system:serviceaccount:a:b:c'), undefined);
    assert.equal(splitServiceAccountUsername('system:serviceaccount:Bad_NS:x'), undefined);
    assert.equal(splitServiceAccountUsername('alice'), undefined);
  });
});

describe('sim rbac: ClusterRole aggregation', () => {
  it('a ClusterRole labelled aggregate-to-view reaches view, edit and admin; the defaults converge to themselves', () => {
    const defaults = defaultRbacObjects();
    const before = rbacObjectsFrom(defaults).clusterRoles;
    const ruleSet = (objs: KubeObject[], name: string) =>
      new Set((objs.find((o) => o.metadata.name === name)!['rules'] as PolicyRule[]).map((r) => JSON.stringify(r)));
    for (const name of ['view', 'edit', 'admin']) {
      assert.deepEqual(ruleSet(before, name), ruleSet(defaults, name), name);
    }
    const crd: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'airflow-dags-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ verbs: ['get'], apiGroups: ['airflow.example.com'], resources: ['dags'] }],
    };
    const objs = rbacObjectsFrom([
      ...defaults,
      crd,
      roleBinding('v', 'ns', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'u' }]),
    ]);
    const added = JSON.stringify((crd['rules'] as PolicyRule[])[0]);
    for (const name of ['view', 'edit', 'admin']) assert.ok(ruleSet(objs.clusterRoles, name).has(added), name);
    assert.equal(
      authorize(
        res('get', 'dags', { apiGroup: 'airflow.example.com', namespace: 'ns' }),
        { name: 'u', groups: [] },
        objs,
      ).allowed,
      true,
    );
    // the input objects are not modified
    assert.equal((defaults.find((o) => o.metadata.name === 'view')!['rules'] as PolicyRule[]).length, 10);
  });

  it('matchExpressions select too; a role with an aggregationRule and no match has no rules', () => {
    const objs = rbacObjectsFrom([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'agg' },
        aggregationRule: {
          clusterRoleSelectors: [{ matchExpressions: [{ key: 'team', operator: 'In', values: ['data'] }] }],
        },
        rules: [],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'lonely' },
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { none: 'x' } }] },
        rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'piece', labels: { team: 'data' } },
        rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
      },
    ]);
    assert.deepEqual(objs.clusterRoles.find((r) => r.metadata.name === 'agg')!['rules'], [
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    ]);
    assert.deepEqual(objs.clusterRoles.find((r) => r.metadata.name === 'lonely')!['rules'], []);
  });
});
