import { strict as assert } from 'node:assert';
import * as YAML from 'yaml';
import { builtinProfiles } from '../../src/airflow/profiles.ts';
import type { ComponentAccount } from '../../src/airflow/release.ts';
import { fixObjects, fixYaml, rulesFor } from '../../src/rbac/fix.ts';
import { danglingRefs, danglingRemedy, rootCauseHints } from '../../src/rbac/hints.ts';
import { buildPermissions, permissionRecord, summarize } from '../../src/rbac/matrix.ts';
import { bindingFromReason, viaText } from '../../src/rbac/reason.ts';
import { renderMatrix } from '../../src/rbac/render.ts';
import { palette } from '../../src/render/colour.ts';
import { cellsToAsk, componentsToCheck, matrixLayout, parseResource, requiredRules } from '../../src/rbac/required.ts';
import { needsAccessReview, rulesAllow } from '../../src/rbac/rules.ts';
import { byAccountAndNamespace, cellKey, type Answer, type Cell, type Permission } from '../../src/rbac/types.ts';

const acct = (name: string, namespace = 'airflow') => ({ namespace, name });
const comp = (component: string, name: string, extra: Partial<ComponentAccount> = {}): ComponentAccount => ({
  component,
  account: acct(name),
  source: `pod/${name}`,
  automount: true,
  ...extra,
});
const cell = (verb: string, resource: string, subresource = '', group = ''): Cell => ({
  account: acct('w'),
  namespace: 'airflow',
  group,
  resource,
  subresource,
  verb,
});

describe('rbac: rules review reading (evaluation_helpers.go semantics)', () => {
  it('exact, * and */subresource match; pods/* and pods do not cover pods/exec', () => {
    assert.ok(rulesAllow([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], cell('get', 'pods')));
    assert.ok(!rulesAllow([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], cell('get', 'pods', 'exec')));
    assert.ok(rulesAllow([{ verbs: ['get'], apiGroups: [''], resources: ['*/exec'] }], cell('get', 'pods', 'exec')));
    assert.ok(!rulesAllow([{ verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }], cell('get', 'pods', 'exec')));
    assert.ok(
      rulesAllow([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], cell('create', 'jobs', 'status', 'batch')),
    );
  });
  it('group and verb must match; resourceNames never cover a name-less request', () => {
    assert.ok(!rulesAllow([{ verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }], cell('get', 'pods')));
    assert.ok(!rulesAllow([{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }], cell('get', 'pods')));
    assert.ok(
      !rulesAllow(
        [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }],
        cell('get', 'pods'),
      ),
    );
  });
  it('an access review confirms: a denial of a required cell, any denial after an incomplete or failed rules review, an allowed cell only for its reason', () => {
    const rules = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }];
    const get = cell('get', 'pods');
    const del = cell('delete', 'pods');
    assert.deepEqual(
      [needsAccessReview(rules, false, get, true, false), needsAccessReview(rules, false, get, true, true)],
      [false, true],
    );
    assert.deepEqual(
      [needsAccessReview(rules, false, del, true, false), needsAccessReview(rules, false, del, false, false)],
      [true, false],
    );
    assert.equal(
      needsAccessReview(rules, true, del, false, false),
      true,
      'incomplete: a denial may be a webhook allowing it',
    );
    assert.equal(needsAccessReview(undefined, false, get, false, false), true, 'no rules review: every cell is asked');
  });
  it('cells group by account and namespace in first-seen order', () => {
    const other = { ...cell('get', 'pods'), namespace: 'jobs' };
    const groups = byAccountAndNamespace([cell('get', 'pods'), other, cell('list', 'pods')]);
    assert.deepEqual(
      groups.map((g) => [g.namespace, g.cells.map((c) => c.verb)]),
      [
        ['airflow', ['get', 'list']],
        ['jobs', ['get']],
      ],
    );
  });
});

