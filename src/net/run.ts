// The imperative shell of `net`: fetch the pod and what the cluster says about the path to the
// API server, run the probe (one exec to detect, one to probe), hand everything to diagnose().
import { ClusterError, UsageError, fromStatus } from '../base/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { getList, getObject, listObjects, patchSubresource, resourcePath, RESOURCES } from '../kube/reads.ts';
import { selfSubjectAccessReview } from '../kube/reviews.ts';
import { execInPod } from '../kube/exec.ts';
import { runProbe } from '../kube/probe-runner.ts';
import type { ClusterFacts, NetReport } from './model.ts';
import { evaluateEgress, type NetworkPolicy } from './netpol.ts';
import {
  DEBUG_PERMISSIONS,
  DETECT_COMMAND,
  apiServerEndpoints,
  serviceAddress,
  type EndpointsObject,
  type ServiceObject,
  type SliceList,
  DETECT_TIMEOUT_MS,
  interpreterFrom,
  podRequirement,
  chooseContainer,
  ephemeralContainerPatch,
  legacyEphemeralPatch,
  ephemeralName,
  notProbeable,
  PodNotFound,
  probeExecTimeoutMs,
  pythonCommand,
  serviceAccountOf,
  shellCommand,
  validateNames,
  type PodView,
  type ProbeInput,
  type Requirement,
} from './plan.ts';
import { builtinRequirements } from '../airflow/requirements.ts';
import { deniedAccessRemedy } from './access-remedy.ts';
import { UNKNOWN_VERSIONS } from '../rbac/plan.ts';
import { chartOf } from '../airflow/release.ts';
import { launchNamespaces, type AirflowConfig, type KeepaliveConfig } from '../airflow/airflow-cfg.ts';
import { remotePlanFor } from './remote-plan.ts';
import { withRemoteLayer } from './verdict-remote.ts';
import { CLUSTER_WIDE } from '../airflow/namespaces.ts';
import type { LoadedRelease } from '../airflow/discover.ts';
import { probePy, probeSh } from './programs.ts';
import { diagnose, notProbed, parseProbeDoc } from './verdict.ts';

export interface NetOptions {
  container?: string;
  timeoutSeconds: number;
  attempts: number;
  debugImage?: string;
  /** Progress lines for -v. */
  debug?: (level: number, text: string) => void;
  /** A line the user must read even if the run is interrupted right after (stderr, at once). */
  say?: (text: string) => void;
  /** The release, when the caller has loaded it already (net --all, doctor): not read again. */
  release?: LoadedRelease;
  /** --watch: after the probe, hold a watch on pods from inside the pod for this many seconds. */
  watchSeconds?: number;
}

export interface ProbeOutcome {
  report: NetReport;
  /** kubectl-style notes for stderr (defaulted container, ephemeral container added). */
  notes: string[];
}

/** A problem found with the pod itself (not running, ephemeral container refused or not starting): exit 1, one line. A pod that does not exist is a PodNotFound (exit 2). */
export class PodProblem extends Error {
  readonly exitCode = 1;
  get line(): string {
    return this.message;
  }
}

/** A read's value, or the server's refusal as one line (the layers that need it say so). */
async function soft<T>(p: Promise<T>): Promise<{ value?: T; error?: string }> {
  const f = await fetched(p);
  return f.ok ? { value: f.value } : { error: f.message };
}

export async function getPod(conn: Connection, namespace: string, name: string): Promise<PodView> {
  try {
    return await getObject<PodView>(conn, 'pods', { namespace, name });
  } catch (e) {
    if (e instanceof ClusterError && e.status === 404) throw new PodNotFound(name, namespace);
    throw e;
  }
}

