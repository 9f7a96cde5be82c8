// The exec request as the API server validates it before any stream exists
// (pkg/registry/core/pod/strategy.go streamLocation / ExecLocation) and the kubelet's
// "container not found" when the container is not running. Pure.

import type { KubeObject, Status } from '../types.ts';
import { podSpec } from './pod-files.ts';
import { parseQuery } from '../query.ts';

export interface ExecOptions {
  namespace: string;
  pod: string;
  command: string[];
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(v: string | null): boolean {
  return v !== null && /^(true|1|t|yes)$/i.test(v);
}

/** `/api/v1/namespaces/NS/pods/NAME/exec?command=a&command=b&container=c&stdout=true` */
export function parseExecUrl(url: string): ExecOptions | undefined {
  const u = new URL(url, 'https://sim.invalid');
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec\/?$/.exec(u.pathname);
  if (!m) return undefined;
  const q = parseQuery(u.search.slice(1));
  return {
    namespace: decodeURIComponent(m[1]),
    pod: decodeURIComponent(m[2]),
    command: q.getAll('command'),
    container: q.get('container') || undefined,
    stdin: flag(q.get('stdin')),
    stdout: flag(q.get('stdout')),
    stderr: flag(q.get('stderr')),
    tty: flag(q.get('tty')),
  };
}

function status(code: number, reason: string, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

export function podNotFound(name: string): Status {
  return status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
}

export function badRequest(message: string): Status {
  return status(400, 'BadRequest', message);
}

export type Target =
  | { ok: true; container: string }
  /** refused before the upgrade: an HTTP Status response */
  | { ok: false; httpStatus: Status }
  /** the upgrade happens, then the kubelet fails: the error goes on channel 3 */
  | { ok: false; streamError: string };

/** Picks and checks the container the way the API server and then the kubelet do. */
export function resolveTarget(
  pod: KubeObject,
  opts: Pick<ExecOptions, 'container' | 'command' | 'stdin' | 'stdout' | 'stderr'>,
): Target {
  const name = pod.metadata.name;
  const spec = podSpec(pod);
  const names = (spec.containers ?? []).map((c) => c.name);
  const initNames = (spec.initContainers ?? []).map((c) => c.name);
  const ephemeralNames = (spec.ephemeralContainers ?? []).map((c) => c.name);
  if (!opts.stdin && !opts.stdout && !opts.stderr) {
    return { ok: false, httpStatus: badRequest('you must specify at least 1 of stdin, stdout, stderr') };
  }
  if (opts.command.length === 0) {
    return { ok: false, httpStatus: badRequest('you must specify at least one command for the container') };
  }
  let container = opts.container;
  if (!container) {
    if (names.length === 1) container = names[0];
    else if (names.length === 0)
      return { ok: false, httpStatus: badRequest(`a container name must be specified for pod ${name}`) };
    else {
      let msg = `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`;
      if (initNames.length > 0) msg += ` or one of the init containers: [${initNames.join(' ')}]`;
      return { ok: false, httpStatus: badRequest(msg) };
    }
  } else if (!names.includes(container) && !initNames.includes(container) && !ephemeralNames.includes(container)) {
    return { ok: false, httpStatus: badRequest(`container ${container} is not valid for pod ${name}`) };
  }
  if (!spec.nodeName) return { ok: false, httpStatus: badRequest(`pod ${name} does not have a host assigned`) };
  if (!containerRunning(pod, container))
    return { ok: false, streamError: `unable to upgrade connection: container not found ("${container}")` };
  return { ok: true, container };
}

/** Running when the pod is Running and the container's status (if any is recorded) is running. */
export function containerRunning(pod: KubeObject, container: string): boolean {
  type Statuses = { name: string; state?: Record<string, unknown> }[];
  const st = (pod.status ?? {}) as {
    phase?: string;
    containerStatuses?: Statuses;
    initContainerStatuses?: Statuses;
    ephemeralContainerStatuses?: Statuses;
  };
  const cs = [
    ...(st.containerStatuses ?? []),
    ...(st.initContainerStatuses ?? []),
    ...(st.ephemeralContainerStatuses ?? []),
  ].find((c) => c.name === container);
  if (cs?.state) return 'running' in cs.state;
  // an init or ephemeral container without a status has not been started by the kubelet
  if (
    podSpec(pod).initContainers?.some((c) => c.name === container) ||
    podSpec(pod).ephemeralContainers?.some((c) => c.name === container)
  )
    return false;
  return st.phase === 'Running';
}