describe('rbac: reasons', () => {
  it('parses RoleBinding and ClusterRoleBinding reasons', () => {
    assert.deepEqual(bindingFromReason('RBAC: allowed by RoleBinding "b/ns" of Role "r" to ServiceAccount "sa/ns"'), {
      kind: 'RoleBinding',
      name: 'b',
      namespace: 'ns',
      roleKind: 'Role',
      roleName: 'r',
      subjectKind: 'ServiceAccount',
      subject: 'sa/ns',
    });
    assert.deepEqual(
      bindingFromReason(
        'RBAC: allowed by ClusterRoleBinding "crb" of ClusterRole "cluster-admin" to Group "system:masters"',
      ),
      {
        kind: 'ClusterRoleBinding',
        name: 'crb',
        roleKind: 'ClusterRole',
        roleName: 'cluster-admin',
        subjectKind: 'Group',
        subject: 'system:masters',
      },
    );
    assert.equal(bindingFromReason(''), undefined);
    assert.equal(
      viaText('RBAC: allowed by RoleBinding "b/ns" of ClusterRole "edit" to User "u"', true),
      'RoleBinding ns/b (ClusterRole edit)',
    );
    assert.equal(viaText('allowed by webhook', true), 'allowed by webhook');
    assert.equal(viaText('', false), '');
  });
});

describe('rbac: required cells and layout', () => {
  const profiles = builtinProfiles().filter((p) =>
    ['kubernetes-executor', 'kubernetes-pod-operator', 'log-reading'].includes(p.name),
  );
  const components = [
    comp('scheduler', 'airflow-scheduler'),
    comp('worker', 'airflow-worker'),
    comp('api-server', 'airflow-api-server'),
    comp('dag-processor', 'airflow-dag-processor'),
  ];
  const required = requiredRules({ profiles, components, namespaces: ['airflow'] });
  it('each profile applies to its components only', () => {
    const by = (n: string) => required.filter((c) => c.account.name === n).length;
    assert.equal(by('airflow-scheduler'), 10);
    assert.equal(by('airflow-worker'), 10);
    assert.equal(by('airflow-api-server'), 5);
    assert.equal(by('airflow-dag-processor'), 0);
  });
  it('layout: rows with the verbs any account needs (the expectations matrix)', () => {
    const l = matrixLayout(required);
    assert.deepEqual(
      l.rows.map((r) => [r.resource + (r.subresource ? '/' + r.subresource : ''), r.verbs.join()]),
      [
        ['events', 'list'],
        ['pods', 'get,list,watch,create,patch,delete'],
        ['pods/exec', 'get,create'],
        ['pods/log', 'get,list'],
      ],
    );
    assert.deepEqual(l.verbs, ['get', 'list', 'watch', 'create', 'patch', 'delete']);
    assert.equal(cellsToAsk([acct('a'), acct('b')], ['x', 'y'], l).length, 2 * 2 * 11);
  });
  it('--resources/--verbs add required cells for every account', () => {
    const extra = requiredRules({
      profiles: [],
      components: [comp('*', 'x')],
      namespaces: ['n'],
      extraResources: ['jobs.batch', 'secrets'],
      extraVerbs: ['get'],
    });
    assert.deepEqual(
      extra.map((c) => `${c.group}/${c.resource} ${c.verb}`),
      ['batch/jobs get', '/secrets get'],
    );
    assert.deepEqual(parseResource('jobs.batch/status'), { group: 'batch', resource: 'jobs', subresource: 'status' });
    assert.throws(() => parseResource('a/b/c'), /RESOURCE/);
  });
});

function checksFrom(cells: Cell[], allowed: (c: Cell) => boolean, requiredCells = cells) {
  const answers = new Map<string, Answer>(
    cells.map((c) => [
      cellKey(c),
      {
        allowed: allowed(c),
        reason: allowed(c) ? 'RBAC: allowed by RoleBinding "b/airflow" of Role "r" to ServiceAccount "w/airflow"' : '',
        source: 'SelfSubjectAccessReview' as const,
      },
    ]),
  );
  return buildPermissions(
    cells,
    requiredCells.map((c) => ({ ...c, profiles: ['p'] })),
    answers,
  );
}

