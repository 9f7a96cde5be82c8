import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { main, type IO } from '../../src/cli/main.ts';

export function captureIO(env: NodeJS.ProcessEnv = {}): IO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  const stderr = new Writable({ write(c, _e, cb) { err += String(c); cb(); } });
  return { stdout, stderr, env, out: () => out, err: () => err };
}

describe('main()', () => {
  it('--help prints usage with examples and exits 0', async () => {
    const io = captureIO();
    assert.equal(await main(['--help'], io), 0);
    assert.match(io.out(), /Examples:/);
    assert.match(io.out(), /--kubeconfig/);
    assert.match(io.out(), /rbac/);
    assert.equal(io.err(), '');
  });
  it('--help lists the commands in the order a user debugs: doctor first, housekeeping last', async () => {
    const io = captureIO();
    assert.equal(await main(['--help'], io), 0);
    const section = io.out().split('Commands:\n')[1]!.split('\n\n')[0]!;
    const listed = [...section.matchAll(/^  kubectl airflow (\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(listed, ['doctor', 'rbac', 'net', 'ha', 'config', 'version', 'completion']);
  });
  it("README's command table lists the commands in the same order", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.split('## Commands')[1]!.split('\n\n')[1]!;
    const rows = [...table.matchAll(/^\| `kubectl airflow (\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(rows, ['doctor', 'rbac', 'net', 'ha', 'config', 'version']);
    assert.match(table, /`kubectl airflow version`, `completion`/);
  });
  for (const [argv, re] of [
    [['bogus'], /^kubectl-airflow: Unknown argument: bogus/],
    [['rbac', '--nope'], /^kubectl-airflow: Unknown argument: nope/],
    [[], /^kubectl-airflow: a command is required/],
    [['rbac', '-n'], /^kubectl-airflow: Not enough arguments following: n/],
    [['rbac', '-o', 'xml'], /^kubectl-airflow: unknown output format "xml"/],
  ] as Array<[string[], RegExp]>) {
    it(`usage error ${JSON.stringify(argv)} -> one line, exit 2`, async () => {
      const io = captureIO();
      assert.equal(await main(argv, io), 2);
      assert.match(io.err(), re);
      assert.equal(io.err().trim().split('\n').length, 1);
    });
  }
  it('a missing kubeconfig is one line and no stack trace', async () => {
    const io = captureIO({ KUBECONFIG: '/nonexistent/kubeconfig' });
    const code = await main(['rbac'], io);
    assert.ok(code === 2 || code === 3, `exit ${code}`);
    assert.equal(io.err().trim().split('\n').length, 1, io.err());
    assert.doesNotMatch(io.err(), /\n\s+at /);
  });
  it('-v adds the stack trace', async () => {
    const io = captureIO({ KUBECONFIG: '/nonexistent/kubeconfig' });
    await main(['rbac', '-v'], io);
    assert.match(io.err(), /\n\s+at /);
  });
});

describe('verbosity flags as kubectl spells them', () => {
  it('-v=6, --v=6 and -v 6 become a count; -v=0 is none', async () => {
    const { normalizeVerbosity } = await import('../../src/cli/main.ts');
    assert.deepEqual(normalizeVerbosity(['rbac', '-v=3']), ['rbac', '-vvv']);
    assert.deepEqual(normalizeVerbosity(['--v=2', 'rbac']), ['-vv', 'rbac']);
    assert.deepEqual(normalizeVerbosity(['rbac', '-v', '2', '-n', 'x']), ['rbac', '-vv', '-n', 'x']);
    assert.deepEqual(normalizeVerbosity(['rbac', '-v=0']), ['rbac']);
    assert.deepEqual(normalizeVerbosity(['rbac', '-v', '-n', '5']), ['rbac', '-v', '-n', '5']);
  });
  it('-v 6 is accepted by the parser (not an unknown argument)', async () => {
    const io = captureIO({ KUBECONFIG: '/nonexistent/kubeconfig' });
    await main(['rbac', '-v', '6'], io);
    assert.doesNotMatch(io.err(), /Unknown argument/);
    assert.match(io.err(), /\n\s+at /);
  });
});
