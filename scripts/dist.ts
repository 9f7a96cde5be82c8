// `make dist`: one executable per krew platform, from the official Node binaries on the npm registry
// (scripts/node-binaries.json pins version and integrity), the esbuild bundle injected as a Single
// Executable Application with `node --build-sea` (Node >= 25.5: it writes the blob and injects it,
// with the NODE_SEA_FUSE sentinel, into the given executable, ELF, Mach-O or PE alike).
//
// Per platform:
//   linux    inject; the build host's own target also gets V8's code cache (useCodeCache), which
//            is only valid for the Node build and CPU architecture that produced it. V8 writes a
//            different cache on every run unless its random seed is fixed, so the blob is built
//            with --random-seed. That flag, alone among V8's, is left out of the flag hash a code
//            cache is checked against ("Skip v8_flags.random_seed to allow predictable code
//            caching", v8 src/flags/flags.cc), so the executable runs with no flag at all. A flag
//            that is hashed, such as --hash-seed, would make V8 reject Node's own code cache of
//            its built-in modules, and every `require('https')` would compile them from source.
//   darwin   injection drops Apple's signature; we add an LC_CODE_SIGNATURE command and let
//            Debian's llvm-objcopy write an ad-hoc (linker-signed) signature, then check every page
//            hash ourselves (scripts/macho.ts). Not run on a Mac here: see README "Platforms".
//   windows  the Authenticode signature is removed (osslsigncode, Debian) before injection, since
//            injection would leave an invalid one behind; the result is unsigned.
// Archives kubectl-airflow_<os>_<arch>.tar.gz (zip for Windows) hold the binary and LICENSE and are
// byte-for-byte reproducible (scripts/archive.ts); SHA256SUMS lists them.
//
// Usage: node scripts/dist.ts [--targets linux-amd64,darwin-arm64] [--out DIR] [--no-build]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, repoRoot } from './build.ts';
import { tarGz, zip, type Entry } from './archive.ts';
import { addCodeSignatureCommand, checkAdhocSignature } from './macho.ts';

export const TARGETS = ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64', 'windows-amd64'] as const;
export type Target = (typeof TARGETS)[number];

interface Pin {
  package: string;
  binary: string;
  integrity: string;
}
interface Pins {
  version: string;
  targets: Record<Target, Pin>;
}

export const pins = JSON.parse(readFileSync(path.join(repoRoot, 'scripts/node-binaries.json'), 'utf8')) as Pins;
const cacheDir = path.join(repoRoot, '.cache/node');
export const defaultDistDir = path.join(repoRoot, 'dist');
const NODE = process.execPath;
const CODE_CACHE_SEED = '--random-seed=1';

export function splitTarget(t: Target): { os: string; arch: string } {
  const [os, arch] = t.split('-') as [string, string];
  return { os, arch };
}
export function archiveName(t: Target): string {
  const { os, arch } = splitTarget(t);
  return `kubectl-airflow_${os}_${arch}.${os === 'windows' ? 'zip' : 'tar.gz'}`;
}
export function binaryName(t: Target): string {
  return t.startsWith('windows') ? 'kubectl-airflow.exe' : 'kubectl-airflow';
}
export function hostTarget(): Target | undefined {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as Record<string, string>)[process.platform];
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  const t = `${os}-${arch}`;
  return (TARGETS as readonly string[]).includes(t) ? (t as Target) : undefined;
}

function sriOf(file: string): string {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}
export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

function log(msg: string): void {
  process.stderr.write(`dist: ${msg}\n`);
}

/**
 * `npm ci` already installed the host's package (optionalDependency) and checked its integrity
 * against package-lock.json: when the lock pins the same tarball we pin, use it, no fetch needed.
 */
function installedNodeBinary(t: Target): string | undefined {
  const pin = pins.targets[t];
  try {
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
      packages?: Record<string, { version?: string; integrity?: string }>;
    };
    const entry = lock.packages?.[`node_modules/${pin.package}`];
    const bin = path.join(repoRoot, 'node_modules', pin.package, pin.binary.replace(/^package\//, ''));
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'node_modules', pin.package, 'package.json'), 'utf8')) as {
      version?: string;
    };
    if (entry?.integrity === pin.integrity && pkg.version === pins.version && existsSync(bin)) return bin;
  } catch {
    // not installed here: fetch it
  }
  return undefined;
}

