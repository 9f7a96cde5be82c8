// Runs an exec'd command as a local process that sees what the container would: a private mount
// namespace (`unshare --mount --propagation private`) whose root is a tmpfs holding the pod's files
// (ServiceAccount token, ConfigMap volumes, resolv.conf, hosts), the host's /usr, /etc, /dev and
// /proc bound in, /usr/bin replaced by the image profile's executables only, its own hostname
// (UTS namespace), and optionally the pod's network namespace (nsenter --net). Everything lives in
// namespaces that vanish with the process; the staging directory is removed afterwards.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContainerFile } from './pod-files.ts';
import { scratchDir } from './scratch.ts';

export interface SandboxSpec {
  hostname: string;
  env: Record<string, string>;
  /** argv with argv[0] already resolved to a path inside the container */
  argv: string[];
  workingDir: string;
  /** container name in /usr/bin -> host file */
  executables: Map<string, string>;
  profileKey: string;
  files: ContainerFile[];
  dirs: string[];
  resolvConf: string;
  hosts: string;
  /** join this network namespace (isolated pods); absent: the host network */
  netnsPath?: string;
  stdin: boolean;
}

export interface Sandbox {
  child: ChildProcess;
  /** kills what is left of the process group and removes the staging directory */
  cleanup(): void;
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

/** The shell script run inside the new mount namespace before the command (pure: text from the plan). */
export function setupScript(opts: {
  stage: string;
  bins: string;
  hostname: string;
  workingDir: string;
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
  lines.push(`exec unshare --root="$R" --wd=${shq(opts.workingDir)} -- "$@"`);
  return lines.join('\n') + '\n';
}

export function startSandbox(spec: SandboxSpec): Sandbox {
  const stage = scratchDir('stage');
  try {
    const files = join(stage, 'files');
    mkdirSync(join(stage, 'root'));
    for (const d of ['usr', 'etc', 'proc', 'dev', 'tmp', 'run', 'var', 'root', 'opt', 'home', 'mnt'])
      mkdirSync(join(files, d), { recursive: true });
    mkdirSync(join(files, 'var', 'tmp'), { mode: 0o1777 });
    chmodSync(join(files, 'var', 'tmp'), 0o1777);
    for (const [l, t] of TOP_LEVEL_LINKS) symlinkSync(t, join(files, l));
    symlinkSync('../run', join(files, 'var', 'run'));
    const binds: { source: string; target: string }[] = [];
    let n = 0;
    const place = (p: string, write: (hostPath: string) => void, isDir: boolean) => {
      if (p === '/etc' || p.startsWith('/etc/')) {
        const hp = join(stage, p);
        mkdirSync(isDir ? hp : dirname(hp), { recursive: true });
        write(hp);
        return;
      }
      if (underHostDir(p)) {
        if (!existsSync(p)) return; // cannot create it without touching the host: left out
        const src = join(stage, 'binds', String(n++));
        mkdirSync(isDir ? src : dirname(src), { recursive: true });
        write(src);
        binds.push({ source: src, target: p });
        return;
      }
      const hp = join(files, p);
      mkdirSync(isDir ? hp : dirname(hp), { recursive: true });
      write(hp);
    };
    for (const d of [...spec.dirs, spec.workingDir]) place(d, () => undefined, true);
    for (const f of spec.files) place(f.path, (hp) => writeFileSync(hp, f.content, { mode: f.mode ?? 0o644 }), false);
    mkdirSync(join(stage, 'etc'), { recursive: true });
    mkdirSync(join(stage, 'etc-work'));
    writeFileSync(join(stage, 'etc', 'resolv.conf'), spec.resolvConf);
    writeFileSync(join(stage, 'etc', 'hosts'), spec.hosts);
    writeFileSync(join(stage, 'etc', 'hostname'), spec.hostname + '\n');
    const bins = profileBinDir(spec.profileKey, spec.executables);
    const script = setupScript({
      stage,
      bins,
      hostname: spec.hostname,
      workingDir: spec.workingDir,
      binds,
      hostHasLocal: { bin: existsSync('/usr/local/bin'), sbin: existsSync('/usr/local/sbin') },
    });
    writeFileSync(join(stage, 'setup.sh'), script);

    const inner = [
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      join(stage, 'setup.sh'),
      ...spec.argv,
    ];
    const cmd = spec.netnsPath ? ['nsenter', `--net=${spec.netnsPath}`, '--', ...inner] : inner;
    const child = spawn(cmd[0], cmd.slice(1), {
      env: spec.env,
      stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let cleaned = false;
    return {
      child,
      cleanup: () => {
        if (cleaned) return;
        cleaned = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* the group is already gone */
        }
        rmSync(stage, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
}
