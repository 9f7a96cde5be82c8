// The rules-review shortcut must never read a rule as broader than the server means. Every
// name-less ServiceAccount question of the hand-checked rbac-edge-cases expectations (wildcards,
// */exec, pods/*, resourceNames, RoleBinding to ClusterRole, group subjects) is asked twice: once
// answered from SelfSubjectRulesReviews alone, once by access reviews; both must equal the expectation.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as YAML from 'yaml';
import { connect, type Connection } from '../../src/kube/connection.ts';
import { reviewCells } from '../../src/rbac/ask.ts';
import { parseResource } from '../../src/rbac/required.ts';
import { cellKey, type Cell } from '../../src/rbac/types.ts';
import { startSim, type Sim } from '../sim/index.ts';
import type { CanI } from '../scenarios/expectations.ts';

const exp = YAML.parse(
  readFileSync(new URL('../scenarios/expectations/rbac-edge-cases.yaml', import.meta.url), 'utf8'),
) as { canI: CanI[] };
const questions = exp.canI.filter(
  (q) =>
    q.context === 'admin' &&
    q.as?.startsWith('system:serviceaccount:') &&
    !q.asGroups &&
    !q.name &&
    q.namespace &&
    q.verb !== '*' &&
    q.resource !== '*' &&
    !q.resource.startsWith('/'),
);

function toCell(q: CanI): Cell {
  const [, , namespace, name] = q.as!.split(':');
  const r = parseResource(q.resource);
  return {
    account: { namespace, name },
    namespace: q.namespace!,
    group: r.group,
    resource: r.resource,
    subresource: q.subresource ?? r.subresource,
    verb: q.verb,
  };
}

describe('rbac e2e: rule edge cases (rbac-edge-cases expectations)', function () {
  this.timeout(60_000);
  let sim: Sim;
  let conn: Connection;
  before(async () => {
    sim = await startSim({ scenario: 'rbac-edge-cases' });
    conn = await connect({ kubeconfig: sim.kubeconfigPath, context: 'admin' }, { env: {} });
  });
  after(async () => {
    conn?.close();
    await sim?.stop();
  });

  it(`has enough questions to mean something (${questions.length})`, () => {
    assert.ok(questions.length >= 25, `${questions.length} questions`);
    assert.ok(
      questions.some((q) => q.subresource === 'exec') &&
        questions.some((q) => !q.allowed) &&
        questions.some((q) => q.allowed),
    );
  });

  it('answers from the rules reviews alone equal the expectations', async () => {
    const cells = questions.map(toCell);
    sim.log.reset();
    const r = await reviewCells(conn, cells, { isRequired: () => false });
    assert.equal(
      sim.log.count((e) => e.path.endsWith('/selfsubjectaccessreviews')),
      0,
      'no access review was needed',
    );
    const wrong = questions.filter((q, i) => r.answers.get(cellKey(cells[i]))!.allowed !== q.allowed);
    assert.deepEqual(
      wrong.map(
        (q) =>
          `${q.as} ${q.verb} ${q.resource}${q.subresource ? '/' + q.subresource : ''} -n ${q.namespace}: expected ${q.allowed}`,
      ),
      [],
    );
  });

  it('answers and reasons from access reviews equal the expectations', async () => {
    const cells = questions.map(toCell);
    const r = await reviewCells(conn, cells, { isRequired: () => true, wantReason: () => true });
    questions.forEach((q, i) => {
      const a = r.answers.get(cellKey(cells[i]))!;
      const what = `${q.as} ${q.verb} ${q.resource}${q.subresource ? '/' + q.subresource : ''} -n ${q.namespace}`;
      assert.equal(a.allowed, q.allowed, what);
      assert.equal(a.source, 'SelfSubjectAccessReview', what);
      if (q.reason !== undefined) assert.equal(a.reason, q.reason, what);
    });
  });
});
