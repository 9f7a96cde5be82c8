// A container as the simulator runs it: a holder process in a private mount namespace (`unshare
// --mount --propagation private`) whose staged root is a tmpfs holding the pod's files (ServiceAccount
// token, ConfigMap volumes, resolv.conf, hosts), the host's /usr, /etc, /dev and /proc bound in,
// /usr/bin replaced by the image profile's executables only, and its own hostname (UTS namespace).
// The holder is made once per container and lives until the pod is gone or the sim stops, as a
// container outlives the commands exec'd into it. Each exec enters its namespaces and chroots
// (`nsenter --target <holder> --mount --uts [--net=<pod netns>] unshare --root`), as runc exec
// joins a running container's namespaces instead of building new ones.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContainerFile } from './pod-files.ts';
import { scratchDir } from './scratch.ts';

/** What a container is made of: fixed for its life, except the files' contents (synced per exec). */
export interface ContainerSpec {
  /** the container's definition as the kubelet hashes it: a different one is a new container */
  revision: string;
  /** the environment, resolved once at the container's start (a later ConfigMap change does not reach it) */
  env: Record<string, string>;
  hostname: string;
  workingDir: string;
  /** container name in /usr/bin -> host file */
  executables: Map<string, string>;
  profileKey: string;
  files: ContainerFile[];
  dirs: string[];
  resolvConf: string;
  hosts: string;
}

export interface ExecSpec {
  /** argv with argv[0] already resolved to a path inside the container */
  argv: string[];
  /** join this network namespace (isolated pods); absent: the host network */
  netnsPath?: string;
  stdin: boolean;
}

export interface Sandbox {
  child: ChildProcess;
  /** kills what is left of the exec's process group */
  cleanup(): void;
}

export interface RunningContainer {
  /** what the container was built from, but the files' contents: a different layout needs a new container */
  layout: string;
  alive(): boolean;
  /** brings the pod's files up to date, as the kubelet updates mounted volumes and rotates the token */
  sync(spec: ContainerSpec): void;
  exec(spec: ExecSpec): Sandbox;
  stop(): void;
}

/** Directories bound from the host: container files under them can only be bind-mounted over existing paths.
 *  (/etc is an overlay with the pod's files in its upper layer: anything can be added there.) */
const HOST_DIRS = ['/usr', '/dev', '/proc'];
const TOP_LEVEL_LINKS: [string, string][] = [
  ['bin', 'usr/bin'],
  ['sbin', 'usr/sbin'],
  ['lib', 'usr/lib'],
  ['lib64', 'usr/lib64'],
];
/** The holder prints this once every mount is in place. */
const READY = 'kaf-container-ready';

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function underHostDir(p: string): boolean {
  return HOST_DIRS.some((d) => p === d || p.startsWith(d + '/'));
}

const binCache = new Map<string, string>();
let binRoot: string | undefined;