describe('rbac: verdicts', () => {
  const cells = [
    cell('get', 'pods'),
    cell('create', 'pods'),
    cell('get', 'pods', 'exec'),
    cell('create', 'pods', 'exec'),
  ];
  it('missing = required and denied; allowed-not-required is extra, never a failure', () => {
    const checks = checksFrom(cells, (c) => c.verb === 'get', cells.slice(1));
    const s = summarize(checks);
    assert.deepEqual([s.checks, s.required, s.missing, s.extra, s.verdict], [4, 3, 2, 1, 'missing']);
    assert.deepEqual(permissionRecord(checks[0]), {
      subject: 'system:serviceaccount:airflow:w',
      namespace: 'airflow',
      group: '',
      resource: 'pods',
      subresource: '',
      verb: 'get',
      required: false,
      level: 'none',
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "b/airflow" of Role "r" to ServiceAccount "w/airflow"',
      via: 'RoleBinding airflow/b (Role r)',
    });
    assert.equal(summarize(checksFrom(cells, () => true)).verdict, 'ok');
  });

  it('hints: exec allowed only as get, bound in another namespace, default account, automount off', () => {
    const checks = checksFrom(cells, (c) => c.verb === 'get');
    const hints = rootCauseHints({
      permissions: checks,
      components: [
        comp('worker', 'w'),
        comp('scheduler', 'default', { automount: false, automountSource: 'pod spec.automountServiceAccountToken' }),
      ],
      bindings: [
        {
          kind: 'RoleBinding',
          metadata: { name: 'launcher', namespace: 'airflow' },
          roleRef: { kind: 'Role', name: 'r' },
          subjects: [{ kind: 'ServiceAccount', name: 'w', namespace: 'airflow-staging' }],
        },
      ],
    });
    assert.deepEqual(hints.map((h) => h.kind).sort(), [
      'automount-off',
      'bound-in-other-namespace',
      'exec-get-only',
      'runs-as-default',
    ]);
    assert.match(
      hints.find((h) => h.kind === 'bound-in-other-namespace')!.message,
      /RoleBinding airflow\/launcher binds ServiceAccount "w" in namespace "airflow-staging".*set the subject's namespace to "airflow"/,
    );
    assert.match(hints.find((h) => h.kind === 'exec-get-only')!.message, /only as "get"/);
    // a subject without a namespace means the binding's namespace: not a hint
    assert.equal(
      rootCauseHints({
        permissions: checks,
        components: [],
        bindings: [
          {
            metadata: { name: 'x', namespace: 'airflow' },
            roleRef: { kind: 'Role', name: 'r' },
            subjects: [{ kind: 'ServiceAccount', name: 'w' }],
          },
        ],
      }).filter((h) => h.kind === 'bound-in-other-namespace').length,
      0,
    );
  });
});

describe('rbac: --fix', () => {
  const missing = (c: Partial<Permission> & Pick<Permission, 'verb' | 'resource'>): Permission => ({
    account: acct('w'),
    namespace: 'airflow',
    group: '',
    subresource: '',
    required: true,
    profiles: [],
    allowed: false,
    reason: '',
    via: '',
    source: 'SelfSubjectAccessReview',
    ...c,
  });
  it('merges resources with the same verbs, verbs in kubectl order', () => {
    assert.deepEqual(
      rulesFor([
        missing({ verb: 'create', resource: 'pods', subresource: 'exec' }),
        missing({ verb: 'get', resource: 'pods', subresource: 'exec' }),
        missing({ verb: 'get', resource: 'pods', subresource: 'log' }),
        missing({ verb: 'list', resource: 'jobs', group: 'batch' }),
      ]),
      [
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list'] },
      ],
    );
  });
  it('Role + RoleBinding per account and namespace; ClusterRole + ClusterRoleBinding cluster-wide', () => {
    const objs = fixObjects([
      missing({ verb: 'get', resource: 'pods' }),
      missing({ verb: 'get', resource: 'pods', namespace: 'other' }),
      missing({ verb: 'list', resource: 'pods', namespace: '*', account: acct('s', 'data') }),
    ]);
    assert.deepEqual(
      objs.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
      [
        'ClusterRole /kubectl-airflow-fix-data-s',
        'ClusterRoleBinding /kubectl-airflow-fix-data-s',
        'Role airflow/kubectl-airflow-fix-w',
        'RoleBinding airflow/kubectl-airflow-fix-w',
        'Role other/kubectl-airflow-fix-airflow-w',
        'RoleBinding other/kubectl-airflow-fix-airflow-w',
      ],
    );
    assert.deepEqual(objs[3].subjects, [{ kind: 'ServiceAccount', name: 'w', namespace: 'airflow' }]);
    assert.deepEqual(objs[1].roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'kubectl-airflow-fix-data-s',
    });
  });
  it('YAML is applyable documents; nothing missing -> a comment only', () => {
    const docs = YAML.parseAllDocuments(fixYaml([missing({ verb: 'get', resource: 'pods' })], ['a hint']))
      .map((d) => d.toJS())
      .filter(Boolean);
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['Role', 'RoleBinding'],
    );
    assert.match(fixYaml([], []), /^# kubectl-airflow: nothing to fix/);
  });
});

