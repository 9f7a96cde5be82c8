// Pure decisions before the probe runs: which container, whether the pod can be probed at all,
// the exact argv of the probe's execs (program and data kept apart), the permissions to ask, the bound
// on the whole command, and the ephemeral-container request of --debug-image.
import { chooseRows, type RequirementRow } from '../airflow/requirements.ts';
import type { Versions } from '../airflow/versions.ts';
import { UsageError } from '../base/errors.ts';
import { modelRequired } from '../rbac/required.ts';
import { sameIp } from './netpol.ts';
import { apiNamespace } from '../airflow/namespaces.ts';
import { byText } from '../base/order.ts';

export * from './probe-commands.ts';

export interface PodView {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    containers?: Array<{ name: string }>;
    ephemeralContainers?: Array<{ name: string }>;
    serviceAccountName?: string;
    serviceAccount?: string;
    automountServiceAccountToken?: boolean;
    hostNetwork?: boolean;
    dnsPolicy?: string;
  };
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name: string; state?: { running?: unknown } }>;
    ephemeralContainerStatuses?: Array<{
      name: string;
      state?: { running?: unknown; terminated?: { reason?: string } };
    }>;
  };
}

// RFC 1123 subdomain (pod names) and label (namespaces, containers); validated before use in a URL.
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Pod, namespace and container names as Kubernetes allows them (net, ha --from, doctor --pod); namespace undefined: not known yet. */
export function validateNames(pod: string, namespace: string | undefined, container?: string): void {
  if (!pod || pod.length > 253 || !SUBDOMAIN.test(pod))
    throw new UsageError(`"${pod}" is not a valid pod name (lowercase letters, digits, '-' and '.')`);
  if (namespace !== undefined && (!namespace || namespace.length > 63 || !LABEL.test(namespace)))
    throw new UsageError(`"${namespace}" is not a valid namespace name`);
  if (container !== undefined && (!container || container.length > 63 || !LABEL.test(container))) {
    throw new UsageError(`"${container}" is not a valid container name`);
  }
}

/** A pod the user named (net POD, ha --from, doctor --pod) that does not exist: a usage error, exit 2. */
export class PodNotFound extends UsageError {
  constructor(pod: string, namespace: string) {
    super(`pod "${pod}" not found in namespace "${namespace}": check the name with kubectl get pods -n ${namespace}`);
  }
}

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
/** The official chart names the Airflow container `base` in worker pods; other components use the component name. */
const AIRFLOW_CONTAINERS = [
  'base',
  'scheduler',
  'worker',
  'triggerer',
  'webserver',
  'api-server',
  'dag-processor',
  'airflow-scheduler',
  'airflow-worker',
  'airflow-web',
  'airflow-triggerer',
];

export interface ContainerChoice {
  container: string;
  /** kubectl's note when it picked one of several containers by default. */
  note?: string;
}

/** The container a not-probed pod is reported with: the one chosen, or '?' when it has none. */
export function containerOrUnknown(pod: PodView): string {
  try {
    return chooseContainer(pod).container;
  } catch {
    return '?';
  }
}

/** -c, else the default-container annotation, else the Airflow container, else the first (with kubectl's note). */
export function chooseContainer(pod: PodView, flag?: string): ContainerChoice {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (names.length === 0) throw new UsageError(`pod ${pod.metadata.name} has no containers`);
  if (flag) {
    if (!names.includes(flag))
      throw new UsageError(
        `container ${flag} is not valid for pod ${pod.metadata.name}: choose one of: ${names.join(', ')}`,
      );
    return { container: flag };
  }
  if (names.length === 1) return { container: names[0] };
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && names.includes(annotated)) return { container: annotated };
  const component = pod.metadata.labels?.component;
  const airflow = names.find((n) => n === component) ?? names.find((n) => AIRFLOW_CONTAINERS.includes(n));
  if (airflow) return { container: airflow };
  return {
    container: names[0],
    note: `Defaulted container "${names[0]}" out of: ${names.join(', ')} (use -c to choose)`,
  };
}

/** Why the pod cannot be exec'd into, or undefined. */
export function notProbeable(pod: PodView, container: string): string | undefined {
  const phase = pod.status?.phase ?? 'Unknown';
  if (phase !== 'Running')
    return `pod ${pod.metadata.name} is ${phase}, not Running: nothing to exec into (kubectl describe pod ${pod.metadata.name})`;
  const st = pod.status?.containerStatuses?.find((c) => c.name === container);
  if (st && !st.state?.running) return `container ${container} of pod ${pod.metadata.name} is not running`;
  return undefined;
}

