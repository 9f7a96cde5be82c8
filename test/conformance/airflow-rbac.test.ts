// The Airflow chart scenarios through real kubectl: every (ServiceAccount, namespace, resource, verb)
// cell of the hand-written expectations asked with `kubectl auth can-i --as=system:serviceaccount:..`
// from the `ops` identity (which may impersonate ServiceAccounts through `edit`), and the granting
// binding checked through SubjectAccessReviews created with `kubectl create`.
import assert from 'node:assert/strict';
import { startSim, type Sim } from '../sim/index.ts';
import { expectation, kubectl, kubectls, pool, skipWithoutKubectl } from './kubectl.ts';

interface Cell {
  sa: string;
  ns: string;
  resource: string;
  subresource?: string;
  verb: string;
  allowed: boolean;
  reason: string;
}

/** Expand an expectations file into one cell per matrix entry; unlisted cells are denied. */
function cells(exp: any): Cell[] {
  const out: Cell[] = [];
  for (const entry of exp.rbac) {
    for (const [res, verbs] of Object.entries(exp.matrix as Record<string, string[]>)) {
      const [resource, subresource] = res.split('/');
      for (const verb of verbs) {
        const grant = (entry.allowed ?? []).find((a: any) => a.resource === res && a.verbs.includes(verb));
        out.push({
          sa: entry.serviceAccount,
          ns: entry.namespace,
          resource,
          subresource,
          verb,
          allowed: !!grant,
          reason: grant?.reason ?? '',
        });
      }
    }
  }
  return out;
}

const label = (c: Cell) =>
  `${c.sa} ${c.verb} ${c.resource}${c.subresource ? '/' + c.subresource : ''} ${c.ns ? `-n ${c.ns}` : '-A'}`;

const SCENARIOS = [
  'official-celery',
  'official-kubernetes-executor',
  'official-kubernetes-executor-broken-rbac',
  'official-multi-namespace',
  'official-multi-namespace-narrowed',
  'official-multi-namespace-cluster-wide',
  'community-chart',
];

for (const name of SCENARIOS) {
  describe(`conformance: Airflow ServiceAccount permissions in ${name}`, function () {
    // kubectl processes on a shared 2-core machine: generous, never a speed assertion
    this.timeout(180_000);
    const exp = expectation(name);
    const all = cells(exp);
    let sim: Sim;
    before(async function () {
      skipWithoutKubectl(this);
      sim = await startSim({ scenario: name });
    });
    after(async () => {
      await sim?.stop();
    });

    it(`the expectations cover ${all.length} cells and every listed ServiceAccount exists`, async function () {
      skipWithoutKubectl(this);
      for (const entry of exp.rbac) {
        const [ns, sa] = entry.serviceAccount.split('/');
        assert.ok(sim.store.get('serviceaccounts', ns, sa), `ServiceAccount ${entry.serviceAccount} in the scenario`);
      }
      assert.ok(all.some((c) => c.allowed) && (name === 'community-chart' || all.some((c) => !c.allowed)));
    });

    // Full matrix with the kubectl on PATH; the broken scenario also with the oldest and newest build.
    const builds = name.endsWith('broken-rbac') ? kubectls() : kubectls().slice(0, 1);
    for (const k of builds) {
      it(`kubectl ${k.label}: auth can-i --as each ServiceAccount answers as expected`, async () => {
        const results = await pool(all, 6, (c) =>
          kubectl(k, sim.kubeconfigPath, [
            '--context',
            'ops',
            'auth',
            'can-i',
            c.verb,
            c.resource,
            ...(c.subresource ? ['--subresource', c.subresource] : []),
            // namespace '' is a cluster-wide question: kubectl asks it with -A (an empty -n means the context's)
            ...(c.ns ? ['-n', c.ns] : ['-A']),
            `--as=system:serviceaccount:${c.sa.replace('/', ':')}`,
          ]),
        );
        const wrong = all.flatMap((c, i) => {
          const r = results[i];
          const want = c.allowed ? 'yes' : 'no';
          return r.stdout.trim() === want && r.code === (c.allowed ? 0 : 1)
            ? []
            : [`${label(c)}: want ${want}, got ${JSON.stringify(r.stdout.trim())} exit ${r.code} ${r.stderr.trim()}`];
        });
        assert.deepEqual(wrong, []);
      });
    }

    it('SubjectAccessReviews name the hand-derived binding for every allowed cell', async function () {
      skipWithoutKubectl(this);
      const items = all.map((c) => {
        const ns = c.sa.split('/')[0];
        return {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: `system:serviceaccount:${c.sa.replace('/', ':')}`,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
            resourceAttributes: {
              verb: c.verb,
              resource: c.resource,
              namespace: c.ns,
              ...(c.subresource ? { subresource: c.subresource } : {}),
            },
          },
        };
      });
      const r = await kubectl(
        kubectls()[0],
        sim.kubeconfigPath,
        ['--context', 'auditor', 'create', '-o', 'json', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
      );
      assert.equal(r.code, 0, r.stderr);
      const answers = JSON.parse(`[${r.stdout.trim().replace(/\}\n\{/g, '},{')}]`);
      assert.equal(answers.length, all.length);
      const wrong = all.flatMap((c, i) => {
        const s = answers[i].status;
        return s.allowed === c.allowed && (s.reason ?? '') === c.reason
          ? []
          : [`${label(c)}: got allowed=${s.allowed} reason=${JSON.stringify(s.reason ?? '')}`];
      });
      assert.deepEqual(wrong, []);
    });
  });
}
