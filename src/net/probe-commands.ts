// The exact argv of the probe's execs (program and data kept apart, the data checked first), what
// the python-first exec says, and the bound on the whole probe. Pure.
import type { ExecResult } from '../base/exec-result.ts';
import type { AccessAsk } from './plan.ts';
import type { RemoteKubeconfig } from '../airflow/remote-kubeconfig.ts';

export interface ProbeInput {
  timeoutSeconds: number;
  attempts: number;
  endpoints: Array<{ ip: string; port: number }>;
  access: ReadonlyArray<AccessAsk>;
  /**
   * Each permission asked once from the pod, over whichever verified connection is free (doctor,
   * whose RBAC layer judges permissions), instead of on every path (net, to name a replica that
   * answers differently). probe.py only: probe.sh asks on every path.
   */
  accessOnce?: boolean;
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

/** What the python-first command prints (and exit 97) when the image has sh but no python3. */
export const NO_PYTHON = 'kubectl-airflow-probe: no python3 in this image';
const PYTHON_FIRST = `if command -v python3 >/dev/null 2>&1; then exec python3 -c "$1" "$2"; fi; echo '${NO_PYTHON}'; exit 97`;

/**
 * One exec for the usual Airflow image (Airflow is Python): sh finds python3 and replaces itself
 * with the probe; an image with sh only says so, and gets the sh probe in a second exec; an image
 * without sh (distroless) is told by the runtime, and gets `python3 -c` directly (runProbe's next
 * command).
 */
export function probeCommands(pyProgram: string, input: ProbeInput): string[][] {
  const python = pythonCommand(pyProgram, input);
  return [['sh', '-c', PYTHON_FIRST, 'kubectl-airflow-probe', python[2]!, python[3]!], python];
}

/** The python-first command found no python3: the sh probe must run instead. */
export function needsShellProbe(r: Pick<ExecResult, 'exitCode' | 'stdout'>): boolean {
  return r.exitCode === 97 && r.stdout.trim() === NO_PYTHON;
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
    ...(input.accessOnce ? { accessOnce: true } : {}),
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
 * probe exec at 7 x timeout + 10 s (twice for an image with sh and no python3), and each API request at
 * --request-timeout. So `net <pod>` ends within 3 requests + 2 x (7 x timeout + 10 s) even when
 * everything in the pod is blackholed (timeout 3 s: 62 s + 3 requests; in practice about 3 x timeout,
 * because a path that does not connect goes no further).
 */
export function budgetSeconds(timeoutSeconds: number): number {
  return 6 * timeoutSeconds;
}
export function probeExecTimeoutMs(timeoutSeconds: number): number {
  return (7 * timeoutSeconds + 10) * 1000;
}
