// Bad input and refusals found by probing the plugin: each one line on stderr, the documented exit
// code, no stack, and advice that names only flags the command takes.
import { strict as assert } from 'node:assert';
import { runMain, withSim, type Run } from './harness.ts';

function oneLine(r: Run, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.err + r.out);
  assert.equal(r.out, '');
  assert.equal(r.err.split('\n').length, 2, r.err);
  assert.match(r.err, re);
  assert.doesNotMatch(r.err, /internal error|\n\s+at /);
}

const COMMANDS = [['doctor'], ['rbac'], ['net', 'airflow-scheduler-5d8c9f7b6-x7k2p'], ['ha'], ['config']];

describe('bad input: one line, the right exit code', function () {
  this.timeout(60_000);
  withSim('official-kubernetes-executor', (sim) => {
    const kc = () => ['--kubeconfig', sim().kubeconfigPath];

    it('--server without a scheme is https (as kubectl): it is dialled, not an internal error', async () => {
      const r = await runMain(['rbac', ...kc(), '-s', '127.0.0.1:1']);
      oneLine(r, 3, /^kubectl-airflow: cannot reach the API server at https:\/\/127\.0\.0\.1:1: /);
      const ok = await runMain(['rbac', ...kc(), '-s', sim().url.replace('https://', ''), '-o', 'json']);
      assert.equal(ok.code, 0, ok.err);
    });

    for (const [server, re] of [
      ['not a url', /^kubectl-airflow: --server "not a url" is not an API server address: give https:\/\/HOST:PORT\n$/],
      ['ftp://x', /^kubectl-airflow: --server "ftp:\/\/x" uses ftp: the API server speaks https/],
    ] as const) {
      it(`--server ${JSON.stringify(server)}: usage error (exit 2) for every command`, async () => {
        for (const c of COMMANDS) oneLine(await runMain([...c, ...kc(), '-s', server]), 2, re);
      });
    }

    it('a newline in --as, --as-group, --as-uid or --token: usage error naming the flag, the token never shown', async () => {
      oneLine(await runMain(['rbac', ...kc(), '--as', 'a\nb']), 2, /^kubectl-airflow: --as "a\\nb" contains a newline/);
      oneLine(
        await runMain(['rbac', ...kc(), '--as', 'a', '--as-group', 'g\n']),
        2,
        /^kubectl-airflow: --as-group "g\\n" contains a newline/,
      );
      oneLine(
        await runMain(['rbac', ...kc(), '--as', 'a', '--as-uid', '1\r2']),
        2,
        /^kubectl-airflow: --as-uid "1\\r2" contains a newline/,
      );
      const t = await runMain(['rbac', ...kc(), '--token', 'SeCrEt\nx']);
      oneLine(t, 2, /^kubectl-airflow: --token contains a newline/);
      assert.ok(!t.err.includes('SeCrEt'));
    });

    it('--as refused by the server: every command exits 3 with the refusal (ha no longer turns it into SKIPs and exit 0)', async () => {
      for (const c of COMMANDS) {
        oneLine(
          await runMain([...c, ...kc(), '--context', 'ops', '--as', 'mallory']),
          3,
          /^kubectl-airflow: the API server refused to let you act as "mallory" \(--as\): users "mallory" is forbidden: User "ops" cannot impersonate/,
        );
      }
    });

    it("a flag given twice takes its last value (kubectl's pflag); --as-group still repeats", async () => {
      const twice = await runMain([
        'rbac',
        ...kc(),
        '--request-timeout',
        'nonsense',
        '--request-timeout',
        '20s',
        '-o',
        'json',
      ]);
      assert.equal(twice.code, 0, twice.err);
      sim().log.reset();
      const r = await runMain([
        'ha',
        ...kc(),
        '--as',
        'someone',
        '--as',
        'kubernetes-admin',
        '--as-group',
        'a',
        '--as-group',
        'system:masters',
        '-o',
        'json',
      ]);
      assert.equal(r.code, 0, r.err);
      const e = sim().log.entries[0];
      assert.equal(e.headers['impersonate-user'], 'kubernetes-admin');
      assert.deepEqual([e.headers['impersonate-group']].flat().join(',').split(/,\s*/), ['a', 'system:masters']);
    });

    it('no release in the namespace: the advice names only flags the command takes (--sa for rbac alone)', async () => {
      const rbac = await runMain(['rbac', ...kc(), '-n', 'default']);
      oneLine(rbac, 2, /: pass -n <namespace>, or --sa NS:NAME\n$/);
      const config = await runMain(['config', ...kc(), '-n', 'default']);
      oneLine(config, 2, /: pass -n <namespace>\n$/);
      const doctor = await runMain(['doctor', ...kc(), '-n', 'default']);
      assert.equal(doctor.code, 1);
      assert.doesNotMatch(doctor.out, /--sa/);
      // the flag rbac suggests works there
      const sa = await runMain(['rbac', ...kc(), '-n', 'default', '--sa', 'airflow:airflow-worker', '-o', 'json']);
      assert.ok([0, 1].includes(sa.code), sa.err);
    });
  });
});