export function serviceAccountOf(pod: PodView): string {
  return pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
}

export interface SliceList {
  items?: Array<{
    endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean } }>;
    ports?: Array<{ name?: string; port?: number }>;
  }>;
}
export interface EndpointsObject {
  subsets?: Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ name?: string; port: number }> }>;
}
export interface ServiceObject {
  spec?: { clusterIP?: string; ports?: Array<{ name?: string; port: number; targetPort?: number | string }> };
}

/** Every API-server address at its `https` port (else the first): from the EndpointSlices, else from Endpoints. */
export function apiServerEndpoints(
  slices: SliceList | undefined,
  endpoints: EndpointsObject | undefined,
): Array<{ ip: string; port: number; portName?: string }> {
  const out: Array<{ ip: string; port: number; portName?: string }> = [];
  for (const s of slices?.items ?? []) {
    const port = s.ports?.find((p) => p.name === 'https') ?? s.ports?.[0];
    for (const e of s.endpoints ?? []) {
      for (const ip of e.addresses ?? []) {
        if (port?.port && !out.some((x) => sameIp(x.ip, ip) && x.port === port.port))
          out.push({ ip, port: port.port, portName: port.name });
      }
    }
  }
  for (const s of endpoints?.subsets ?? []) {
    const port = s.ports?.find((p) => p.name === 'https') ?? s.ports?.[0];
    for (const a of s.addresses ?? []) if (port) out.push({ ip: a.ip, port: port.port, portName: port.name });
  }
  return out;
}

/** The ClusterIP and `https` port (else the first) of the kubernetes Service; undefined without either. */
export function serviceAddress(
  svc: ServiceObject | undefined,
): { ip: string; port: number; targetPort?: number } | undefined {
  const sp = svc?.spec?.ports?.find((p) => p.name === 'https') ?? svc?.spec?.ports?.[0];
  return svc?.spec?.clusterIP && sp
    ? {
        ip: svc.spec.clusterIP,
        port: sp.port,
        targetPort: typeof sp.targetPort === 'number' ? sp.targetPort : undefined,
      }
    : undefined;
}

/** One SelfSubjectAccessReview the probe sends with the pod's token; namespace '' is cluster-wide. */
export interface AccessAsk {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
}

/** What the pod's account needs: the requirement model's rows `rbac` chooses, for the pod's component, where Airflow launches pods. */
export interface Requirement {
  access: AccessAsk[];
  /** The profiles of the rows that apply to the pod's component (none: nothing is required). */
  profiles: string[];
  /** Where they apply ('' = cluster-wide). */
  namespaces: string[];
  /** One line: why these (component, executor, versions, namespaces), or why nothing is required. */
  basis: string;
  /**
   * Asks only an optional feature (or a call the unknown version may not make) needs, by
   * `verb|group|resource|subresource|namespace`: a denial is a WARN naming them, never a FAIL.
   */
  optional: Record<string, string[]>;
}

export interface RequirementInput {
  /** Every row of the requirement model (builtinRequirements()); chosen here as `rbac` chooses them. */
  rows: RequirementRow[];
  /** The release's versions (unknown when there is no release). */
  versions: Pick<Versions, 'airflow' | 'provider'>;
  pod: { namespace: string; serviceAccount: string };
  /** The pod's release as read from the cluster; undefined when the pod is in none (or it could not be read: `why`). */
  release?: { name: string; component: string; executors: string[]; deployed: string[]; namespaces: string[] };
  why?: string;
}

/** Without a release (or one we cannot read): what an account that launches pods needs, as `rbac --sa` assumes. */
export const FALLBACK_PROFILE = 'kubernetes-pod-operator';

const nsLabel = (ns: string) => (ns === '' ? 'all namespaces (cluster-wide)' : ns);

/** The key the Permissions layer matches answers by. */
export const accessKey = (a: Pick<AccessAsk, 'verb' | 'group' | 'resource' | 'namespace'> & { subresource?: string }) =>
  `${a.verb}|${a.group}|${a.resource}|${a.subresource ?? ''}|${a.namespace}`;

/**
 * The permissions to ask with the pod's own token: the decision `rbac` makes (chooseRows by executor
 * and deployed components, then modelRequired by version), for the pod's component, in every
 * namespace Airflow launches pods into ('*' from launchNamespaces is asked cluster-wide, namespace '').
 * Rows Airflow's code never calls ("unused": the chart grants them anyway) are not asked.
 */
