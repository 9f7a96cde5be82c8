// What one command run in a pod gave back, as plain data (kube/exec.ts runs it; the probes' pure
// decisions read it).
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The command's exit code; null when the runtime could not start it or no status came. */
  exitCode: number | null;
  /** The Status message on failure (e.g. the runtime's "executable file not found"). */
  message?: string;
  reason?: string;
  timedOut: boolean;
  ms: number;
}

/** True when the runtime could not find the executable (containerd/CRI-O wording). */
export function isMissingExecutable(message: string | undefined): boolean {
  return !!message && /executable file not found|no such file or directory|not found in \$PATH/i.test(message);
}
