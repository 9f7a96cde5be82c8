// reviewCells against a scripted server: which review answers which cell (no real API server here;
// the e2e tests run the same code against the simulator).
import { strict as assert } from 'node:assert';
import type { Connection, KubeRequest, KubeResponse } from '../../src/kube/connection.ts';
import { reviewCells } from '../../src/rbac/ask.ts';
import { ClusterError } from '../../src/base/errors.ts';
import { cellKey, type Cell } from '../../src/rbac/types.ts';

interface Script {
  rules?: { resourceRules: unknown[]; incomplete?: boolean } | number;
  ssar?: (body: {
    spec: { resourceAttributes: { verb: string; resource: string; subresource?: string } };
  }) => { allowed: boolean; reason?: string } | number;
  sar?: (body: { spec: { user: string; groups: string[] } }) => { allowed: boolean } | number;
}

function fakeConn(script: Script) {
  const calls: Array<{ kind: string; impersonate?: unknown }> = [];
  const forbiddenImpersonation = {
    kind: 'Status',
    code: 403,
    message:
      'serviceaccounts "w" is forbidden: User "u" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "airflow"',
  };
  const conn = {
    async send<T>(req: KubeRequest): Promise<KubeResponse<T>> {
      const kind = req.path.split('/').pop()!;
      calls.push({ kind, impersonate: req.impersonate });
      const reply = (status: number, body: unknown) => ({ status, body: body as T, headers: {} });
      if (kind === 'selfsubjectrulesreviews') {
        if (typeof script.rules === 'number')
          return reply(script.rules, script.rules === 403 ? forbiddenImpersonation : {});
        return reply(201, { status: script.rules ?? { resourceRules: [] } });
      }
      if (kind === 'selfsubjectaccessreviews') {
        const a = script.ssar!(req.body as never);
        return typeof a === 'number' ? reply(a, a === 403 ? forbiddenImpersonation : {}) : reply(201, { status: a });
      }
      const a = script.sar!(req.body as never);
      return typeof a === 'number'
        ? reply(a, { message: 'subjectaccessreviews is forbidden' })
        : reply(201, { status: a });
    },
  } as unknown as Connection;
  return { conn, calls };
}

const account = { namespace: 'airflow', name: 'w' };
const cell = (verb: string, resource: string, subresource = ''): Cell => ({
  account,
  namespace: 'airflow',
  group: '',
  resource,
  subresource,
  verb,
});
const cells = [cell('get', 'pods'), cell('create', 'pods'), cell('get', 'pods', 'exec'), cell('list', 'events')];
const required = new Set([cellKey(cells[0]), cellKey(cells[1]), cellKey(cells[2])]);
const allowedBy = (c: Cell, ans: Map<string, { allowed: boolean; source: string }>) => ans.get(cellKey(c))!;

