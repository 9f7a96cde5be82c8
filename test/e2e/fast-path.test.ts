// The executable answers `--help`, `-h`, no arguments and `version` from the command data, exactly
// as main() does from the sources, and `<command> -h` as `<command> --help`.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { build } from '../../scripts/build.ts';
import { tempDir } from '../bench/binary.ts';

async function viaMain(argv: string[], columns?: number) {
  let stdout = '';
  let stderr = '';
  const out = new Writable({
    write(c, _e, cb) {
      stdout += String(c);
      cb();
    },
  }) as Writable & { columns?: number };
  if (columns !== undefined) out.columns = columns;
  const err = new Writable({
    write(c, _e, cb) {
      stderr += String(c);
      cb();
    },
  });
  const code = await main(argv, { stdout: out, stderr: err, env: {} });
  return { stdout, stderr, code };
}

function runBundle(bundle: string, argv: string[]) {
  return new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    execFile(
      process.execPath,
      [bundle, ...argv],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : -1) : 0 });
      },
    );
  });
}

describe('start-up: help and version from the bundle', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = tempDir('ka-fast-');
  });

  it('answers --help, -h, no arguments as main() does, and version as the version command does', async () => {
    const bundle = path.join(dir, 'real.cjs');
    await build({ outfile: bundle });
    for (const argv of [[], ['--help'], ['-h']])
      assert.deepEqual(await runBundle(bundle, argv), await viaMain(argv), JSON.stringify(argv));
    assert.deepEqual(await runBundle(bundle, []), {
      stdout: '',
      stderr: 'kubectl-airflow: a command is required (see --help)\n',
      code: 2,
    });
    const short = await runBundle(bundle, ['-h']);
    assert.equal(short.code, 0);
    assert.match(short.stdout, /^kubectl airflow <command> \[flags\]\n[\s\S]*-h, --help[\s\S]*Examples:/);
    const rbacShort = await runBundle(bundle, ['rbac', '-h']);
    assert.deepEqual(rbacShort, await runBundle(bundle, ['rbac', '--help']));
    assert.match(rbacShort.stdout, /^kubectl airflow rbac\n[\s\S]*\nrbac flags:\n/);
    const version = await runBundle(bundle, ['version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^Version: +v\d+\.\d+\.\d+/);
    assert.deepEqual(version, await runBundle(bundle, ['version', '-o', 'table']));
  });
});
