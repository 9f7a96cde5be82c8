// The executable's start-up fast path (src/cli/fast.ts): `--help`, `-h`, no arguments and `version`
// answered without loading yargs or a command. What it prints must be exactly what main() (yargs)
// prints now, at every terminal width it claims, and the bundle must really answer from the
// replies embedded at build time (and fall back to main() for anything else).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { FAST_ARGVS, FAST_WIDTHS, fastMain, replyFor, type Replies } from '../../src/cli/fast.ts';
import { build, recordReplies } from '../../scripts/build.ts';
import { tempDir } from '../bench/binary.ts';

async function viaMain(argv: string[], columns?: number) {
  let stdout = '';
  let stderr = '';
  const out = new Writable({ write(c, _e, cb) { stdout += String(c); cb(); } }) as Writable & { columns?: number };
  if (columns !== undefined) out.columns = columns;
  const err = new Writable({ write(c, _e, cb) { stderr += String(c); cb(); } });
  const code = await main(argv, { stdout: out, stderr: err, env: {} });
  return { stdout, stderr, code };
}

function runBundle(bundle: string, argv: string[]) {
  return new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile(process.execPath, [bundle, ...argv], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : -1) : 0 });
    });
  });
}

describe('start-up fast path', function () {
  this.timeout(120_000);
  let recorded: Replies;
  before(async () => {
    recorded = await recordReplies();
  });

  it('the recorded replies equal what main() prints and returns, for every argument list and width', async () => {
    for (const argv of FAST_ARGVS) {
      for (const columns of [...FAST_WIDTHS, undefined, 121, 200]) {
        const reply = replyFor(argv, { columns }, recorded);
        assert.ok(reply, `no reply for ${JSON.stringify(argv)} at ${columns}`);
        assert.deepEqual(reply, await viaMain([...argv], columns), `${JSON.stringify(argv)} at ${columns} columns`);
      }
    }
    // the help text really depends on the width: a recording for one width is not reused for another
    assert.notEqual(replyFor(['--help'], { columns: 80 }, recorded)!.stdout, replyFor(['--help'], { columns: 120 }, recorded)!.stdout);
    assert.match(replyFor(['--help'], {}, recorded)!.stdout, /^kubectl airflow <command> \[flags\]\n[\s\S]*Examples:/);
    // -h is --help (kubectl's spelling), recorded as such: help text, exit 0
    for (const columns of [...FAST_WIDTHS, undefined]) {
      assert.deepEqual(replyFor(['-h'], { columns }, recorded), replyFor(['--help'], { columns }, recorded), `-h at ${columns}`);
    }
    assert.equal(replyFor(['-h'], {}, recorded)!.code, 0);
    assert.deepEqual(replyFor([], {}, recorded), { stdout: '', stderr: 'kubectl-airflow: a command is required (see --help)\n', code: 2 });
  });

  it('anything else, or a width nothing was recorded for, is left to main()', () => {
    for (const argv of [['rbac'], ['--help', 'rbac'], ['rbac', '--help'], ['version', '-o', 'json'], ['--kubeconfig', 'x', '--help']]) {
      assert.equal(fastMain(argv, { stdout: { write: () => assert.fail('wrote') }, stderr: { write: () => assert.fail('wrote') } }), undefined, JSON.stringify(argv));
    }
    assert.equal(replyFor(['--help'], { columns: 79 }, recorded), undefined);
  });

  it('`version` prints what the version command prints', async () => {
    let out = '';
    assert.equal(fastMain(['version'], { stdout: { write: (s) => (out += s) }, stderr: { write: () => assert.fail('stderr') } }), 0);
    assert.deepEqual({ stdout: out, stderr: '', code: 0 }, await viaMain(['version', '-o', 'table']));
  });

  it("running a command does not render yargs' help (main.ts skips yargs' help cache)", async () => {
    // every line of help goes through string-width, which segments with Intl.Segmenter
    const proto = Intl.Segmenter.prototype;
    const original = proto.segment;
    let calls = 0;
    proto.segment = function (this: Intl.Segmenter, s: string) {
      calls++;
      return original.call(this, s);
    };
    try {
      const help = await viaMain(['ha', '--help']);
      assert.equal(help.code, 0);
      assert.ok(calls > 0, 'rendering help was not seen: the counter cannot tell');
      calls = 0;
      const run = await viaMain(['ha', '--kubeconfig', '/nonexistent/kubeconfig']);
      assert.notEqual(run.code, 0, 'the command ran to its connection');
      assert.equal(calls, 0, `help text rendered while running a command (${calls} segment calls)`);
    } finally {
      proto.segment = original;
    }
  });

  describe('in the bundle', () => {
    let dir: string;
    before(() => {
      dir = tempDir('ka-fast-');
    });

    it('answers --help, -h, no arguments as main() does, and version as the version command does', async () => {
      const bundle = path.join(dir, 'real.cjs');
      await build({ outfile: bundle });
      for (const argv of FAST_ARGVS) assert.deepEqual(await runBundle(bundle, [...argv]), await viaMain([...argv]), JSON.stringify(argv));
      const short = await runBundle(bundle, ['-h']);
      assert.equal(short.code, 0);
      assert.match(short.stdout, /^kubectl airflow <command> \[flags\]\n[\s\S]*-h, --help/);
      // -h after a command is not recorded: the bundle's main() answers it, with that command's help
      const rbacShort = await runBundle(bundle, ['rbac', '-h']);
      assert.deepEqual(rbacShort, await runBundle(bundle, ['rbac', '--help']));
      assert.match(rbacShort.stdout, /^kubectl airflow rbac\n[\s\S]*\nrbac flags:\n/);
      const fast = await runBundle(bundle, ['version']);
      assert.equal(fast.code, 0);
      assert.match(fast.stdout, /^Version: +v\d+\.\d+\.\d+/);
      assert.deepEqual(fast, await runBundle(bundle, ['version', '-o', 'table']));
    });

    it('answers from the replies embedded at build time, and from main() otherwise', async () => {
      const bundle = path.join(dir, 'marked.cjs');
      await build({ outfile: bundle, replies: { '--help': { '*': { stdout: 'recorded help\n', stderr: 'and stderr\n', code: 7 } } } });
      assert.deepEqual(await runBundle(bundle, ['--help']), { stdout: 'recorded help\n', stderr: 'and stderr\n', code: 7 });
      // not in this table: yargs answers
      assert.deepEqual(await runBundle(bundle, []), { stdout: '', stderr: 'kubectl-airflow: a command is required (see --help)\n', code: 2 });
      const rbacHelp = await runBundle(bundle, ['rbac', '--help']);
      assert.equal(rbacHelp.code, 0);
      assert.match(rbacHelp.stdout, /^kubectl airflow rbac\n/);
    });
  });
});
