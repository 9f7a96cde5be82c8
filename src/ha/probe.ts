// `ha --from <pod>`: one exec into the pod running the net probe (src/net/probe.py) in its
// "readyz" mode with the endpoints as data; the probe connects to every endpoint at once. An image
// without python3 gets the POSIX sh probe (src/net/probe.sh, same output shape) instead.
import { ClusterError } from '../base/errors.ts';
import type { Connection } from '../kube/connection.ts';
import type { ExecResult } from '../base/exec-result.ts';
import { failed } from '../kube/fetched.ts';
import { runProbe } from '../kube/probe-runner.ts';
import type { Chain } from './chain.ts';
import { PERMISSIONS } from './checks.ts';
import { probePy, probeSh } from '../net/programs.ts';
import { PodNotFound, readyzPythonCommand, readyzShellCommand, type PodView } from '../net/plan.ts';
import { getPod } from '../net/run.ts';
import { fromContainer, probeOutcome, probeTargets } from './from-pod.ts';
import type { Fetched, ProbeResult } from './model.ts';

const PROBE_TIMEOUT_SECONDS = 3;

/** A refusal kept as data (the from-pod check SKIPs); a vanished pod (404) stays an error. */
function refused(e: unknown, permission: string): Fetched<never> {
  if (e instanceof ClusterError && e.status === 404) throw e;
  return failed(e, { permission });
}

export async function probeEndpoints(
  conn: Connection,
  namespace: string,
  pod: string,
  container: string | undefined,
  chain: Chain,
  podRead: Promise<PodView> = getPod(conn, namespace, pod),
): Promise<Fetched<ProbeResult[]>> {
  let podObj: PodView;
  try {
    podObj = await podRead;
  } catch (e) {
    // the pod the user named does not exist: a usage error (exit 2), the same line as net and doctor --pod
    if (e instanceof PodNotFound) throw e;
    return refused(e, `get pods in ${namespace}`);
  }
  const c = fromContainer(podObj, container);
  const endpoints = probeTargets(chain);
  if (endpoints.length === 0) return { ok: true, value: [] };
  const timeoutMs = (PROBE_TIMEOUT_SECONDS * 6 + 15) * 1000;
  let r: ExecResult;
  try {
    const commands = [
      readyzPythonCommand(probePy(), endpoints, PROBE_TIMEOUT_SECONDS),
      readyzShellCommand(probeSh(), endpoints, PROBE_TIMEOUT_SECONDS),
    ];
    r = (await runProbe(conn, { namespace, pod, container: c }, commands, timeoutMs)).result;
  } catch (e) {
    return refused(e, PERMISSIONS.exec);
  }
  return probeOutcome(r, pod, c, timeoutMs);
}
