// Real kubectl `auth can-i` (with and without --as/--as-group, and --list), forbidden impersonation,
// and SubjectAccessReview reasons, against the sim running scenario rbac-edge-cases. Every expected
// answer is hand-written in test/scenarios/expectations/rbac-edge-cases.yaml.
import assert from 'node:assert/strict';
import { startSim, type Sim } from '../sim/index.ts';
import {
  EXEC_PLUGIN_V1_REFUSED,
  expectation,
  knowsExecPluginV1,
  kubectl,
  kubectls,
  parseTable,
  pool,
  skipWithoutKubectl,
  type Kubectl,
} from './kubectl.ts';
import type { CanI } from '../scenarios/expectations.ts';

const exp = expectation('rbac-edge-cases');
const cases: CanI[] = exp.canI;

function describeCase(c: CanI): string {
  const who = c.as ? `${c.context} as ${c.as}${c.asGroups ? ` (groups ${c.asGroups.join(',')})` : ''}` : c.context;
  const what = `${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.name ? ` ${c.name}` : ''}`;
  return `${who}: ${what} ${c.namespace ? `-n ${c.namespace}` : '(cluster-wide)'} -> ${c.allowed ? 'yes' : 'no'}`;
}

function canIArgs(c: CanI): string[] {
  // kubectl takes a name as resource/name
  const args = ['--context', c.context, 'auth', 'can-i', c.verb, c.name ? `${c.resource}/${c.name}` : c.resource];
  if (c.subresource) args.push('--subresource', c.subresource);
  if (!c.resource.startsWith('/')) args.push(...(c.namespace ? ['-n', c.namespace] : ['-A']));
  if (c.as) args.push(`--as=${c.as}`);
  for (const g of c.asGroups ?? []) args.push(`--as-group=${g}`);
  return args;
}

