// Installing the way krew does (`kubectl krew install --manifest=M --archive=A`), into a temporary
// KREW_ROOT, from the manifest `make krew-manifest` renders and the archive `make dist` builds; then
// real kubectl finds and runs the plugin from $KREW_ROOT/bin, and completes `kubectl airflow <TAB>`
// through the kubectl_complete-airflow script the plugin writes.
import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../scripts/build.ts';
import { sha256 } from '../../scripts/dist.ts';
import { krewInstall, parseManifest, renderTemplate, validateManifest } from '../../scripts/krew.ts';
import { tarGz } from '../../scripts/archive.ts';
import { hostBinary, tempDir, type HostBinary } from '../bench/binary.ts';

const kubectlDir = path.dirname(
  realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()),
);

function sh(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('krew: install from the rendered manifest and the built archive, then real kubectl', function () {
  this.timeout(600_000);
  let hb: HostBinary;
  let manifestPath: string;
  let root: string;
  let env: NodeJS.ProcessEnv;
  const version = `v${(JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version}`;

  before(async () => {
    hb = await hostBinary();
    const dir = tempDir('ka-krew-');
    // only the host archive exists here; the other platforms get the sha256 of a stand-in archive
    const standIn = sha256(Buffer.from('not built in this test'));
    const text = renderTemplate(readFileSync(path.join(repoRoot, 'krew/airflow.yaml'), 'utf8'), version, (file) =>
      file === path.basename(hb.archive) ? sha256(readFileSync(hb.archive)) : standIn,
    );
    manifestPath = path.join(dir, 'airflow.yaml');
    writeFileSync(manifestPath, text);
    root = path.join(dir, 'krew-root');
    env = {
      PATH: `${path.join(root, 'bin')}:${kubectlDir}:/usr/bin:/bin`,
      HOME: dir,
      KUBECONFIG: path.join(dir, 'no-such-kubeconfig'),
    };
  });

  it('the rendered manifest passes krew validation, with the archive uri and sha256 filled in', () => {
    const m = parseManifest(readFileSync(manifestPath, 'utf8'));
    assert.deepEqual(validateManifest(manifestPath, m), []);
    assert.equal(m.spec?.version, version);
    const host = m.spec?.platforms?.find((p) => p.uri?.endsWith(`/${version}/${path.basename(hb.archive)}`));
    assert.ok(host, 'no platform for the host archive');
    assert.equal(host.sha256, sha256(readFileSync(hb.archive)));
    assert.doesNotMatch(readFileSync(manifestPath, 'utf8'), /\{\{/);
  });

  it('refuses an archive whose sha256 differs', () => {
    const other = path.join(path.dirname(manifestPath), 'other.tar.gz');
    writeFileSync(
      other,
      tarGz([
        { name: 'kubectl-airflow', data: Buffer.from('x'), mode: 0o755 },
        { name: 'LICENSE', data: Buffer.from('l'), mode: 0o644 },
      ]),
    );
    assert.throws(
      () =>
        krewInstall({
          manifestPath,
          archivePath: other,
          root: path.join(path.dirname(manifestPath), 'r2'),
          os: 'linux',
          arch: 'amd64',
        }),
      /checksum does not match/,
    );
  });

  it('installs: the bin linked as kubectl-airflow into $KREW_ROOT/bin, LICENSE beside it', () => {
    const r = krewInstall({ manifestPath, archivePath: hb.archive, root, os: 'linux', arch: 'amd64' });
    assert.deepEqual(r.files, ['LICENSE', 'kubectl-airflow']);
    assert.equal(r.binLink, path.join(root, 'bin', 'kubectl-airflow'));
    assert.ok(readFileSync(r.binLink).equals(readFileSync(hb.binary)));
    assert.ok(existsSync(path.join(root, 'receipts', 'airflow.yaml')));
  });

  it('kubectl plugin list finds it and kubectl airflow version runs it', async () => {
    const list = await sh('kubectl', ['plugin', 'list'], env);
    assert.match(
      list.stdout,
      new RegExp(`^${path.join(root, 'bin', 'kubectl-airflow').replace(/[/.]/g, '\\$&')}$`, 'm'),
      list.stdout + list.stderr,
    );
    const v = await sh('kubectl', ['airflow', 'version'], env);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^Version: +${version.replace(/\./g, '\\.')}$`, 'm'));
    const help = await sh('kubectl', ['airflow', '--help'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /kubectl airflow rbac/);
  });

  it('kubectl_complete-airflow "" answers the subcommands, and kubectl __complete uses it', async () => {
    const script = await sh('kubectl', ['airflow', 'completion', 'kubectl-plugin'], env);
    assert.equal(script.code, 0, script.stderr);
    const file = path.join(root, 'bin', 'kubectl_complete-airflow');
    writeFileSync(file, script.stdout);
    chmodSync(file, 0o755);
    const direct = await sh('kubectl_complete-airflow', [''], env);
    const lines = direct.stdout.trim().split('\n');
    assert.equal(lines.at(-1), ':4');
    const names = lines.slice(0, -1).map((l) => l.split('\t')[0]);
    for (const c of ['rbac', 'ha', 'version', 'completion'])
      assert.ok(names.includes(c), `${c} missing from ${names.join(' ')}`);
    assert.ok(!names.includes('__complete'));
    // kubectl's own completion protocol (kubectl >= 1.26) goes through the script
    const viaKubectl = await sh('kubectl', ['__complete', 'airflow', 'r'], env);
    assert.match(viaKubectl.stdout, /^rbac\t/m, viaKubectl.stdout + viaKubectl.stderr);
    assert.match(viaKubectl.stdout, /^:4$/m);
    const flags = await sh('kubectl', ['__complete', 'airflow', 'rbac', '--names'], env);
    assert.match(flags.stdout, /^--namespace\t/m, flags.stdout);
    const shells = await sh('kubectl', ['__complete', 'airflow', 'completion', ''], env);
    assert.deepEqual(
      shells.stdout
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('Completion ended')),
      ['bash', 'zsh', 'fish', 'kubectl-plugin', ':4'],
    );
  });
});
