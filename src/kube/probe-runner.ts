// The one way a probe program runs in a pod: each command in turn until one the image can start
// (python3 first where both are offered, then the POSIX sh program). A command the container
// runtime cannot find is not a result; any other outcome, failed or not, is.
import { isMissingExecutable, type ExecResult } from '../base/exec-result.ts';
import type { Connection } from './connection.ts';
import { execInPod } from './exec.ts';

export interface ProbeTarget {
  namespace: string;
  pod: string;
  container?: string;
}

/**
 * The first command the image could start, with its result; when it could start none, the last
 * command's result (the runtime's own message), with `started` false.
 */
export async function runProbe(
  conn: Connection,
  target: ProbeTarget,
  commands: readonly string[][],
  timeoutMs: number,
  onSocket?: () => void,
): Promise<{ command: string[]; result: ExecResult; started: boolean }> {
  let last: { command: string[]; result: ExecResult; started: boolean } | undefined;
  for (const command of commands) {
    const result = await execInPod(conn, { ...target, command, timeoutMs, onSocket });
    last = { command, result, started: !(result.exitCode === null && isMissingExecutable(result.message)) };
    if (last.started) return last;
  }
  if (!last) throw new Error('runProbe: no command given');
  return last;
}
