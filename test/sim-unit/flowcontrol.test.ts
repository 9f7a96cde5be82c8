// The default APF objects the sim serves: each FlowSchema names a served priority level, precedences
// as bootstrap/default.go sets them, and only for servers that serve flowcontrol v1 (1.29+).
import assert from 'node:assert/strict';
import { defaultFlowControlObjects } from '../sim/flowcontrol.ts';
import { populateStore } from '../sim/index.ts';
import { parseScenario } from '../sim/scenario.ts';
import { Store } from '../sim/store.ts';

const scenario = (version: string) =>
  parseScenario(`apiVersion: sim.kubectl-airflow.dev/v1alpha1
kind: Scenario
metadata: {name: t}
spec: {kubernetesVersion: ${version}, identities: [{name: admin, user: admin, groups: ['system:masters'], auth: clientCertificate}]}
`);

describe('sim: default flowcontrol objects', () => {
  const objects = defaultFlowControlObjects();
  const levels = new Set(objects.filter((o) => o.kind === 'PriorityLevelConfiguration').map((o) => o.metadata.name));
  const schemas = objects.filter((o) => o.kind === 'FlowSchema');

  it('every FlowSchema names a priority level that exists', () => {
    for (const fs of schemas) assert.ok(levels.has((fs.spec as any).priorityLevelConfiguration.name), fs.metadata.name);
  });

  it('ServiceAccounts outside kube-system land in service-accounts -> workload-low (100 shares)', () => {
    const fs = schemas.find((o) => o.metadata.name === 'service-accounts')!;
    assert.equal((fs.spec as any).matchingPrecedence, 9000);
    assert.deepEqual((fs.spec as any).rules[0].subjects, [
      { kind: 'Group', group: { name: 'system:serviceaccounts' } },
    ]);
    const pl = objects.find((o) => o.kind === 'PriorityLevelConfiguration' && o.metadata.name === 'workload-low')!;
    assert.equal((pl.spec as any).limited.nominalConcurrencyShares, 100);
  });

  it('is served from 1.29 only', () => {
    const s29 = new Store();
    populateStore(s29, scenario('v1.29.0'), 'ca');
    assert.equal(s29.all('flowschemas').length, schemas.length);
    const s28 = new Store();
    populateStore(s28, scenario('v1.28.0'), 'ca');
    assert.equal(s28.all('flowschemas').length, 0);
  });
});
