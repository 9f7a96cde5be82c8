// The imperative shell of `net`: fetch the pod and what the cluster says about the path to the
// API server, run the probe (one exec where the image has python3), hand everything to diagnose().
import { ClusterError, UsageError } from '../base/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { prepareExec } from '../kube/exec.ts';
import { getObject, listObjects } from '../kube/reads.ts';
import { runProbe } from '../kube/probe-runner.ts';
import type { ClusterFacts, NetReport } from './model.ts';
import { evaluateEgress, type NetworkPolicy } from './netpol.ts';
import {
  needsShellProbe,
  probeCommands,
  apiServerEndpoints,
  serviceAddress,
  type EndpointsObject,
  type ServiceObject,
  type SliceList,
  podRequirement,
  chooseContainer,
  notProbeable,
  PodNotFound,
  probeExecTimeoutMs,
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
import { addDebugContainer, PodProblem } from './debug-container.ts';
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
  /** Each permission asked once from the pod, not on every path (ProbeInput.accessOnce). */
  accessOnce?: boolean;
  /** Called once the probe's exec socket exists, its connection under way (doctor starts its CPU-bound layers then). */
  onProbeStarted?: () => void;
}

export { PodProblem } from './debug-container.ts';

export interface ProbeOutcome {
  report: NetReport;
  /** kubectl-style notes for stderr (defaulted container, ephemeral container added). */
  notes: string[];
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
    // the same list ha reads (one answer per command: doctor asks it once)
    soft(
      listObjects<NonNullable<SliceList['items']>[number]>(conn, 'endpointslices', {
        namespace: 'default',
        labelSelector: 'kubernetes.io/service-name=kubernetes',
      }).then((items): SliceList => ({ items })),
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
  prepareExec();
  const pod = known ?? (await getPod(conn, namespace, podName));
  const choice = chooseContainer(pod, opts.container);
  const notes = choice.note ? [choice.note] : [];
  const why = notProbeable(pod, choice.container);
  if (why) throw new PodProblem(why);
  const sa = serviceAccountOf(pod);

  // What the cluster says, fetched while the probe runs: once the exec's socket is under way, so
  // that the longest wait starts first. The endpoints decide what the probe tries: the exec waits
  // for them, not for the other reads.
  const endpoints = controlPlane(conn);
  const readClusterSide = () =>
    Promise.all([
      endpoints,
      soft(getObject<{ automountServiceAccountToken?: boolean }>(conn, 'serviceaccounts', { namespace, name: sa })),
      soft(listObjects<NetworkPolicy>(conn, 'networkpolicies', { namespace })),
      soft(controlPlaneEvidence(conn)),
    ]);
  let clusterReads: ReturnType<typeof readClusterSide> | undefined;
  const clusterSide = () => (clusterReads ??= readClusterSide());
  const seen: { keepalive?: KeepaliveConfig; config?: AirflowConfig } = {};
  const [cp, required] = await Promise.all([endpoints, requirementFor(conn, pod, namespace, sa, opts, seen)]);
  const remote = remotePlanFor(pod, choice.container, seen.config, !!opts.debugImage);
  const input: ProbeInput = {
    timeoutSeconds: opts.timeoutSeconds,
    attempts: opts.attempts,
    endpoints: cp.endpoints.map((e) => ({ ip: e.ip, port: e.port })),
    access: required.access,
    ...(opts.accessOnce ? { accessOnce: true } : {}),
    remote: remote.probed,
  };
  const who = { pod: podName, namespace, container: choice.container, serviceAccount: sa };

  let container = choice.container;
  if (opts.debugImage) {
    container = await addDebugContainer(conn, pod, namespace, opts.debugImage, choice.container, opts);
    notes.push(`probing from ephemeral container ${container} (${opts.debugImage})`);
  }

  const target = { namespace, pod: podName, container };
  const bound = probeExecTimeoutMs(opts.timeoutSeconds);
  let run = await runProbe(conn, target, probeCommands(probePy(), input), bound, () => {
    void clusterSide();
    opts.onProbeStarted?.();
  });
  let kind: 'sh' | 'python3' = 'python3';
  if (run.started && needsShellProbe(run.result)) {
    kind = 'sh';
    run = await runProbe(conn, target, [shellCommand(probeSh(), input)], bound);
  }
  if (!run.started) {
    const hint = opts.debugImage
      ? ''
      : ': rerun with --debug-image IMAGE (an image with python3 or sh; adds an ephemeral container, needs patch pods/ephemeralcontainers)';
    return { report: notProbed(who, `container ${container} has neither python3 nor sh (distroless?)${hint}`), notes };
  }
  const result = run.result;
  opts.debug?.(1, `probe exec (${kind}): exit ${result.exitCode} in ${result.ms} ms`);
  if (result.exitCode === null && !result.timedOut && !result.stdout)
    return {
      report: notProbed(who, `exec into ${container} failed: ${result.message ?? result.stderr.trim()}`),
      notes,
    };
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

  const [, saRes, npRes, cpRes] = await clusterSide();
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
    const watched = await holdWatch(
      conn,
      target,
      kind,
      launch,
      opts.watchSeconds,
      opts.timeoutSeconds,
      seen.keepalive,
      doc.clients,
    );
    opts.debug?.(1, `watch exec: ${watched.verdict}`);
    return { report: withLayer(report, watched), notes };
  }
  return { report, notes };
}