/** One directory per profile with the allowed executables, made once per process and bound over /usr/bin. */
export function profileBinDir(key: string, executables: Map<string, string>): string {
  const cached = binCache.get(key);
  if (cached && existsSync(cached)) return cached;
  // A new root when the old one went away (a test that pointed TMPDIR elsewhere and cleaned up):
  // recreating it with mkdir -p would resurrect that test's directory.
  if (!binRoot || !existsSync(binRoot)) {
    binCache.clear();
    binRoot = scratchDir('bins');
    const root = binRoot;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  const dir = join(binRoot, key);
  mkdirSync(dir, { recursive: true });
  const bySource = new Map<string, string>();
  for (const [name, src] of executables) {
    if (!existsSync(src)) continue;
    const dst = join(dir, name);
    const first = bySource.get(src);
    if (first) linkSync(first, dst);
    else {
      copyFileSync(src, dst);
      chmodSync(dst, 0o755);
      bySource.set(src, dst);
    }
  }
  binCache.set(key, dir);
  return dir;
}

/** The shell script the holder runs inside its new mount namespace (pure: text from the plan). */
export function setupScript(opts: {
  stage: string;
  bins: string;
  hostname: string;
  binds: { source: string; target: string }[];
  hostHasLocal: { bin: boolean; sbin: boolean };
}): string {
  const R = `${opts.stage}/root`;
  const lines = [
    'set -e',
    `R=${shq(R)}`,
    'mount -t tmpfs -o mode=755 kaf-root "$R"',
    `cp -a ${shq(opts.stage + '/files/.')} "$R/"`,
    'mount --rbind /usr "$R/usr"',
    `mount --bind ${shq(opts.bins)} "$R/usr/bin"`,
    'mount -o remount,bind,ro "$R/usr/bin"',
    'mount -t tmpfs -o mode=755 kaf-sbin "$R/usr/sbin"',
  ];
  if (opts.hostHasLocal.bin) lines.push('mount -t tmpfs -o mode=755 kaf-local-bin "$R/usr/local/bin"');
  if (opts.hostHasLocal.sbin) lines.push('mount -t tmpfs -o mode=755 kaf-local-sbin "$R/usr/local/sbin"');
  // The host's /etc below, the pod's resolv.conf, hosts, hostname and mounted files above; writes stay in the stage.
  lines.push(
    `mount -t overlay -o ${shq(`lowerdir=/etc,upperdir=${opts.stage}/etc,workdir=${opts.stage}/etc-work`)} kaf-etc "$R/etc"`,
  );
  lines.push(
    'mount --rbind /dev "$R/dev"',
    'mount --rbind /proc "$R/proc"',
    'mount -t tmpfs -o mode=1777 kaf-tmp "$R/tmp"',
  );
  for (const b of opts.binds) lines.push(`mount --bind ${shq(b.source)} "$R"${shq(b.target)}`);
  lines.push(`hostname ${shq(opts.hostname)}`);
  // Ready, then hold the namespaces until the sim closes stdin (or dies).
  lines.push(`echo ${READY}`, 'exec cat >/dev/null');
  return lines.join('\n') + '\n';
}

/** The pod's files with the kubelet's /etc files, by path. */
function filesOf(spec: ContainerSpec): Map<string, ContainerFile> {
  const all = [
    ...spec.files,
    { path: '/etc/resolv.conf', content: spec.resolvConf },
    { path: '/etc/hosts', content: spec.hosts },
    { path: '/etc/hostname', content: spec.hostname + '\n' },
  ];
  return new Map(all.map((f) => [f.path, f]));
}

/** Everything a container is built from except file contents (pure). */
export function containerLayout(spec: ContainerSpec): string {
  return JSON.stringify({
    revision: spec.revision,
    hostname: spec.hostname,
    workingDir: spec.workingDir,
    profile: spec.profileKey,
    executables: [...spec.executables].sort(),
    dirs: [...spec.dirs].sort(),
    // files under host directories are bind mounts: one more or less needs a new container
    bound: spec.files
      .map((f) => f.path)
      .filter(underHostDir)
      .sort(),
  });
}

/** Written as the kubelet writes a volume's files: the mode set exactly, whatever the umask. */
function writeFile(hostPath: string, f: ContainerFile): void {
  mkdirSync(dirname(hostPath), { recursive: true });
  writeFileSync(hostPath, f.content);
  chmodSync(hostPath, f.mode ?? 0o644);
}

export async function startContainer(spec: ContainerSpec, timeoutMs = 10_000): Promise<RunningContainer> {
  const stage = scratchDir('stage');
  const R = join(stage, 'root');
  const bindOf = new Map<string, string>();
  let child: ChildProcess | undefined;
  try {
    const files = join(stage, 'files');
    mkdirSync(R);
    for (const d of ['usr', 'etc', 'proc', 'dev', 'tmp', 'run', 'var', 'root', 'opt', 'home', 'mnt'])
      mkdirSync(join(files, d), { recursive: true });
    mkdirSync(join(files, 'var', 'tmp'), { mode: 0o1777 });
    chmodSync(join(files, 'var', 'tmp'), 0o1777);
    for (const [l, t] of TOP_LEVEL_LINKS) symlinkSync(t, join(files, l));
    symlinkSync('../run', join(files, 'var', 'run'));
    const binds: { source: string; target: string }[] = [];
    const place = (p: string, write: (hostPath: string) => void, isDir: boolean) => {
      if (p === '/etc' || p.startsWith('/etc/')) {
        const hp = join(stage, p);
        mkdirSync(isDir ? hp : dirname(hp), { recursive: true });
        write(hp);
        return;
      }
      if (underHostDir(p)) {
        if (!existsSync(p)) return; // cannot create it without touching the host: left out
        const src = join(stage, 'binds', String(binds.length));
        mkdirSync(isDir ? src : dirname(src), { recursive: true });
        write(src);
        binds.push({ source: src, target: p });
        if (!isDir) bindOf.set(p, src);
        return;
      }
      const hp = join(files, p);
      mkdirSync(isDir ? hp : dirname(hp), { recursive: true });
      write(hp);
    };
    const written = filesOf(spec);
    for (const d of [...spec.dirs, spec.workingDir]) place(d, () => undefined, true);
    mkdirSync(join(stage, 'etc'), { recursive: true });
    mkdirSync(join(stage, 'etc-work'));
    for (const f of written.values()) place(f.path, (hp) => writeFile(hp, f), false);
    const script = setupScript({
      stage,
      bins: profileBinDir(spec.profileKey, spec.executables),
      hostname: spec.hostname,
      binds,
      hostHasLocal: { bin: existsSync('/usr/local/bin'), sbin: existsSync('/usr/local/sbin') },
    });
    writeFileSync(join(stage, 'setup.sh'), script);

    const holder = spawn(
      'unshare',
      ['--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', join(stage, 'setup.sh')],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child = holder;
    holder.stdin!.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`container not ready after ${timeoutMs} ms`)), timeoutMs);
      holder.stderr!.on('data', (d) => {
        err += d;
      });
      holder.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      holder.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`container setup failed (${code}): ${err.trim()}`));
      });
      holder.stdout!.on('data', (d) => {
        out += d;
        if (out.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

    const pid = holder.pid!;
    /** Where a container path is on the host: bind sources directly, everything else through the holder's root. */
    const hostPath = (p: string): string | undefined => (underHostDir(p) ? bindOf.get(p) : `/proc/${pid}/root${R}${p}`);
    let stopped = false;
    const alive = () => !stopped && holder.exitCode === null && holder.signalCode === null;
    return {
      layout: containerLayout(spec),
      alive,
      sync(next: ContainerSpec): void {
        const want = filesOf(next);
        for (const [p, f] of want) {
          const had = written.get(p);
          if (had?.fixed) continue;
          if (had && had.content === f.content && (had.mode ?? 0o644) === (f.mode ?? 0o644)) continue;
          const hp = hostPath(p);
          try {
            if (hp) writeFile(hp, f);
          } catch {
            /* under a read-only mount (e.g. /usr/bin): as hidden as at the container's start */
          }
          written.set(p, f);
        }
        for (const [p, f] of [...written]) {
          if (want.has(p) || f.fixed) continue;
          written.delete(p);
          const hp = hostPath(p);
          if (hp && !underHostDir(p)) rmSync(hp, { force: true });
        }
      },
      exec(e: ExecSpec): Sandbox {
        const argv = [
          'nsenter',
          `--target=${pid}`,
          '--mount',
          '--uts',
          ...(e.netnsPath ? [`--net=${e.netnsPath}`] : []),
          '--',
          'unshare',
          `--root=${R}`,
          `--wd=${spec.workingDir}`,
          '--',
          ...e.argv,
        ];
        const c = spawn(argv[0]!, argv.slice(1), {
          env: spec.env,
          stdio: [e.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
          detached: true,
        });
        let cleaned = false;
        return {
          child: c,
          cleanup: () => {
            if (cleaned) return;
            cleaned = true;
            try {
              if (c.pid) process.kill(-c.pid, 'SIGKILL');
            } catch {
              /* the group is already gone */
            }
          },
        };
      },
      stop(): void {
        if (stopped) return;
        stopped = true;
        holder.kill('SIGKILL');
        rmSync(stage, { recursive: true, force: true });
      },
    };
  } catch (e) {
    child?.kill('SIGKILL');
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
}