/** The user and groups the API server sees for a case (what a SubjectAccessReview must name). */
function subjectOf(c: CanI, sim: Sim): { user: string; groups: string[] } {
  if (c.as) {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(c.as);
    if (sa && !c.asGroups)
      return {
        user: c.as,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`, 'system:authenticated'],
      };
    return { user: c.as, groups: [...(c.asGroups ?? []), 'system:authenticated'] };
  }
  const id = sim.scenario.spec.identities.find((i) => i.name === c.context);
  assert.ok(id, `identity ${c.context}`);
  return { user: id.user, groups: [...(id.groups ?? []), 'system:authenticated'] };
}

function sarFor(c: CanI, sim: Sim): object {
  const { user, groups } = subjectOf(c, sim);
  const spec: Record<string, unknown> = { user, groups };
  if (c.resource.startsWith('/')) spec.nonResourceAttributes = { verb: c.verb, path: c.resource };
  else {
    const [resource, ...group] = c.resource.split('.');
    spec.resourceAttributes = {
      verb: c.verb,
      resource,
      group: group.join('.'),
      ...(c.subresource ? { subresource: c.subresource } : {}),
      ...(c.name ? { name: c.name } : {}),
      ...(c.namespace ? { namespace: c.namespace } : {}),
    };
  }
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec };
}

describe('conformance: kubectl auth can-i against rbac-edge-cases', function () {
  // kubectl processes on a shared 2-core machine: generous, never a speed assertion
  this.timeout(180_000);
  let sim: Sim;
  before(async function () {
    skipWithoutKubectl(this);
    sim = await startSim({ scenario: 'rbac-edge-cases' });
  });
  after(async () => {
    await sim?.stop();
  });

  it('finds the kubectl builds to run (1.32 on PATH, oldest and newest beside it)', function () {
    skipWithoutKubectl(this);
    const labels = kubectls().map((k) => k.label);
    console.log(`    kubectl builds: ${labels.join(', ')}`);
    assert.ok(kubectls().length >= 1);
  });

  for (const k of kubectls()) {
    describe(`kubectl ${k.label}`, () => {
      for (const c of cases) {
        it(describeCase(c), async () => {
          const r = await kubectl(k, sim.kubeconfigPath, canIArgs(c));
          if (
            !knowsExecPluginV1(k) &&
            sim.scenario.spec.identities.find((i) => i.name === c.context)?.auth === 'exec'
          ) {
            assert.deepEqual([r.code, r.stdout], [1, '']);
            assert.match(r.stderr, EXEC_PLUGIN_V1_REFUSED);
            return;
          }
          assert.equal(r.stdout.trim(), c.allowed ? 'yes' : 'no', `stdout; stderr: ${r.stderr}`);
          assert.equal(r.code, c.allowed ? 0 : 1, 'exit code');
          assert.doesNotMatch(r.stderr, /error/i);
        });
      }

      for (const l of exp.list as {
        context: string;
        as?: string;
        namespace: string;
        rows: string[][];
        absent?: string[];
      }[]) {
        it(`--list for ${l.as ?? l.context} in ${l.namespace}`, async () => {
          const args = [
            '--context',
            l.context,
            'auth',
            'can-i',
            '--list',
            '-n',
            l.namespace,
            ...(l.as ? [`--as=${l.as}`] : []),
          ];
          const r = await kubectl(k, sim.kubeconfigPath, args);
          assert.equal(r.code, 0, r.stderr);
          const rows = parseTable(r.stdout);
          const header = r.stdout
            .split('\n')[0]
            .trim()
            .split(/\s{2,}/);
          assert.deepEqual(header, ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
          for (const want of l.rows) {
            assert.ok(
              rows.some((row) => row.join('|') === want.join('|')),
              `row ${JSON.stringify(want)} in\n${r.stdout}`,
            );
          }
          for (const res of l.absent ?? []) {
            assert.ok(!rows.some((row) => row[0] === res), `no row for ${res} in\n${r.stdout}`);
          }
        });
      }

      for (const imp of exp.impersonation as { context: string; args: string[]; exitCode: number; stderr: string }[]) {
        it(`forbidden impersonation: ${imp.context} ${imp.args.join(' ')}`, async () => {
          const r = await kubectl(k, sim.kubeconfigPath, ['--context', imp.context, ...imp.args]);
          assert.equal(r.code, imp.exitCode);
          assert.equal(r.stdout, '');
          assert.equal(r.stderr.trim().split('\n').pop(), imp.stderr);
        });
      }
    });
  }

  it('SubjectAccessReviews created by kubectl give the hand-written reasons', async function () {
    skipWithoutKubectl(this);
    const k: Kubectl = kubectls()[0];
    const withReason = cases.filter((c) => c.reason !== undefined && !(c.verb === '*' && c.resource === '*'));
    const docs = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: withReason.map((c) => sarFor(c, sim)) });
    const r = await kubectl(k, sim.kubeconfigPath, ['--context', 'admin', 'create', '-o', 'json', '-f', '-'], docs);
    assert.equal(r.code, 0, r.stderr);
    // kubectl prints one pretty JSON object per created item, back to back
    const answers = JSON.parse(`[${r.stdout.trim().replace(/\}\n\{/g, '},{')}]`);
    assert.equal(answers.length, withReason.length);
    const wrong: string[] = [];
    withReason.forEach((c, i) => {
      const s = answers[i].status;
      if (s.allowed !== c.allowed || (s.reason ?? '') !== c.reason)
        wrong.push(`${describeCase(c)}: got allowed=${s.allowed} reason=${JSON.stringify(s.reason ?? '')}`);
    });
    assert.deepEqual(wrong, []);
  });

  it('kubectl create -f with default (strict) validation accepts reviews and Roles, in every build', async function () {
    skipWithoutKubectl(this);
    // kubectl's validation reads /openapi/v3, /openapi/v2 and lists CRDs for kinds without a PATCH path.
    const sar = JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: 'monitor',
        groups: ['system:authenticated'],
        nonResourceAttributes: { verb: 'get', path: '/metrics' },
      },
    });
    for (const k of kubectls()) {
      const r = await kubectl(k, sim.kubeconfigPath, ['--context', 'admin', 'create', '-o', 'json', '-f', '-'], sar);
      assert.equal(r.code, 0, `${k.label}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).status.allowed, true);
      const role = JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: `validated-${k.minor}`, namespace: 'other' },
        rules: [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }],
      });
      const c = await kubectl(k, sim.kubeconfigPath, ['--context', 'admin', 'create', '-f', '-'], role);
      assert.equal(c.code, 0, `${k.label}: ${c.stderr}`);
      assert.equal(c.stdout.trim(), `role.rbac.authorization.k8s.io/validated-${k.minor} created`);
    }
  });

  it('the auditor may create SubjectAccessReviews; nobody may not (403 with the real message)', async function () {
    skipWithoutKubectl(this);
    const k = kubectls()[0];
    const sar = JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: 'carol',
        groups: ['edge-readers'],
        resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'edge' },
      },
    });
    // --validate=false: for a single review kubectl's validation lists CRDs, which the auditor may not
    // (real kubectl fails the same way against kube-apiserver: 'failed to check CRD ... forbidden').
    const ok = await kubectl(
      k,
      sim.kubeconfigPath,
      ['--context', 'auditor', 'create', '--validate=false', '-o', 'json', '-f', '-'],
      sar,
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).status.allowed, true);
    const no = await kubectl(
      k,
      sim.kubeconfigPath,
      ['--context', 'nobody', 'create', '--validate=false', '-o', 'json', '-f', '-'],
      sar,
    );
    assert.equal(no.code, 1);
    assert.match(
      no.stderr,
      /subjectaccessreviews\.authorization\.k8s\.io is forbidden: User "nobody" cannot create resource "subjectaccessreviews" in API group "authorization\.k8s\.io" at the cluster scope/,
    );
  });

  it('answers many can-i questions concurrently without mixing them up', async function () {
    skipWithoutKubectl(this);
    const k = kubectls()[0];
    const results = await pool(cases, 6, (c) => kubectl(k, sim.kubeconfigPath, canIArgs(c)));
    const wrong = cases.filter((c, i) => results[i].stdout.trim() !== (c.allowed ? 'yes' : 'no')).map(describeCase);
    assert.deepEqual(wrong, []);
  });
});
