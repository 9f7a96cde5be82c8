// `kubectl airflow rbac` against the simulated API server, in-process, for every built-in rbac
// scenario: the verdicts must equal the hand-checked expectations in test/scenarios/expectations/.
import { strict as assert } from 'node:assert';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { assertCellsMatch, captureIO, expand, label, loadExpectation, type CheckRecord } from './rbac-helpers.ts';

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
  describe(`rbac e2e: ${name}`, () => {
    const exp = loadExpectation(name);
    let sim: Sim;
    before(async () => {
      sim = await startSim({ scenario: name });
    });
    after(async () => sim?.stop());

    it(`verdicts equal the hand-checked expectations (exit ${exp.rbacExitCode})`, async () => {
      const io = captureIO();
      const code = await main(
        ['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', exp.release.namespace, '-o', 'json'],
        io,
      );
      assert.equal(io.err(), '');
      const doc = JSON.parse(io.out()) as {
        release: { name: string; chart: string };
        executor: string;
        checks: CheckRecord[];
        summary: { missing: number };
      };
      assert.equal(doc.release.name, exp.release.name);
      assert.equal(doc.release.chart, exp.release.chart);
      assert.equal(doc.executor, exp.release.executor);
      const matrix = Object.entries(exp.matrix)
        .flatMap(([r, verbs]) => verbs.map((v) => `${r} ${v}`))
        .sort();
      for (const entry of exp.rbac) {
        const subject = `system:serviceaccount:${entry.serviceAccount.replace('/', ':')}`;
        const cells = doc.checks.filter((c) => c.subject === subject && c.namespace === entry.namespace);
        if (cells.length === 0) {
          // an account the release's pods do not use (statsd): it must hold nothing, checked directly below
          assert.deepEqual(
            [expand(entry.allowed), expand(entry.missing)],
            [[], []],
            `${entry.serviceAccount} in ${entry.namespace} was not checked`,
          );
          continue;
        }
        const where = `${entry.serviceAccount} in ${entry.namespace}`;
        assertCellsMatch(cells, entry, matrix);
        for (const a of entry.allowed ?? []) {
          for (const v of a.verbs) {
            const c = cells.find((x) => label(x) === `${a.resource} ${v}`)!;
            if (a.reason) assert.equal(c.reason, a.reason, `${where}: reason for ${a.resource} ${v}`);
            assert.ok(c.via, `${where}: via for ${a.resource} ${v}`);
          }
        }
      }
      const expectedSubjects = new Set(
        exp.rbac.map((e) => `system:serviceaccount:${e.serviceAccount.replace('/', ':')}|${e.namespace}`),
      );
      const extra = [...new Set(doc.checks.map((c) => `${c.subject}|${c.namespace}`))].filter(
        (k) => !expectedSubjects.has(k),
      );
      assert.deepEqual(extra, [], 'no account/namespace beyond the expectation');
      assert.equal(code, exp.rbacExitCode);
      assert.equal(doc.summary.missing > 0, exp.rbacExitCode === 1);
    });

    const unchecked = exp.rbac.filter((e) => !(e.allowed ?? []).length && !e.missing.length);
    if (unchecked.length) {
      it('accounts without pods hold nothing (checked with --sa)', async () => {
        for (const e of unchecked) {
          const io = captureIO();
          const code = await main(
            [
              'rbac',
              '--kubeconfig',
              sim.kubeconfigPath,
              '-n',
              exp.release.namespace,
              '--sa',
              e.serviceAccount.replace('/', ':'),
              '--profile',
              'kubernetes-pod-operator',
              '--profile',
              'log-reading',
              '-o',
              'json',
            ],
            io,
          );
          const doc = JSON.parse(io.out()) as { checks: CheckRecord[] };
          const mine = doc.checks.filter((c) => c.namespace === e.namespace);
          assert.ok(mine.length > 0, `${e.serviceAccount}: no checks in ${e.namespace}`);
          assert.deepEqual(mine.filter((c) => c.allowed).map(label), [], `${e.serviceAccount} in ${e.namespace}`);
          // the launching profile is required where Airflow launches pods: an account holding nothing anywhere fails it
          const summary = (doc as unknown as { summary: { missing: number } }).summary;
          assert.equal(code, summary.missing > 0 ? 1 : 0);
          if (doc.checks.every((c) => !c.allowed))
            assert.equal(code, 1, `${e.serviceAccount} holds nothing, yet passed`);
        }
      });
    }

    it('the table names every account and the verdict', async () => {
      const io = captureIO();
      const code = await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', exp.release.namespace], io);
      assert.equal(code, exp.rbacExitCode);
      for (const e of exp.rbac)
        if ((e.allowed ?? []).length || e.missing.length)
          assert.match(io.out(), new RegExp(`ServiceAccount ${e.serviceAccount}\\b`));
      assert.match(
        io.out(),
        exp.rbacExitCode ? /required permissions missing/ : /all \d+ required permissions granted/,
      );
      assert.doesNotMatch(io.out(), /\x1b\[/, 'no colour when stdout is not a TTY');
    });

    it('an account nothing is required of and nothing granted: its header line alone, saying what it was checked for; -o wide keeps the table, -o json its checks', async function () {
      const json = captureIO();
      await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', exp.release.namespace, '-o', 'json'], json);
      const checks = (JSON.parse(json.out()) as { checks: CheckRecord[] }).checks;
      const blocks = new Map<string, CheckRecord[]>();
      for (const c of checks)
        blocks.set(`${c.subject}|${c.namespace}`, [...(blocks.get(`${c.subject}|${c.namespace}`) ?? []), c]);
      const idle = [...blocks.values()].filter((cs) => cs.every((c) => !c.required && !c.allowed));
      if (name === 'official-kubernetes-executor')
        assert.deepEqual(
          idle.map((cs) => cs[0].subject),
          ['system:serviceaccount:airflow:airflow-dag-processor'],
        );
      if (!idle.length) {
        console.log(`        skipped: every account of ${name} has something required or granted`);
        this.skip();
      }
      const table = captureIO();
      await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', exp.release.namespace], table);
      const wide = captureIO();
      await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', exp.release.namespace, '-o', 'wide'], wide);
      for (const cs of idle) {
        const sa = cs[0].subject.replace(/^system:serviceaccount:(.*):(.*)$/, '$1/$2');
        const where = cs[0].namespace ? `namespace ${cs[0].namespace}` : 'cluster-wide';
        const resources = [
          ...new Set(cs.map((c) => (c.subresource ? `${c.resource}/${c.subresource}` : c.resource))),
        ].join(', ');
        const header = new RegExp(`^ServiceAccount ${sa} (\\([^)]*\\) )?in ${where}: `, 'm');
        const block = (out: string) => out.slice(out.search(header)).split('\n\n')[0];
        assert.equal(block(table.out()).split('\n').length, 1, `${sa}: one line, no table`);
        assert.ok(
          block(table.out()).endsWith(
            `: nothing required; checked for ${resources} (${cs.length} permissions): none granted (-o wide shows the table)`,
          ),
          block(table.out()),
        );
        assert.match(block(wide.out()), /: nothing required\nRESOURCE +GET/, `${sa}: -o wide keeps the table`);
      }
    });
  });
}
