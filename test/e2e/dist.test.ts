// The shipped artefact: the build host's single executable (esbuild bundle injected into the pinned
// Node as a SEA), copied alone into an empty folder with no node_modules reachable, must answer
// --help, version and a real command against the simulated cluster exactly as the sources do.
// Also: text assets are embedded byte-for-byte, archives are reproducible and hold LICENSE, and
// the macOS signature check really checks (against Apple's own signature on the official Node).
import { strict as assert } from 'node:assert';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import { build, inlineAssetReads, repoRoot } from '../../scripts/build.ts';
import { readTarGz, readZip, tarGz, zip } from '../../scripts/archive.ts';
import { checkAdhocSignature } from '../../scripts/macho.ts';
import { dist, nodeBinary, pins } from '../../scripts/dist.ts';
import { hostBinary, tempDir, type HostBinary } from '../bench/binary.ts';
import { startSim, type Sim } from '../sim/index.ts';

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      env: {},
    },
    out: () => out,
    err: () => err,
  };
}

describe('dist: the single executable, alone in an empty folder', function () {
  this.timeout(600_000);
  let hb: HostBinary;
  let lonely: string;
  let env: NodeJS.ProcessEnv;
  // asynchronous: the simulated API server answers from this same process
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        path.join(lonely, 'kubectl-airflow'),
        args,
        { cwd: lonely, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => {
          resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
        },
      );
    });

  before(async () => {
    hb = await hostBinary();
    process.stdout.write(`      (built ${path.basename(hb.archive)} in ${hb.seconds.toFixed(1)} s)\n`);
    lonely = tempDir('ka-lonely-');
    copyFileSync(hb.binary, path.join(lonely, 'kubectl-airflow'));
    execFileSync('chmod', ['755', path.join(lonely, 'kubectl-airflow')]);
    // no Node, no node_modules, no repository anywhere on the way
    env = { PATH: '/usr/bin:/bin', HOME: lonely, NODE_PATH: '', NODE_OPTIONS: '' };
  });

  // esbuild escapes text outside ASCII, but not in a regular expression literal: one such
  // character would make V8 hold the whole source as a two-byte string, decoded at every start
  it("the executable's bundle is ASCII only", () => {
    const bundle = readFileSync(path.join(hb.dir, 'kubectl-airflow.cjs'));
    const at = bundle.findIndex((b) => b >= 0x80);
    assert.equal(
      at,
      -1,
      `byte 0x${bundle[at]?.toString(16)} in: ${bundle.subarray(Math.max(0, at - 60), at + 20).toString()}`,
    );
  });

  it('has no node_modules within reach', () => {
    for (let d = lonely; d !== path.dirname(d); d = path.dirname(d))
      assert.ok(!existsSync(path.join(d, 'node_modules')), `${d}/node_modules exists`);
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['rbac', 'ha', 'version', 'completion'])
      assert.match(r.stdout, new RegExp(`kubectl airflow ${c}\\b`));
    assert.equal(r.stderr, '');
  });

  it('version prints the build-time version, commit, Node and client-node', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const cn = JSON.parse(
      readFileSync(path.join(repoRoot, 'node_modules/@kubernetes/client-node/package.json'), 'utf8'),
    ) as { version: string };
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const r = await run(['version', '-o', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(v).sort(), ['clientNode', 'commit', 'node', 'version']);
    assert.equal(v.version, `v${pkg.version}`);
    assert.equal(v.node, pins.version);
    assert.equal(v.clientNode, cn.version);
    assert.match(v.commit ?? '', /^[0-9a-f]{12}$/);
    // built from this tree: HEAD then, or a commit made by someone else since
    if (v.commit !== head) execFileSync('git', ['merge-base', '--is-ancestor', v.commit!, 'HEAD'], { cwd: repoRoot });
    const text = await run(['version']);
    assert.match(text.stdout, new RegExp(`^Version: +v${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(text.stdout, new RegExp(`^Node: +v${pins.version.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('a usage error is one line and exit 2, without a stack trace', async () => {
    const r = await run(['no-such-command']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^kubectl-airflow: /);
  });

  describe('against the simulated cluster (official-celery)', () => {
    let sim: Sim;
    before(async () => {
      sim = await startSim({ scenario: 'official-celery' });
      copyFileSync(sim.kubeconfigPath, path.join(lonely, 'kubeconfig'));
    });
    after(async () => sim?.stop());

    it('rbac -o json gives the same checks and exit code as the sources do in-process', async () => {
      const r = await run(['rbac', '--kubeconfig', path.join(lonely, 'kubeconfig'), '-n', 'airflow', '-o', 'json']);
      const c = capture();
      const code = await main(['rbac', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '-o', 'json'], c.io);
      assert.equal(r.stderr, c.err());
      assert.equal(r.status, code);
      const bin = JSON.parse(r.stdout) as { checks: unknown[] };
      const src = JSON.parse(c.out()) as { checks: unknown[] };
      assert.ok(bin.checks.length > 10, `only ${bin.checks.length} checks`);
      assert.deepEqual(bin.checks, src.checks);
    });

    // The executable runs with no V8 flag: one that enters V8's flag hash (--hash-seed did) makes
    // V8 reject Node's code cache of its built-in modules, which then compile on every start.
    it("Node's code cache of its built-in modules is accepted, none rejected", async () => {
      const kc = path.join(lonely, 'kubeconfig');
      const r = await run(['rbac', '--kubeconfig', kc, '-n', 'airflow'], { NODE_DEBUG_NATIVE: 'CODE_CACHE' });
      const verdicts = r.stderr.split('\n').filter((l) => /^Code cache of .* is (accepted|rejected)$/.test(l));
      const https = verdicts.filter((l) => /^Code cache of (https|tls|net) /.test(l));
      assert.equal(https.length, 3, `no verdict on https, tls and net:\n${r.stderr.slice(0, 2000)}`);
      assert.deepEqual(
        verdicts.filter((l) => l.endsWith('rejected')),
        [],
      );
    });

    it('__complete lists namespaces and pods from the cluster', async () => {
      const kc = path.join(lonely, 'kubeconfig');
      const ns = await run(['__complete', '--kubeconfig', kc, '-n', '']);
      assert.equal(ns.status, 0, ns.stderr);
      assert.deepEqual(ns.stdout.trim().split('\n').at(-1), ':4');
      assert.ok(ns.stdout.split('\n').includes('airflow'), ns.stdout);
      const pods = await run(['__complete', '--kubeconfig', kc, '-n', 'airflow', 'ha', '--from', 'airflow-w']);
      const names = pods.stdout.trim().split('\n');
      assert.equal(names.at(-1), ':4');
      assert.ok(names.length > 1 && names.slice(0, -1).every((n) => n.startsWith('airflow-w')), pods.stdout);
    });
  });
});

describe('dist: archives', function () {
  this.timeout(600_000);

  it('tar.gz and zip are byte-for-byte reproducible, sorted, root-owned, fixed mtime', () => {
    const entries = [
      { name: 'kubectl-airflow', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
      { name: 'LICENSE', data: Buffer.from('Apache License\n'), mode: 0o644 },
    ];
    const a = tarGz(entries);
    assert.ok(a.equals(tarGz([...entries].reverse())), 'tar.gz depends on input order');
    assert.ok(zip(entries).equals(zip([...entries].reverse())), 'zip depends on input order');
    const listed = execFileSync('tar', ['-tvzf', '-'], { input: a, encoding: 'utf8' }).trim().split('\n');
    assert.equal(listed.length, 2);
    assert.match(listed[0]!, /^-rw-r--r-- root\/root .* 2000-01-01 00:00 LICENSE$/);
    assert.match(listed[1]!, /^-rwxr-xr-x root\/root .* 2000-01-01 00:00 kubectl-airflow$/);
    const dir = tempDir('ka-zip-');
    writeFileSync(path.join(dir, 'a.zip'), zip(entries));
    execFileSync('unzip', ['-q', path.join(dir, 'a.zip'), '-d', path.join(dir, 'x')]);
    assert.equal(readFileSync(path.join(dir, 'x/kubectl-airflow'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.deepEqual(
      readZip(zip(entries)).map((e) => [e.name, e.mode, e.data.toString()]),
      [
        ['LICENSE', 0o644, 'Apache License\n'],
        ['kubectl-airflow', 0o755, '#!/bin/sh\necho hi\n'],
      ],
    );
  });

  it('the host archive holds exactly the binary and LICENSE, listed in SHA256SUMS', async () => {
    const hb = await hostBinary();
    const data = readFileSync(hb.archive);
    const entries = readTarGz(data);
    assert.deepEqual(
      entries.map((e) => [e.name, e.type, e.mode]),
      [
        ['LICENSE', 'file', 0o644],
        ['kubectl-airflow', 'file', 0o755],
      ],
    );
    assert.ok(entries[0]!.data.equals(readFileSync(path.join(repoRoot, 'LICENSE'))));
    assert.ok(entries[1]!.data.equals(readFileSync(hb.binary)));
    const sums = readFileSync(path.join(hb.dir, 'SHA256SUMS'), 'utf8');
    const want = execFileSync('sha256sum', [path.basename(hb.archive)], { cwd: hb.dir, encoding: 'utf8' });
    assert.equal(sums, want);
  });
});

describe('dist: text assets are embedded byte-for-byte', function () {
  this.timeout(120_000);

  it('inlines readFileSync(new URL(...), "utf8") of .py/.sh/.yaml and refuses other forms', () => {
    const dir = tempDir('ka-asset-');
    const text = 'print("é\\t")\r\n\0tail  \n';
    writeFileSync(path.join(dir, 'p.py'), text);
    const src = path.join(dir, 'm.ts');
    const out = inlineAssetReads(
      `const a = readFileSync(new URL('./p.py', import.meta.url), 'utf8');\nconst b = await fs.readFile(new URL("./p.py", import.meta.url), { encoding: 'utf-8' });`,
      src,
    );
    assert.equal(out, `const a = ${JSON.stringify(text)};\nconst b = ${JSON.stringify(text)};`);
    assert.throws(() => inlineAssetReads(`const u = new URL('./p.py', import.meta.url);`, src), /cannot be embedded/);
  });

  it('the minified bundle carries the probe programs and profiles exactly, without the files', async function () {
    const assets = ['src/net/probe.py', 'src/net/probe.sh', 'src/airflow/profiles.yaml', 'src/net/clients.json'].filter(
      (a) => existsSync(path.join(repoRoot, a)),
    );
    if (assets.length === 0) {
      process.stdout.write('      (no text assets in src/ yet)\n');
      this.skip();
    }
    const dir = tempDir('ka-bundle-');
    const entry = path.join(dir, 'entry.ts');
    const rel = (a: string) => {
      const r = path.relative(dir, path.join(repoRoot, a));
      return r.startsWith('.') ? r : `./${r}`;
    };
    const reads = assets.map((a) => `readFileSync(new URL(${JSON.stringify(rel(a))}, import.meta.url), 'utf8')`);
    writeFileSync(
      entry,
      `import { readFileSync } from 'node:fs';\nprocess.stdout.write(JSON.stringify([${reads.join(', ')}]));\n`,
    );
    const outfile = path.join(dir, 'out', 'bundle.cjs');
    const r = await build({ entry, outfile, assetScope: [dir], version: 'v0.0.0-test', commit: 'test' });
    assert.equal(r.assets.length, assets.length);
    // run it from elsewhere: relative URLs would now point at nothing
    const elsewhere = tempDir('ka-elsewhere-');
    mkdirSync(elsewhere, { recursive: true });
    copyFileSync(outfile, path.join(elsewhere, 'bundle.cjs'));
    const got = JSON.parse(
      execFileSync(process.execPath, [path.join(elsewhere, 'bundle.cjs')], { encoding: 'utf8' }),
    ) as string[];
    assets.forEach((a, i) =>
      assert.ok(Buffer.from(got[i]!, 'utf8').equals(readFileSync(path.join(repoRoot, a))), `${a} differs`),
    );
  });

  it('text outside ASCII keeps its value, escaped in the bundle', async () => {
    const dir = tempDir('ka-ascii-');
    const entry = path.join(dir, 'entry.ts');
    const text = 'first failing layer … “rbac” é ✓';
    writeFileSync(entry, `process.stdout.write(${JSON.stringify(text)});\n`);
    const outfile = path.join(dir, 'bundle.cjs');
    await build({ entry, outfile, assetScope: [dir], version: 'v0.0.0-test', commit: 'test' });
    assert.ok(
      readFileSync(outfile).every((b) => b < 0x80),
      'a byte outside ASCII in the bundle',
    );
    assert.equal(execFileSync(process.execPath, [outfile], { encoding: 'utf8' }), text);
  });
});

describe('dist: the requirement model and profiles are embedded parsed', function () {
  this.timeout(120_000);

  it('the bundle, moved away from src/, yields the same rows and profiles as the YAML files', async () => {
    const dir = tempDir('ka-data-');
    const entry = path.join(dir, 'entry.ts');
    const from = (m: string) => JSON.stringify(path.join(repoRoot, 'src/airflow', m));
    writeFileSync(
      entry,
      `import { builtinRequirements } from ${from('requirements.ts')};\n` +
        `import { builtinProfiles } from ${from('profiles.ts')};\n` +
        'process.stdout.write(JSON.stringify([builtinRequirements(), builtinProfiles()]));\n',
    );
    const outfile = path.join(dir, 'out', 'bundle.cjs');
    await build({ entry, outfile, version: 'v0.0.0-test', commit: 'test' });
    const bundled = readFileSync(outfile, 'utf8');
    // the parsed form is what runs: no YAML is parsed at start (the text stays only as the fallback)
    assert.match(bundled, /"kubernetes-executor":\{/, 'profiles embedded as an object literal');
    const elsewhere = tempDir('ka-elsewhere-');
    copyFileSync(outfile, path.join(elsewhere, 'bundle.cjs'));
    const got = execFileSync(process.execPath, [path.join(elsewhere, 'bundle.cjs')], { encoding: 'utf8' });
    const { builtinRequirements } = await import('../../src/airflow/requirements.ts');
    const { builtinProfiles } = await import('../../src/airflow/profiles.ts');
    assert.deepEqual(JSON.parse(got), JSON.parse(JSON.stringify([builtinRequirements(), builtinProfiles()])));
  });
});

describe('dist: macOS ad-hoc signature check', function () {
  this.timeout(120_000);

  it("accepts Apple's signature on the official darwin-arm64 Node and rejects one changed byte", function () {
    let bin: string;
    try {
      bin = nodeBinary('darwin-arm64');
    } catch (e) {
      process.stdout.write(`      (official darwin-arm64 Node not available: ${(e as Error).message})\n`);
      this.skip();
    }
    const buf = readFileSync(bin);
    const ok = checkAdhocSignature(buf);
    assert.equal(ok.ok, true, ok.problem ?? '');
    assert.equal(ok.adhoc, false);
    assert.equal(ok.identifier, 'node');
    buf[4096 * 10 + 7] ^= 1;
    const bad = checkAdhocSignature(buf);
    assert.equal(bad.ok, false);
    assert.equal(bad.badSlots, 1);
  });

  it('the darwin executables in dist/ (after make dist) carry a valid ad-hoc signature', function () {
    const found = ['darwin_amd64', 'darwin_arm64']
      .map((d) => path.join(repoRoot, 'dist', d, 'kubectl-airflow'))
      .filter((f) => existsSync(f));
    if (found.length === 0) {
      process.stdout.write('      (no darwin executables in dist/: run make dist)\n');
      this.skip();
    }
    for (const f of found) {
      const c = checkAdhocSignature(readFileSync(f));
      assert.equal(c.ok, true, `${f}: ${c.problem}`);
      assert.equal(c.adhoc, true);
      assert.equal(c.identifier, 'kubectl-airflow');
    }
  });
});

describe('dist: linux-arm64 executable under qemu-user', function () {
  this.timeout(900_000);

  it('answers --help and version (when qemu-aarch64 and the arm64 runtime libraries are installed)', async function () {
    const sysroot = '/usr/aarch64-linux-gnu';
    const haveQemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64']).status === 0;
    const haveLibs = ['lib/ld-linux-aarch64.so.1', 'lib/libstdc++.so.6', 'lib/libatomic.so.1'].every((l) =>
      existsSync(path.join(sysroot, l)),
    );
    if (!haveQemu || !haveLibs) {
      process.stdout.write(
        '      (needs Debian qemu-user, libc6-arm64-cross, libstdc++6-arm64-cross, libatomic1-arm64-cross: not installed)\n',
      );
      this.skip();
    }
    const out = tempDir('ka-arm64-');
    await dist(['linux-arm64'], { outDir: out });
    const bin = path.join(out, 'linux_arm64', 'kubectl-airflow');
    const run = (args: string[]) =>
      spawnSync('qemu-aarch64', ['-L', sysroot, bin, ...args], {
        cwd: out,
        env: { PATH: '/usr/bin:/bin', HOME: out },
        encoding: 'utf8',
        timeout: 120_000,
      });
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /kubectl airflow rbac/);
    const v = run(['version', '-o', 'json']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal((JSON.parse(v.stdout) as { node: string }).node, pins.version);
  });
});