export function podRequirement(input: RequirementInput): Requirement {
  const account = { namespace: input.pod.namespace, name: input.pod.serviceAccount };
  const r = input.release;
  const rows = r
    ? chooseRows(input.rows, { executors: r.executors, deployed: r.deployed })
    : chooseRows(input.rows, { executors: [], deployed: [], explicit: [FALLBACK_PROFILE] });
  const launch = r ? r.namespaces : [input.pod.namespace];
  const namespaces = launch.map(apiNamespace);
  const executor = r ? r.executors.join(',') || 'no executor' : '';
  const model = modelRequired({
    rows,
    executors: r?.executors ?? [],
    versions: input.versions,
    components: [{ component: r?.component ?? '*', account, source: 'pod', automount: true }],
    namespaces: launch,
  });
  const cells = model.cells.filter((c) => c.level !== 'unused');
  const profiles = [...new Set(cells.flatMap((c) => c.profiles))];
  const airflow = input.versions.airflow.value ? `Airflow ${input.versions.airflow.value}` : 'Airflow version unknown';
  if (r && cells.length === 0) {
    return {
      access: [],
      profiles: [],
      namespaces,
      optional: {},
      basis: `nothing required: Airflow's code makes no Kubernetes call from the ${r.component} of release ${r.name} (${executor}, ${airflow})`,
    };
  }
  const access = cells.map((c) => ({
    verb: c.verb,
    group: c.group,
    resource: c.resource,
    subresource: c.subresource,
    namespace: apiNamespace(c.namespace),
  }));
  const optional: Record<string, string[]> = {};
  cells.forEach((c, i) => {
    if (c.level === 'feature') optional[accessKey(access[i])] = [...(c.features ?? [])];
    else if (c.maybe) optional[accessKey(access[i])] = [c.maybe];
  });
  const names = profiles.join(', ');
  const where = namespaces.map(nsLabel).join(', ');
  const need = cells.some((c) => c.level === 'required') ? 'required' : 'needed only by optional features';
  const basis = r
    ? `${need} for the ${r.component} of release ${r.name} (${executor}, ${airflow}): ${names}, in ${where}`
    : `${input.why ?? 'not part of an Airflow release'}: asked what an account that launches pods needs (${names}), in ${where}`;
  return { access, profiles, namespaces, basis, optional };
}

/** --all: one Running pod per Airflow component (by the chart's `component` label), sorted by component. */
export function onePodPerComponent<P extends PodView>(pods: P[], componentOf: (p: P) => string | undefined): P[] {
  const by = new Map<string, P>();
  for (const p of [...pods].sort((a, b) => byText(a.metadata.name, b.metadata.name))) {
    const c = componentOf(p);
    if (!c) continue;
    const cur = by.get(c);
    if (!cur || (cur.status?.phase !== 'Running' && p.status?.phase === 'Running')) by.set(c, p);
  }
  return [...by.entries()].sort((a, b) => byText(a[0], b[0])).map(([, p]) => p);
}

/**
 * --debug-image: the strategic merge patch run.ts sends to .../pods/NAME/ephemeralcontainers (what
 * kubectl debug sends: the new container under spec.ephemeralContainers, merged by name). It mounts
 * nothing of the target, so the ServiceAccount files are not there; it shares the pod's network
 * namespace, which is what the network layers need.
 */
export function ephemeralContainerPatch(
  name: string,
  image: string,
  target: string,
): { spec: { ephemeralContainers: unknown[] } } {
  return {
    spec: {
      ephemeralContainers: [
        {
          name,
          image,
          command: ['sleep', '600'],
          targetContainerName: target,
          stdin: false,
          tty: false,
          imagePullPolicy: 'IfNotPresent',
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: false },
        },
      ],
    },
  };
}

/** The same container as a JSON patch of the pre-1.22 EphemeralContainers kind (kubectl debug's fallback). */
export function legacyEphemeralPatch(
  patch: ReturnType<typeof ephemeralContainerPatch>,
): Array<{ op: 'add'; path: string; value: unknown }> {
  return patch.spec.ephemeralContainers.map((value) => ({ op: 'add', path: '/ephemeralContainers/-', value }));
}

export function ephemeralName(now: number): string {
  return `airflow-net-probe-${(now % 0xfffff).toString(36)}`;
}

/** The permissions --debug-image needs, asked before any change: exactly the verbs sent (PATCH of the subresource, the exec). */
export const DEBUG_PERMISSIONS = [
  { verb: 'patch', group: '', resource: 'pods', subresource: 'ephemeralcontainers' },
  { verb: 'get', group: '', resource: 'pods', subresource: 'exec' },
  { verb: 'create', group: '', resource: 'pods', subresource: 'exec' },
] as const;