describe('rbac: which accounts are checked', () => {
  it("Airflow's processes always, other components only when a profile names them; scheduler first", () => {
    const profile = {
      name: 'p',
      description: '',
      components: ['statsd-exporter'],
      scope: 'launch' as const,
      rules: [],
    };
    const all = [
      comp('statsd', 's'),
      comp('worker', 'w'),
      comp('statsd-exporter', 'e'),
      comp('scheduler', 'sch'),
      comp('redis', 'r'),
    ];
    assert.deepEqual(
      componentsToCheck(all, []).map((c) => c.component),
      ['scheduler', 'worker'],
    );
    assert.deepEqual(
      componentsToCheck(all, [profile]).map((c) => c.component),
      ['scheduler', 'worker', 'statsd-exporter'],
    );
  });
});

describe('rbac: the matrix for people', () => {
  const profiles = builtinProfiles().filter((p) => ['kubernetes-executor', 'log-reading'].includes(p.name));
  const components = [comp('scheduler', 'airflow-scheduler'), comp('dag-processor', 'airflow-dag-processor')];
  const required = requiredRules({ profiles, components, namespaces: ['airflow'] });
  const layout = matrixLayout(required);
  const cells = cellsToAsk([acct('airflow-scheduler'), acct('airflow-dag-processor')], ['airflow'], layout);
  const render = (allowed: (c: Cell) => boolean, wide = false) => {
    const answers = new Map<string, Answer>(
      cells.map((c) => [cellKey(c), { allowed: allowed(c), reason: '', source: 'SelfSubjectRulesReview' as const }]),
    );
    const checks = buildPermissions(cells, required, answers);
    return renderMatrix({
      permissions: checks,
      layout,
      components,
      summary: summarize(checks),
      hints: [],
      wide,
      colour: palette(false),
      header: ['H'],
    });
  };
  const block = (text: string, sa: string) =>
    text.split('\n\n').find((b) => b.startsWith(`ServiceAccount airflow/${sa} `))!;
  const requiredOnly = (c: Cell) => required.some((r) => cellKey(r) === cellKey(c));

  it('nothing required and nothing granted: the header line alone, saying what was checked', () => {
    const dag = block(render(requiredOnly), 'airflow-dag-processor');
    assert.equal(
      dag,
      'ServiceAccount airflow/airflow-dag-processor (dag-processor) in namespace airflow: nothing required; checked for events, pods, pods/exec, pods/log (10 permissions): none granted (-o wide shows the table)',
    );
    assert.match(
      block(render(requiredOnly), 'airflow-scheduler'),
      /^ServiceAccount airflow\/airflow-scheduler \(scheduler\) in namespace airflow: ok\nRESOURCE +GET +LIST/,
      'an account with requirements keeps its table',
    );
  });

  it('-o wide shows the all-dash table as before', () => {
    const dag = block(render(requiredOnly, true), 'airflow-dag-processor');
    assert.deepEqual(
      dag.split('\n').map((l) => l.replace(/ +/g, ' ').trim()),
      [
        'ServiceAccount airflow/airflow-dag-processor (dag-processor) in namespace airflow: nothing required',
        'RESOURCE GET LIST WATCH CREATE PATCH DELETE',
        'events -',
        'pods - - - - - -',
        'pods/exec - -',
        'pods/log -',
      ],
    );
  });

  it('nothing required but something granted: the table stays, with what is granted anyway', () => {
    const dag = block(
      render(
        (c) =>
          requiredOnly(c) ||
          (c.account.name === 'airflow-dag-processor' && c.resource === 'pods' && !c.subresource && c.verb === 'get'),
      ),
      'airflow-dag-processor',
    );
    assert.match(
      dag,
      /: nothing required; checked for events, pods, pods\/exec, pods\/log \(10 permissions\): 1 granted anyway, marked \(yes\)\nRESOURCE/,
    );
    assert.match(dag, /\npods +\(yes\) +- /);
  });
});

