// Real kubectl builds for the conformance suite, and a way to run them against the in-process sim.
// kubectl runs as a child process (asynchronously: the sim answers from this same event loop).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface Kubectl {
  /** e.g. "1.33" or "1.32 (PATH)" */
  label: string;
  path: string;
  minor: number;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function minorOf(path: string): number | undefined {
  try {
    const out = execFileSync(path, ['version', '--client', '-o', 'json'], { encoding: 'utf8', timeout: 10_000 });
    const v = JSON.parse(out).clientVersion;
    return Number(String(v.minor).replace(/\D/g, ''));
  } catch {
    return undefined;
  }
}

/** The directory kubectl on PATH really lives in (kubectl.1.NN stand beside it), if there is one. */
export function kubectlDir(): string | undefined {
  const onPath = which('kubectl');
  return onPath ? dirname(realpathSync(onPath)) : undefined;
}

/** Whether `cmd` is on PATH. */
export function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let cached: Kubectl[] | undefined;

/** Debian's kubectl (package kubernetes-client, 1.20), unpacked by .ci/run with `dpkg -x`: installing
 *  the package would replace /usr/bin/kubectl, the gcloud dispatcher the suite runs. */
export const DEBIAN_KUBECTL = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '.cache',
  'kubernetes-client',
  'usr',
  'bin',
  'kubectl',
);

/** Why Debian's kubectl is not in kubectls(), or '' when it is. */
export function debianKubectlMissing(): string {
  return existsSync(DEBIAN_KUBECTL) ? '' : `no ${DEBIAN_KUBECTL} (.ci/run unpacks Debian's kubernetes-client there)`;
}

/**
 * kubectl on PATH plus, from the directory it really lives in, the oldest and the newest of
 * kubectl.1.NN (1.27 and 1.33 on this image), then Debian's 1.20 when .ci/run unpacked it (the oldest).
 * CONFORMANCE_KUBECTL=all takes every build there.
 */
export function kubectls(): Kubectl[] {
  if (cached) return cached;
  const found: Kubectl[] = [];
  const onPath = which('kubectl');
  if (onPath) {
    const minor = minorOf(onPath);
    if (minor !== undefined) found.push({ label: `1.${minor} (PATH)`, path: onPath, minor });
    const dir = dirname(realpathSync(onPath));
    const versioned: Kubectl[] = [];
    for (let m = 20; m <= 40; m++) {
      const p = join(dir, `kubectl.1.${m}`);
      if (existsSync(p)) versioned.push({ label: `1.${m}`, path: p, minor: m });
    }
    const pick =
      process.env.CONFORMANCE_KUBECTL === 'all'
        ? versioned
        : [versioned[0], versioned[versioned.length - 1]].filter((k, i, a) => k && a.indexOf(k) === i);
    for (const k of pick) if (!found.some((f) => f.minor === k.minor)) found.push(k);
  }
  if (!debianKubectlMissing()) {
    const minor = minorOf(DEBIAN_KUBECTL);
    if (minor !== undefined && !found.some((f) => f.minor === minor))
      found.push({ label: `1.${minor} (Debian)`, path: DEBIAN_KUBECTL, minor });
  }
  cached = found;
  return found;
}

/**
 * kubectl before 1.22 knows exec credential plugins only as client.authentication.k8s.io/v1alpha1 and
 * v1beta1 (v1 is GA in 1.22; client-go's plugin/pkg/client/auth/exec/exec.go refuses any other
 * apiVersion): with the sim's kubeconfig, which names v1 as current kubeconfigs do, it stops at once.
 */
export function knowsExecPluginV1(k: Kubectl): boolean {
  return k.minor >= 22;
}
export const EXEC_PLUGIN_V1_REFUSED = /^error: exec plugin: invalid apiVersion "client\.authentication\.k8s\.io\/v1"\n/;

/** Say why and skip when there is no kubectl at all (CONTRIBUTING: a skipped test says why). */
export function skipWithoutKubectl(ctx: Mocha.Context): void {
  if (kubectls().length === 0) {
    console.log('    conformance: no kubectl on PATH (nor kubectl.1.NN beside it): skipping real-kubectl checks');
    ctx.skip();
  }
}

/** One HOME per run so kubectl's discovery cache never mixes sims (each has a new port anyway). */
const home = mkdtempSync(join(tmpdir(), 'kubectl-airflow-conformance-'));
process.on('exit', () => rmSync(home, { recursive: true, force: true }));

export function kubectl(k: Kubectl, kubeconfig: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      k.path,
      args,
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig },
        timeout: 30_000,
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number'
            ? (err as unknown as { code: number }).code
            : 1
          : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * One kubectl binary by path, in `namespace`, with this process's environment (its own HOME, unlike
 * kubectl() above); exit -1 when it did not exit by itself (timeout, signal).
 */
export function kubectlBinary(
  bin: string,
  kubeconfig: string,
  namespace: string,
  args: string[],
  input?: string,
): Promise<Result> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      bin,
      ['--kubeconfig', kubeconfig, '-n', namespace, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : -1
          : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Run async jobs with at most `limit` in flight (kubectl processes on a 2-core machine). */
export async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectation(name: string): any {
  return parse(readFileSync(join(SCENARIOS_DIR, 'expectations', `${name}.yaml`), 'utf8'));
}

/** Split a kubectl table into rows of cells by the header's column offsets (cells may be empty). */
export function parseTable(text: string): string[][] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0];
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) starts.push(m.index);
  return lines
    .slice(1)
    .map((line) => starts.map((s, i) => line.slice(s, i + 1 < starts.length ? starts[i + 1] : undefined).trim()));
}