describe('access reviews: which request answers which cell', () => {
  it('one rules review per account and namespace; required denials confirmed by SSAR; others trusted', async () => {
    const { conn, calls } = fakeConn({
      rules: { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
      ssar: (b) => ({ allowed: b.spec.resourceAttributes.verb === 'create', reason: 'webhook said yes' }),
    });
    const r = await reviewCells(conn, cells, { isRequired: (c) => required.has(cellKey(c)) });
    assert.equal(r.mode, 'impersonation');
    assert.deepEqual(calls.map((c) => c.kind).sort(), [
      'selfsubjectaccessreviews',
      'selfsubjectaccessreviews',
      'selfsubjectrulesreviews',
    ]);
    assert.ok(
      calls.every((c) => JSON.stringify(c.impersonate) === JSON.stringify({ user: 'system:serviceaccount:airflow:w' })),
    );
    assert.deepEqual(
      cells.map((c) => [allowedBy(c, r.answers).allowed, allowedBy(c, r.answers).source]),
      [
        [true, 'SelfSubjectRulesReview'],
        // the rules said no, the access review (a webhook) says yes: the server's answer wins
        [true, 'SelfSubjectAccessReview'],
        [false, 'SelfSubjectAccessReview'],
        [false, 'SelfSubjectRulesReview'],
      ],
    );
  });

  it('onRequiredDenial: each required cell the rules do not allow, before its confirmation is sent', async () => {
    const { conn, calls } = fakeConn({
      rules: { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] },
      ssar: () => ({ allowed: false }),
    });
    const told: Array<{ cell: string; sentBefore: number }> = [];
    await reviewCells(conn, cells, {
      isRequired: (c) => required.has(cellKey(c)),
      onRequiredDenial: (c) =>
        told.push({
          cell: `${c.verb} ${c.resource}${c.subresource ? '/' + c.subresource : ''}`,
          sentBefore: calls.filter((x) => x.kind === 'selfsubjectaccessreviews').length,
        }),
    });
    // get pods is allowed by the rules; list events is denied but nobody requires it
    assert.deepEqual(told.map((t) => t.cell).sort(), ['create pods', 'get pods/exec']);
    // each told before its own confirmation went out (so the caller's reads join the same round trip)
    assert.deepEqual(
      told.map((t) => t.sentBefore),
      [0, 1],
    );
  });

  it('onRequiredDenial is not called without a rules review to go by (cluster-wide cells)', async () => {
    const { conn } = fakeConn({ ssar: () => ({ allowed: false }) });
    let told = 0;
    await reviewCells(conn, [{ ...cells[0], namespace: '*' }], {
      isRequired: () => true,
      onRequiredDenial: () => told++,
    });
    assert.equal(told, 0);
  });

  it('an incomplete rules review sends every uncovered cell to an access review', async () => {
    const { conn, calls } = fakeConn({
      rules: { resourceRules: [], incomplete: true },
      ssar: () => ({ allowed: false }),
    });
    await reviewCells(conn, cells, { isRequired: (c) => required.has(cellKey(c)) });
    assert.equal(calls.filter((c) => c.kind === 'selfsubjectaccessreviews').length, 4);
  });

  it('reasons on request: allowed cells get an access review too', async () => {
    const { conn } = fakeConn({
      rules: { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] },
      ssar: () => ({
        allowed: true,
        reason: 'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to ServiceAccount "w/airflow"',
      }),
    });
    const r = await reviewCells(conn, cells, { wantReason: () => true });
    assert.ok(cells.every((c) => r.answers.get(cellKey(c))!.reason.startsWith('RBAC: allowed by')));
  });

  it('cluster-wide cells skip the (namespaced) rules review', async () => {
    const { conn, calls } = fakeConn({ ssar: () => ({ allowed: true }) });
    await reviewCells(conn, [{ ...cells[0], namespace: '*' }], {});
    assert.deepEqual(
      calls.map((c) => c.kind),
      ['selfsubjectaccessreviews'],
    );
  });

  it('impersonation forbidden -> SubjectAccessReview with the three ServiceAccount groups', async () => {
    const seen: string[][] = [];
    const { conn } = fakeConn({ rules: 403, sar: (b) => (seen.push(b.spec.groups), { allowed: true }) });
    const r = await reviewCells(conn, cells, {});
    assert.equal(r.mode, 'subject-access-review');
    assert.equal(r.answers.size, cells.length);
    assert.deepEqual(seen[0], ['system:serviceaccounts', 'system:serviceaccounts:airflow', 'system:authenticated']);
  });

  it('neither -> a forbidden ClusterError naming both permissions', async () => {
    const { conn } = fakeConn({ rules: 403, sar: () => 403 });
    await assert.rejects(
      reviewCells(conn, cells, {}),
      (e: unknown) =>
        e instanceof ClusterError &&
        e.kind === 'forbidden' &&
        /impersonate.*serviceaccounts in namespace airflow.*subjectaccessreviews/.test(e.message),
    );
  });
});