describe('rbac: dangling roleRefs and the launch namespace as root causes', () => {
  const sched = acct('airflow-scheduler');
  const worker = acct('airflow-worker');
  const binding = {
    kind: 'RoleBinding',
    metadata: { name: 'pl-rb', namespace: 'airflow' },
    roleRef: { kind: 'Role', name: 'pl-role' },
    subjects: [
      { kind: 'ServiceAccount', name: 'airflow-scheduler', namespace: 'airflow' },
      { kind: 'ServiceAccount', name: 'airflow-worker' },
    ],
  };
  const denied = (
    a: { namespace: string; name: string },
    verb: string,
    resource: string,
    subresource = '',
  ): Permission => ({
    account: a,
    namespace: 'airflow',
    group: '',
    resource,
    subresource,
    verb,
    required: true,
    profiles: ['p'],
    allowed: false,
    reason: '',
    via: '',
    source: 'SelfSubjectAccessReview',
  });

  it("a binding whose Role is missing is found for the accounts it binds (a subject without namespace is the binding's); unknown existence claims nothing", () => {
    const refs = danglingRefs([binding], [sched, worker], () => false);
    assert.deepEqual(refs, [
      {
        bindingKind: 'RoleBinding',
        bindingName: 'pl-rb',
        bindingNamespace: 'airflow',
        roleKind: 'Role',
        roleName: 'pl-role',
        subjects: [sched, worker],
      },
    ]);
    assert.deepEqual(
      danglingRefs([binding], [sched], () => undefined),
      [],
    );
    assert.deepEqual(
      danglingRefs([binding], [sched], () => true),
      [],
    );
    assert.deepEqual(
      danglingRefs([binding], [acct('other')], () => false),
      [],
    );
    assert.match(
      danglingRemedy(refs[0]),
      /^RoleBinding airflow\/pl-rb binds airflow\/airflow-scheduler, airflow\/airflow-worker to Role "pl-role", which does not exist in namespace airflow: create that Role/,
    );
  });

  it('--fix creates the referenced Role under its name with what its subjects miss, and no binding; other cells keep their own Role and RoleBinding', () => {
    const refs = danglingRefs([binding], [sched, worker], () => false);
    const other = { ...denied(acct('x'), 'get', 'pods'), account: acct('x') };
    const objs = fixObjects([denied(sched, 'create', 'pods'), denied(worker, 'get', 'pods', 'exec'), other], refs);
    assert.deepEqual(
      objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      ['Role/airflow/pl-role', 'Role/airflow/kubectl-airflow-fix-x', 'RoleBinding/airflow/kubectl-airflow-fix-x'],
    );
    assert.deepEqual(objs[0].rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] },
    ]);
    // a dangling ClusterRole referenced by a ClusterRoleBinding covers every namespace
    const crb = danglingRefs(
      [
        {
          kind: 'ClusterRoleBinding',
          metadata: { name: 'crb' },
          roleRef: { kind: 'ClusterRole', name: 'cr' },
          subjects: [{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }],
        },
      ],
      [worker],
      () => false,
    );
    assert.deepEqual(
      fixObjects([denied(worker, 'list', 'events')], crb).map((o) => `${o.kind}/${o.metadata.name}`),
      ['ClusterRole/cr'],
    );
  });

  it("hints: the dangling ref first; with pods launched outside the release, that cause replaces the subjects' namespace advice", () => {
    const checks = [denied(worker, 'create', 'pods')];
    const other = {
      kind: 'RoleBinding',
      metadata: { name: 'rb', namespace: 'airflow' },
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'prod' }],
    };
    const refs = danglingRefs([binding], [worker], () => false);
    const kinds = (h: ReturnType<typeof rootCauseHints>) => h.map((x) => x.kind);
    assert.deepEqual(
      kinds(rootCauseHints({ permissions: checks, components: [], bindings: [other], dangling: refs })),
      ['dangling-role-ref', 'bound-in-other-namespace'],
    );
    const launch = {
      namespace: 'airflow',
      message: 'the executor launches worker pods into namespace airflow',
      remedy: 'set namespace = prod in [kubernetes_executor]',
    };
    const h = rootCauseHints({ permissions: checks, components: [], bindings: [other], launch });
    assert.deepEqual(kinds(h), ['launch-namespace']);
    assert.equal(
      h[0].message,
      'the executor launches worker pods into namespace airflow: set namespace = prod in [kubernetes_executor]',
    );
  });
});
