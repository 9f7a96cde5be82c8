import assert from 'node:assert/strict';
import {
  accountRemedies,
  correctedBinding,
  deniedRemedy,
  grantRemedy,
  misboundSubjects,
  ruleGrants,
} from '../../src/rbac/remedy.ts';

const sched = { namespace: 'airflow', name: 'airflow-scheduler' };
const binding = {
  kind: 'RoleBinding',
  metadata: { name: 'launcher', namespace: 'airflow' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'launcher-role' },
  subjects: [
    { kind: 'ServiceAccount', name: 'airflow-scheduler', namespace: 'airflow-staging' },
    { kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' },
  ],
};
const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'list'] }];

describe('rbac remedy: one text per cause (src/rbac/remedy.ts)', () => {
  it('a subject in another namespace is found, with its role rules, and corrected in place', () => {
    const m = misboundSubjects([binding], [sched], (kind, name, ns) =>
      kind === 'Role' && name === 'launcher-role' && ns === 'airflow' ? rules : undefined,
    );
    assert.equal(m.length, 1);
    assert.equal(m[0].subjectNamespace, 'airflow-staging');
    assert.deepEqual(m[0].roleRules, rules);
    const fixed = correctedBinding(m[0]);
    assert.deepEqual(fixed.metadata, { name: 'launcher', namespace: 'airflow' });
    assert.deepEqual(
      fixed.subjects?.map((s) => `${s.namespace}/${s.name}`),
      ['airflow/airflow-scheduler', 'airflow/airflow-worker'],
    );
  });

  it('a binding that also names the right subject, or another name, is not misbound', () => {
    const both = { ...binding, subjects: [...binding.subjects, { kind: 'ServiceAccount', name: 'airflow-scheduler' }] };
    assert.deepEqual(misboundSubjects([both], [sched]), []);
    assert.deepEqual(misboundSubjects([binding], [{ namespace: 'airflow', name: 'other' }]), []);
  });

  it('deniedRemedy: the misbound cause when there is one, else the grant command', () => {
    const m = misboundSubjects([binding], [sched]);
    assert.match(
      deniedRemedy(sched, ['airflow'], ['kubernetes-executor'], m),
      /^RoleBinding airflow\/launcher binds ServiceAccount "airflow-scheduler" in namespace "airflow-staging", but Airflow runs as airflow\/airflow-scheduler: set the subject's namespace to "airflow"/,
    );
    assert.equal(
      deniedRemedy(sched, ['airflow'], ['kubernetes-executor'], []),
      'grant ServiceAccount airflow/airflow-scheduler the missing permissions in airflow: kubectl airflow rbac -n airflow --sa airflow:airflow-scheduler --profile kubernetes-executor --fix | kubectl apply -f -',
    );
    assert.match(
      grantRemedy(sched, [''], []),
      /in all namespaces: kubectl airflow rbac -n airflow --sa airflow:airflow-scheduler --fix/,
    );
  });

  it('accountRemedies: one per account, its own cause first, --resources cells not named as a profile', () => {
    const cell = (name: string, profiles: string[]) => ({
      account: { namespace: 'airflow', name },
      namespace: 'airflow',
      profiles,
    });
    const out = accountRemedies(
      [cell('a', ['kubernetes-executor']), cell('a', ['extra']), cell('b', ['log-reading'])],
      (acc) => (acc.name === 'b' ? 'fix b' : undefined),
    );
    assert.deepEqual(out, [
      'grant ServiceAccount airflow/a the missing permissions in airflow: kubectl airflow rbac -n airflow --sa airflow:a --profile kubernetes-executor --fix | kubectl apply -f -',
      'fix b',
    ]);
  });

  it('ruleGrants matches groups, resources, subresources and verbs, with *', () => {
    const c = (resource: string, subresource: string, verb: string, group = '') => ({
      group,
      resource,
      subresource,
      verb,
    });
    const table: Array<[typeof rules, ReturnType<typeof c>, boolean]> = [
      [rules, c('pods', '', 'create'), true],
      [rules, c('pods', '', 'delete'), false],
      [rules, c('pods', 'exec', 'create'), false],
      [[{ apiGroups: [''], resources: ['pods/exec'], verbs: ['*'] }], c('pods', 'exec', 'get'), true],
      [[{ apiGroups: ['*'], resources: ['*'], verbs: ['get'] }], c('jobs', '', 'get', 'batch'), true],
      [[{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], c('jobs', '', 'get', 'batch'), false],
    ];
    for (const [r, cell, want] of table) assert.equal(ruleGrants(r, cell), want, JSON.stringify(cell));
  });
});