/** The official Node binary for a target, fetched once with `npm pack` and integrity-checked. */
export function nodeBinary(t: Target): string {
  const pin = pins.targets[t];
  const installed = installedNodeBinary(t);
  if (installed) return installed;
  const tgz = path.join(cacheDir, `${pin.package}-${pins.version}.tgz`);
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(tgz)) {
    // fetch into a private folder and rename: several builds may share this cache at once
    log(`npm pack ${pin.package}@${pins.version}`);
    const tmp = mkdtempSync(path.join(cacheDir, 'pack-'));
    execFileSync('npm', ['pack', `${pin.package}@${pins.version}`, '--pack-destination', tmp, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    renameSync(path.join(tmp, path.basename(tgz)), tgz);
    rmSync(tmp, { recursive: true, force: true });
  }
  const got = sriOf(tgz);
  if (got !== pin.integrity) {
    rmSync(tgz, { force: true });
    throw new Error(`${pin.package}@${pins.version}: integrity ${got} differs from the pinned ${pin.integrity}`);
  }
  const dir = path.join(cacheDir, `${t}-${pins.version}`);
  const bin = path.join(dir, pin.binary);
  if (!existsSync(bin)) {
    const tmp = mkdtempSync(path.join(cacheDir, 'extract-'));
    execFileSync('tar', ['-xzf', tgz, '-C', tmp, pin.binary]);
    mkdirSync(path.dirname(bin), { recursive: true });
    renameSync(path.join(tmp, pin.binary), bin);
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

function tool(name: string, debianPackage: string): string {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return name;
  } catch {
    throw new Error(`${name} not found: install the Debian package ${debianPackage}`);
  }
}

/** Builds one target's executable; returns its path. */
export function buildExecutable(t: Target, bundle: string, workDir: string): string {
  const dir = path.join(workDir, t);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let base = nodeBinary(t);
  if (t.startsWith('windows')) {
    const unsigned = path.join(dir, 'node-unsigned.exe');
    execFileSync(tool('osslsigncode', 'osslsigncode'), ['remove-signature', '-in', base, '-out', unsigned], {
      stdio: 'ignore',
    });
    base = unsigned;
  }
  const injected = path.join(dir, t.startsWith('darwin') ? 'injected' : binaryName(t));
  const codeCache = t === hostTarget() && process.versions.node === pins.version;
  // The blob records the main script's path as given: a fixed relative name, resolved from `dir`,
  // keeps the executable independent of where the build ran.
  copyFileSync(bundle, path.join(dir, 'kubectl-airflow.cjs'));
  const config = {
    main: 'kubectl-airflow.cjs',
    mainFormat: 'commonjs',
    executable: base,
    output: injected,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: codeCache,
  };
  const configPath = path.join(dir, 'sea-config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  execFileSync(NODE, [...(codeCache ? [CODE_CACHE_SEED] : []), '--build-sea', configPath], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!t.startsWith('darwin')) return injected;

  const placeholder = path.join(dir, 'placeholder');
  writeFileSync(placeholder, addCodeSignatureCommand(readFileSync(injected)));
  rmSync(injected);
  // llvm-objcopy names the signature after the output file: write it as kubectl-airflow.
  const signed = path.join(dir, binaryName(t));
  execFileSync(tool('llvm-objcopy', 'llvm'), [placeholder, signed]);
  rmSync(placeholder);
  const check = checkAdhocSignature(readFileSync(signed));
  if (!check.ok || !check.adhoc)
    throw new Error(`${t}: ad-hoc signature check failed: ${check.problem ?? 'not ad-hoc'}`);
  return signed;
}

export function archive(t: Target, binary: string): Buffer {
  const entries: Entry[] = [
    { name: binaryName(t), data: readFileSync(binary), mode: 0o755 },
    { name: 'LICENSE', data: readFileSync(path.join(repoRoot, 'LICENSE')), mode: 0o644 },
  ];
  return t.startsWith('windows') ? zip(entries) : tarGz(entries);
}

export interface DistResult {
  target: Target;
  archive: string;
  archiveBytes: number;
  binaryBytes: number;
  sha256: string;
  seconds: number;
}

export interface DistOptions {
  skipBuild?: boolean; // reuse <outDir>/kubectl-airflow.cjs
  outDir?: string; // default dist/ (tests use a private folder: others may build at the same time)
  version?: string;
}

export async function dist(targets: readonly Target[], opts: DistOptions = {}): Promise<DistResult[]> {
  if (process.versions.node !== pins.version) {
    throw new Error(
      `run with Node ${pins.version} (node_modules/.bin/node): the SEA blob must come from the same Node as the executables, got ${process.versions.node}`,
    );
  }
  const distDir = opts.outDir ?? defaultDistDir;
  const workDir = path.join(distDir, '.work');
  const bundle = path.join(distDir, 'kubectl-airflow.cjs');
  if (!opts.skipBuild) {
    const b = await build({ outfile: bundle, ...(opts.version ? { version: opts.version } : {}) });
    log(`bundle ${path.relative(repoRoot, b.outfile)} ${(b.bytes / 1024).toFixed(0)} KiB (${b.version}, ${b.commit})`);
  }
  if (!existsSync(bundle)) throw new Error('dist/kubectl-airflow.cjs missing: run make build');
  const results: DistResult[] = [];
  for (const t of targets) {
    const start = performance.now();
    const exe = buildExecutable(t, bundle, workDir);
    const outBinDir = path.join(distDir, t.replace('-', '_'));
    mkdirSync(outBinDir, { recursive: true });
    const outBin = path.join(outBinDir, binaryName(t));
    rmSync(outBin, { force: true });
    renameSync(exe, outBin);
    chmodSync(outBin, 0o755);
    const data = archive(t, outBin);
    const archivePath = path.join(distDir, archiveName(t));
    writeFileSync(archivePath, data);
    const r = {
      target: t,
      archive: archivePath,
      archiveBytes: data.length,
      binaryBytes: readFileSync(outBin).length,
      sha256: sha256(data),
      seconds: (performance.now() - start) / 1000,
    };
    log(
      `${archiveName(t)} ${(r.archiveBytes / 2 ** 20).toFixed(1)} MiB (binary ${(r.binaryBytes / 2 ** 20).toFixed(1)} MiB) in ${r.seconds.toFixed(1)} s`,
    );
    results.push(r);
  }
  // SHA256SUMS covers every archive now in dist/, in sha256sum's format.
  const sums = TARGETS.filter((t) => existsSync(path.join(distDir, archiveName(t))))
    .map((t) => `${sha256(readFileSync(path.join(distDir, archiveName(t))))}  ${archiveName(t)}\n`)
    .join('');
  writeFileSync(path.join(distDir, 'SHA256SUMS'), sums);
  rmSync(workDir, { recursive: true, force: true });
  return results;
}

function parseTargets(argv: string[]): Target[] {
  const i = argv.indexOf('--targets');
  const raw = i >= 0 ? argv[i + 1] : process.env.TARGETS;
  if (!raw) return [...TARGETS];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const t of list) {
    if (!(TARGETS as readonly string[]).includes(t))
      throw new Error(`unknown target ${t}: one of ${TARGETS.join(', ')}`);
  }
  return list as Target[];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const argv = process.argv.slice(2);
    const out = argv.indexOf('--out');
    const results = await dist(parseTargets(argv), {
      skipBuild: argv.includes('--no-build'),
      ...(out >= 0 && argv[out + 1] ? { outDir: path.resolve(argv[out + 1]!) } : {}),
    });
    for (const r of results)
      console.log(`${r.sha256}  ${path.basename(r.archive)}  ${r.archiveBytes} bytes, binary ${r.binaryBytes} bytes`);
  } catch (err) {
    console.error(`dist: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
