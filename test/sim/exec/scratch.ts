// Scratch directories of exec (staging roots, the profile executables, the agent script, Unix
// sockets). Named kaf-exec-<kind>-<pid>-XXXXXX so that directories of a sim that was killed
// (SIGKILL runs no exit handler) are recognised and removed by the next sim that execs.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NAME = /^kaf-exec-(stage|bins|agent|net)-(\d+)-/;
const swept = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes scratch directories whose process is gone (once per temp directory and process). */
export function sweepStale(dir = tmpdir()): string[] {
  if (swept.has(dir)) return [];
  swept.add(dir);
  const removed: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const e of entries) {
    const m = NAME.exec(e);
    if (!m || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
    rmSync(join(dir, e), { recursive: true, force: true });
    removed.push(e);
  }
  return removed;
}

export function scratchDir(kind: 'stage' | 'bins' | 'agent'): string {
  const base = tmpdir();
  sweepStale(base);
  return mkdtempSync(join(base, `kaf-exec-${kind}-${process.pid}-`));
}
