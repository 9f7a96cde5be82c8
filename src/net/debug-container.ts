// `net --debug-image`: the ephemeral container the probe runs in when the pod's own image cannot
// (distroless), added as kubectl debug adds it, and the one line a problem with the pod itself gets.
import { fromStatus } from '../base/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { patchSubresource, resourcePath, RESOURCES } from '../kube/reads.ts';
import { selfSubjectAccessReview } from '../kube/reviews.ts';
import {
  DEBUG_PERMISSIONS,
  ephemeralContainerPatch,
  ephemeralName,
  legacyEphemeralPatch,
  PodNotFound,
  type PodView,
} from './plan.ts';
import type { NetOptions } from './run.ts';

/** A problem found with the pod itself (not running, ephemeral container refused or not starting): exit 1, one line. A pod that does not exist is a PodNotFound (exit 2). */
export class PodProblem extends Error {
  readonly exitCode = 1;
  get line(): string {
    return this.message;
  }
}

async function ssar(
  conn: Connection,
  namespace: string,
  a: { verb: string; group: string; resource: string; subresource: string },
  name?: string,
): Promise<boolean> {
  const res = await selfSubjectAccessReview(conn, { namespace, ...a, ...(name ? { name } : {}) });
  if (res.status < 200 || res.status >= 300)
    throw fromStatus(res.status, res.body, 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
  const r = res.body;
  return r.status?.allowed === true;
}

/** --debug-image: permission check, then the ephemeral container, then wait for it to run. */
export async function addDebugContainer(
  conn: Connection,
  pod: PodView,
  namespace: string,
  image: string,
  target: string,
  opts: NetOptions,
): Promise<string> {
  const denied: string[] = [];
  for (const p of DEBUG_PERMISSIONS) {
    if (!(await ssar(conn, namespace, p, pod.metadata.name))) denied.push(`${p.verb} ${p.resource}/${p.subresource}`);
  }
  if (denied.length)
    throw new PodProblem(
      `--debug-image needs ${denied.join(', ')} in namespace ${namespace}: ask for them, or run net without --debug-image`,
    );
  const name = ephemeralName(Date.now());
  const patch = ephemeralContainerPatch(name, image, target);
  // As kubectl debug: a strategic merge patch of the ephemeralcontainers subresource (the verb checked
  // above); a server before 1.22 answers with its EphemeralContainers kind and gets a JSON patch.
  const ref = { namespace, name: pod.metadata.name, subresource: 'ephemeralcontainers' };
  const sub = resourcePath(RESOURCES.pods, ref);
  const send = async (contentType: string, body: unknown) => {
    const res = await patchSubresource<{ kind?: string; details?: { name?: string } }>(
      conn,
      'pods',
      ref,
      body,
      contentType,
    );
    if (res.status >= 200 && res.status < 300) return res.body;
    // a 404 without details is the missing subresource (the pod's own 404 names it), as kubectl debug reads it
    if (res.status === 404 && !(typeof res.body === 'object' && res.body?.details?.name)) {
      throw new PodProblem(
        `ephemeral containers are disabled for this cluster (HTTP 404 on PATCH ${sub}): probe from another pod on the same node with the same NetworkPolicies instead`,
      );
    }
    if (res.status === 404) throw new PodNotFound(pod.metadata.name, namespace);
    throw fromStatus(res.status, res.body, `PATCH ${sub}`);
  };
  const answer = await send('application/strategic-merge-patch+json', patch);
  if (answer?.kind === 'EphemeralContainers') {
    opts.debug?.(1, 'the server speaks the pre-1.22 EphemeralContainers kind: adding the container with a JSON patch');
    await send('application/json-patch+json', legacyEphemeralPatch(patch));
  }
  // said now, not with the report: an interrupted run (Ctrl-C) must not leave it untold
  opts.say?.(
    `added ephemeral container ${name} (${image}) to pod ${namespace}/${pod.metadata.name}; it stays in the pod spec until the pod is deleted (the API cannot remove one)`,
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    // a poll: request() asks anew each time (get() answers a read once per command)
    const p = await conn.request<PodView>({
      path: resourcePath(RESOURCES.pods, { namespace, name: pod.metadata.name }),
    });
    const st = p.status?.ephemeralContainerStatuses?.find((c) => c.name === name);
    if (st?.state?.running) return name;
    if (st?.state?.terminated)
      throw new PodProblem(
        `ephemeral container ${name} ended (${st.state.terminated.reason ?? 'terminated'}) before the probe could run`,
      );
    if (Date.now() > deadline)
      throw new PodProblem(`ephemeral container ${name} did not start within 60s (image pull?)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
