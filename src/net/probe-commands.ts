// The exact argv of the probe's execs (program and data kept apart, the data checked first), what
// the detect exec says, and the bound on the whole probe. Pure.
import { isMissingExecutable, type ExecResult } from '../base/exec-result.ts';
import type { AccessAsk } from './plan.ts';
import type { RemoteKubeconfig } from '../airflow/remote-kubeconfig.ts';

export interface ProbeInput {
  timeoutSeconds: number;
  attempts: number;
  endpoints: Array<{ ip: string; port: number }>;
  access: ReadonlyArray<AccessAsk>;
  /** Kubeconfigs Airflow loads instead of the in-cluster config (probe.py only): locations and names, no credential. */
  remote?: ReadonlyArray<RemoteKubeconfig>;
}

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/;
const WORD = /^[a-z0-9.*-]*$/;

function checkInput(input: ProbeInput): void {
  // Defence in depth: the probes treat their arguments as data, but nothing odd is even passed.
  for (const e of input.endpoints) {
    if (!IP.test(e.ip) || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535)
      throw new Error(`refusing endpoint ${e.ip}:${e.port}`);
  }
  for (const a of input.access) {
    if (![a.verb, a.group, a.resource, a.subresource, a.namespace].every((w) => WORD.test(w)))
      throw new Error(`refusing permission ${a.verb} ${a.resource}`);
  }
}

/** First exec: which interpreter the container has. Prints the python3 path, or nothing; exit 0. */
export const DETECT_COMMAND = ['sh', '-c', 'command -v python3 2>/dev/null; exit 0'];

/**
 * What the detect exec (DETECT_COMMAND) says about the container: python3 (it printed a path), sh
 * only (it printed nothing), no shell at all (the runtime found no sh: a distroless image, which may
 * still have python3), or an exec that failed for another reason (the probe cannot run).
 */
export function interpreterFrom(
  detect: Pick<ExecResult, 'exitCode' | 'stdout' | 'stderr' | 'message' | 'timedOut'>,
  container: string,
): { kind: 'python3' | 'sh' | 'no-shell' } | { kind: 'failed'; why: string } {
  if (detect.exitCode === 0) return { kind: detect.stdout.trim() ? 'python3' : 'sh' };
  if (isMissingExecutable(detect.message)) return { kind: 'no-shell' };
  if (detect.timedOut)
    return { kind: 'failed', why: `the detect exec did not finish within ${DETECT_TIMEOUT_MS / 1000}s` };
  return { kind: 'failed', why: `exec into ${container} failed: ${detect.message ?? detect.stderr.trim()}` };
}

export function pythonCommand(program: string, input: ProbeInput): string[] {
  checkInput(input);
  const t = input.timeoutSeconds;
  const data = {
    mode: 'net',
    timeout: t,
    budget: budgetSeconds(t),
    attempts: input.attempts,
    endpoints: input.endpoints,
    access: input.access,
    ...(input.remote?.length ? { remote: input.remote } : {}),
  };
  return ['python3', '-c', program, JSON.stringify(data)];
}

export function shellCommand(program: string, input: ProbeInput): string[] {
  checkInput(input);
  const args = ['net', String(Math.max(1, Math.ceil(input.timeoutSeconds))), String(input.attempts)];
  for (const e of input.endpoints) args.push('ep', e.ip, String(e.port));
  for (const a of input.access) args.push('access', a.verb, a.group, a.resource, a.subresource, a.namespace);
  return ['sh', '-c', program, 'kubectl-airflow-probe', ...args];
}

/** `ha --from`: the same probe in its readyz mode, GET /readyz on every endpoint at once. */
export function readyzPythonCommand(
  program: string,
  endpoints: Array<{ address: string; port: number }>,
  timeoutSeconds: number,
): string[] {
  return ['python3', '-c', program, readyzInput(endpoints, timeoutSeconds)];
}

export function readyzShellCommand(
  program: string,
  endpoints: Array<{ address: string; port: number }>,
  timeoutSeconds: number,
): string[] {
  const eps = endpoints.flatMap((e) => ['ep', e.address, String(e.port)]);
  return ['sh', '-c', program, 'kubectl-airflow-probe', 'readyz', String(timeoutSeconds), '1', ...eps];
}

export function readyzInput(endpoints: Array<{ address: string; port: number }>, timeoutSeconds = 3): string {
  return JSON.stringify({
    mode: 'readyz',
    timeout: timeoutSeconds,
    endpoints: endpoints.map((e) => ({ ip: e.address, port: e.port })),
  });
}

/**
 * The bound. The Python probe starts no step after `budget` = 6 x timeout and each step ends within
 * timeout + 0.5 s; the sh probe runs at most 7 steps of (timeout + 1) s each. The plugin closes the
 * probe exec at 7 x timeout + 10 s, the detect exec at 10 s, and each API request at
 * --request-timeout. So `net <pod>` ends within 3 requests + 10 s + (7 x timeout + 10 s) even when
 * everything in the pod is blackholed (timeout 3 s: 41 s + 3 requests; in practice about 3 x timeout,
 * because a path that does not connect goes no further).
 */
export function budgetSeconds(timeoutSeconds: number): number {
  return 6 * timeoutSeconds;
}
export function probeExecTimeoutMs(timeoutSeconds: number): number {
  return (7 * timeoutSeconds + 10) * 1000;
}
export const DETECT_TIMEOUT_MS = 10_000;
