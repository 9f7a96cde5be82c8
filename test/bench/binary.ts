// The build host's single executable, built once per process into a private folder (several
// engineers and test runs share the work tree, so tests never write to dist/). KA_BINARY_DIR
// reuses a folder from an earlier `node scripts/dist.ts --targets linux-amd64` run instead.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { archiveName, binaryName, dist, hostTarget, type Target } from '../../scripts/dist.ts';

export interface HostBinary {
  target: Target;
  dir: string;
  binary: string;
  archive: string;
  seconds: number;
}

let pending: Promise<HostBinary> | undefined;

const temps: string[] = [];
let hooked = false;
/** A temporary folder removed when the process exits: executables are ~150 MiB each. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(d);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const t of temps) rmSync(t, { recursive: true, force: true });
    });
  }
  return d;
}

export function hostBinary(): Promise<HostBinary> {
  pending ??= (async () => {
    const target = hostTarget();
    if (!target) throw new Error(`no krew target for ${process.platform}/${process.arch}`);
    const reuse = process.env.KA_BINARY_DIR;
    const dir = reuse ?? tempDir('ka-dist-');
    const binary = path.join(dir, target.replace('-', '_'), binaryName(target));
    const archive = path.join(dir, archiveName(target));
    const start = performance.now();
    if (!(reuse && existsSync(binary) && existsSync(archive))) await dist([target], { outDir: dir });
    return { target, dir, binary, archive, seconds: (performance.now() - start) / 1000 };
  })();
  return pending;
}