/** The API-server endpoints (EndpointSlice `kubernetes`, else Endpoints) and the Service. */
async function controlPlane(
  conn: Connection,
): Promise<{ endpoints: ClusterFacts['endpoints']; service?: ClusterFacts['service']; error?: string }> {
  const [slices, svc] = await Promise.all([
    soft(
      getList<SliceList>(conn, 'endpointslices', {
        namespace: 'default',
        labelSelector: 'kubernetes.io/service-name=kubernetes',
      }),
    ),
    soft(getObject<ServiceObject>(conn, 'services', { namespace: 'default', name: 'kubernetes' })),
  ]);
  // Endpoints only when the slices cannot be read (kube-proxy itself reads the slices)
  const ep = slices.error
    ? await soft(getObject<EndpointsObject>(conn, 'endpoints', { namespace: 'default', name: 'kubernetes' }))
    : undefined;
  return {
    endpoints: apiServerEndpoints(slices.value, ep?.value),
    service: serviceAddress(svc.value),
    error: ep?.value ? undefined : slices.error,
  };
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
async function addDebugContainer(
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
    const p = await getObject<PodView>(conn, 'pods', { namespace, name: pod.metadata.name });
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

/**
 * What the control plane says about each API-server endpoint (identity Leases, nodes), by the same
 * decision `ha` makes; undefined when neither can be read, so that a failing endpoint is then
 * described by how it fails, never called stale on the probe's word alone.
 */
async function controlPlaneEvidence(conn: Connection): Promise<ClusterFacts['controlPlane']> {
  const [{ fetchHa }, { buildChain }, { staleEndpoints }] = await Promise.all([
    import('../ha/fetch.ts'),
    import('../ha/chain.ts'),
    import('../ha/checks.ts'),
  ]);
  const reads = await soft(fetchHa(conn));
  if (!reads.value || (!reads.value.leases.ok && !reads.value.nodes.ok)) return undefined;
  const chain = buildChain({ ...reads.value, now: new Date() });
  const basis = [
    reads.value.leases.ok
      ? `${chain.leases?.filter((l) => l.live).length ?? 0} live API-server Lease(s)`
      : 'Leases not readable',
    reads.value.nodes.ok ? 'nodes read' : 'Nodes not readable',
  ].join(', ');
  return { stale: staleEndpoints(chain), basis };
}

/**
 * What the pod's account needs, by the profiles `rbac` uses: its release (read unless the caller has
 * it) gives the executor, the deployed components and the launch namespaces.
 */
async function requirementFor(
  conn: Connection,
  pod: PodView,
  namespace: string,
  sa: string,
  opts: NetOptions,
  seen: { keepalive?: KeepaliveConfig; config?: AirflowConfig } = {},
): Promise<Requirement> {
  const base = { rows: builtinRequirements(), versions: UNKNOWN_VERSIONS, pod: { namespace, serviceAccount: sa } };
  const chart = chartOf(pod.metadata.labels);
  if (!chart)
    return podRequirement({
      ...base,
      why: 'not a pod of an Airflow chart (no tier=airflow or app=airflow, release and component labels)',
    });
  let loaded =
    opts.release?.release.name === chart.release && opts.release.release.namespace === namespace
      ? opts.release
      : undefined;
  if (!loaded) {
    try {
      const { loadRelease } = await import('../airflow/discover.ts');
      loaded = await loadRelease(conn, namespace, chart.release);
    } catch (e) {
      if (
        !(e instanceof UsageError || (e instanceof ClusterError && (e.kind === 'forbidden' || e.kind === 'notfound')))
      )
        throw e;
      return podRequirement({ ...base, why: `release ${chart.release} not readable (${e.message})` });
    }
  }
  for (const w of loaded.warnings) opts.debug?.(1, `release ${chart.release}: ${w}`);
  seen.keepalive = loaded.config.keepalive;
  seen.config = loaded.config;
  return podRequirement({
    ...base,
    versions: loaded.versions,
    release: {
      name: loaded.release.name,
      component: chart.component,
      executors: loaded.config.executors,
      deployed: [...new Set(loaded.release.components.map((c) => c.component))],
      namespaces: launchNamespaces(loaded.config, loaded.release.namespace),
    },
  });
}

export async function probePod(
  conn: Connection,
  namespace: string,
  podName: string,
  opts: NetOptions,
  known?: PodView,
): Promise<ProbeOutcome> {
  validateNames(podName, namespace, opts.container);
  const pod = known ?? (await getPod(conn, namespace, podName));
  const choice = chooseContainer(pod, opts.container);
  const notes = choice.note ? [choice.note] : [];
  const why = notProbeable(pod, choice.container);
  if (why) throw new PodProblem(why);
  const sa = serviceAccountOf(pod);

  // What the cluster says, fetched while the probe runs.
  const clusterSide = Promise.all([
    controlPlane(conn),
    soft(getObject<{ automountServiceAccountToken?: boolean }>(conn, 'serviceaccounts', { namespace, name: sa })),
    soft(listObjects<NetworkPolicy>(conn, 'networkpolicies', { namespace })),
    soft(controlPlaneEvidence(conn)),
  ]);
  const seen: { keepalive?: KeepaliveConfig; config?: AirflowConfig } = {};
  const [cp, required] = await Promise.all([
    clusterSide.then((x) => x[0]),
    requirementFor(conn, pod, namespace, sa, opts, seen),
  ]);
  const remote = remotePlanFor(pod, choice.container, seen.config, !!opts.debugImage);
  const input: ProbeInput = {
    timeoutSeconds: opts.timeoutSeconds,
    attempts: opts.attempts,
    endpoints: cp.endpoints.map((e) => ({ ip: e.ip, port: e.port })),
    access: required.access,
    remote: remote.probed,
  };
  const who = { pod: podName, namespace, container: choice.container, serviceAccount: sa };

  let container = choice.container;
  if (opts.debugImage) {
    container = await addDebugContainer(conn, pod, namespace, opts.debugImage, choice.container, opts);
    notes.push(`probing from ephemeral container ${container} (${opts.debugImage})`);
  }

  const target = { namespace, pod: podName, container };
  const detect = await execInPod(conn, { ...target, command: DETECT_COMMAND, timeoutMs: DETECT_TIMEOUT_MS });
  opts.debug?.(1, `detect exec: exit ${detect.exitCode} in ${detect.ms} ms`);
  const found = interpreterFrom(detect, container);
  if (found.kind === 'failed') return { report: notProbed(who, found.why), notes };
  // no sh at all: maybe a distroless Python image (python3 without a shell)
  const command = found.kind === 'sh' ? shellCommand(probeSh(), input) : pythonCommand(probePy(), input);
  const run = await runProbe(conn, target, [command], probeExecTimeoutMs(opts.timeoutSeconds));
  if (!run.started) {
    const hint = opts.debugImage
      ? ''
      : ': rerun with --debug-image IMAGE (an image with python3 or sh; adds an ephemeral container, needs patch pods/ephemeralcontainers)';
    return { report: notProbed(who, `container ${container} has neither python3 nor sh (distroless?)${hint}`), notes };
  }
  const kind = found.kind === 'sh' ? 'sh' : 'python3';
  const result = run.result;
  opts.debug?.(1, `probe exec (${kind}): exit ${result.exitCode} in ${result.ms} ms`);
  if (result.timedOut) {
    return {
      report: {
        ...notProbed(
          who,
          `the probe did not finish within ${probeExecTimeoutMs(opts.timeoutSeconds) / 1000}s (the bound); partial output discarded`,
        ),
        probe: kind,
      },
      notes,
    };
  }
  let doc: ReturnType<typeof parseProbeDoc>;
  try {
    doc = parseProbeDoc(result.stdout);
  } catch (e) {
    const tail = (result.message ?? result.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
    return {
      report: {
        ...notProbed(
          who,
          `the probe failed (exit ${result.exitCode}): ${(e as Error).message}${tail ? `: ${tail}` : ''}`,
        ),
        probe: kind,
      },
      notes,
    };
  }

  const [, saRes, npRes, cpRes] = await clusterSide;
  const remedy = await deniedAccessRemedy(conn, doc, required, { namespace, name: sa }, opts);
  const labels = pod.metadata.labels ?? {};
  const facts: ClusterFacts = {
    service: cp.service,
    endpoints: cp.endpoints,
    automount: {
      pod: pod.spec?.automountServiceAccountToken,
      serviceAccount: saRes.value?.automountServiceAccountToken,
      serviceAccountName: sa,
    },
    policy: npRes.value ? evaluateEgress(npRes.value, labels, cp.endpoints, cp.service) : undefined,
    policyError: npRes.error ? `cannot list NetworkPolicies: ${npRes.error}` : undefined,
    podNetwork: { hostNetwork: pod.spec?.hostNetwork, dnsPolicy: pod.spec?.dnsPolicy },
    pod: { namespace, labels },
    now: Math.floor(Date.now() / 1000),
    ...(cp.error ? { endpointsError: cp.error } : {}),
    ...(cpRes.value ? { controlPlane: cpRes.value } : {}),
    ...(opts.debugImage ? { ephemeral: true } : {}),
    required: {
      profiles: required.profiles,
      namespaces: required.namespaces,
      basis: required.basis,
      asked: required.access.length,
      optional: required.optional,
      ...(remedy ? { remedy } : {}),
    },
  };
  const report = withRemoteLayer(diagnose(doc, facts, who), doc, remote);
  if (opts.watchSeconds) {
    const launch =
      required.namespaces.find((n) => n !== CLUSTER_WIDE && /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(n)) ??
      namespace;
    const { holdWatch, withLayer } = await import('./watch-run.ts');
    const watched = await holdWatch(conn, target, kind, launch, opts.watchSeconds, opts.timeoutSeconds, seen.keepalive);
    opts.debug?.(1, `watch exec: ${watched.verdict}`);
    return { report: withLayer(report, watched), notes };
  }
  return { report, notes };
}
