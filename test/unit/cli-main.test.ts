import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { COMMANDS, main, type IO } from '../../src/cli/main.ts';
import { GLOBAL_FLAGS } from '../../src/cli/flags.ts';

export function captureIO(env: NodeJS.ProcessEnv = {}): IO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new Writable({
    write(c, _e, cb) {
      out += String(c);
      cb();
    },
  });
  const stderr = new Writable({
    write(c, _e, cb) {
      err += String(c);
      cb();
    },
  });
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
    assert.deepEqual(listed, ['doctor', 'rbac', 'net', 'ha', 'admission', 'config', 'version', 'completion']);
  });
  it("README's command table lists the commands in the same order", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.split('## Commands')[1]!.split('\n\n')[1]!;
    const rows = [...table.matchAll(/^\| `kubectl airflow (\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(rows, ['doctor', 'rbac', 'net', 'ha', 'admission', 'config', 'version']);
    assert.match(table, /`kubectl airflow version`, `completion`/);
  });
  it('-h is --help, at top level and for every command (kubectl get -h)', async () => {
    for (const argv of [[], ...COMMANDS.map((c) => [c.name]), ['net', '-n', 'airflow', 'pod-a']]) {
      const short = captureIO();
      const long = captureIO();
      assert.equal(await main([...argv, '-h'], short), 0, JSON.stringify(argv));
      assert.equal(await main([...argv, '--help'], long), 0);
      assert.equal(short.err(), '');
      assert.match(short.out(), /^kubectl airflow /);
      assert.equal(short.out(), long.out(), JSON.stringify(argv));
      assert.match(short.out(), /^ {2}-h, --help {2}Show help/m);
    }
  });
  describe("a command's help: its own flags first, then the global kubectl flags", () => {
    const spell = (k: string) => (k.length === 1 ? `-${k} ` : `--${k} `);
    const section = (text: string, title: string) => {
      const start = text.indexOf(`\n${title}\n`);
      return start < 0 ? undefined : text.slice(start + 1).split('\n\n')[0]!;
    };
    const globals = GLOBAL_FLAGS.map((f) => f.name);
    for (const cmd of COMMANDS) {
      const name = cmd.name;
      it(name, async () => {
        assert.equal(globals.length, 17);
        const io = captureIO();
        assert.equal(await main([name, '--help'], io), 0);
        const text = io.out();
        const positionals = (cmd.positionals ?? []).map((p) => p.name);
        const own = (cmd.flags ?? []).map((f) => f.name).filter((k) => !positionals.includes(k));
        const ownSection = section(text, `${name} flags:`);
        const globalSection = section(text, 'Global kubectl flags:')!;
        if (own.length === 0) assert.equal(ownSection, undefined, text);
        else {
          assert.ok(ownSection, `no "${name} flags:" group:\n${text}`);
          assert.ok(text.indexOf(ownSection) < text.indexOf(globalSection), 'own flags come before the global ones');
          for (const k of own) assert.ok(ownSection.includes(spell(k)), `${k} not in ${name}'s group`);
          for (const k of globals) assert.ok(!ownSection.includes(spell(k)), `global ${k} in ${name}'s group`);
          for (const p of positionals) assert.ok(!ownSection.includes(spell(p!)), `positional ${p} listed as a flag`);
        }
        for (const k of globals) assert.ok(globalSection.includes(spell(k)), `global ${k} missing`);
        // descriptions kept: each flag's line begins its own description
        const words = (flags: ReadonlyArray<{ name: string; describe: string }>, k: string) => {
          const w = (flags.find((f) => f.name === k)?.describe ?? '').split(/\s+/).slice(0, 4).join(' ');
          assert.ok(w, `${k} has no description`);
          return w;
        };
        const lineOf = (sec: string, k: string) =>
          sec.split('\n').find((l) => new RegExp(`(^|[ ,])${spell(k)}`).test(l + ' ')) ?? '';
        for (const k of own)
          assert.ok(
            lineOf(ownSection!, k)
              .replace(/\s+/g, ' ')
              .includes(words(cmd.flags ?? [], k)),
            `${k}'s description`,
          );
        for (const k of globals)
          assert.ok(
            lineOf(globalSection, k).replace(/\s+/g, ' ').includes(words(GLOBAL_FLAGS, k)),
            `${k}'s description`,
          );
        const options = section(text, 'Options:') ?? '';
        assert.doesNotMatch(options, /--(?!help\b)[\w-]+ /, `a flag left under Options:\n${options}`);
      });
    }
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
