// Finding Airflow releases and their ServiceAccounts from what is deployed. Pure: the command
// fetches pods, workloads and ServiceAccounts and hands them here. The account of a component is
// read from `spec.serviceAccountName`, never guessed from chart naming rules.
import { UsageError } from '../base/errors.ts';
import { byText } from '../base/order.ts';

export type Chart = 'official' | 'community';

export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
export interface PodSpecLike {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  containers?: Array<{
    name: string;
    env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
    envFrom?: Array<{ secretRef?: { name: string }; configMapRef?: { name: string } }>;
  }>;
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
}
export interface PodLike {
  metadata: Meta;
  spec?: PodSpecLike;
  status?: { phase?: string };
}
export interface WorkloadLike {
  kind?: string;
  metadata: Meta;
  spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpecLike } };
}
export interface ServiceAccountLike {
  metadata: Meta;
  automountServiceAccountToken?: boolean;
}

/** Community chart component names -> the official names the profiles use. */
const COMPONENT_ALIASES: Record<string, string> = { web: 'webserver', webserver: 'webserver' };

export interface Account {
  namespace: string;
  name: string;
}

export interface ComponentAccount {
  component: string;
  account: Account;
  /** Where we learned it: pod/<name>, Deployment/<name>, ServiceAccount label. */
  source: string;
  /** Effective token automount for the pods (the pod's setting beats the ServiceAccount's; default true). */
  automount: boolean;
  automountSource?: string;
  /** The account exists as a ServiceAccount object (undefined when we could not list them). */
  exists?: boolean;
}

export interface Release {
  name: string;
  namespace: string;
  chart: Chart;
  components: ComponentAccount[];
  pods: PodLike[];
}

export function chartOf(
  labels: Record<string, string> | undefined,
): { chart: Chart; release: string; component: string } | undefined {
  if (!labels?.release || !labels.component) return undefined;
  if (labels.tier === 'airflow') return { chart: 'official', release: labels.release, component: labels.component };
  if (labels.app === 'airflow') {
    return {
      chart: 'community',
      release: labels.release,
      component: COMPONENT_ALIASES[labels.component] ?? labels.component,
    };
  }
  return undefined;
}

export function podAccount(spec: PodSpecLike | undefined): string {
  return spec?.serviceAccountName || spec?.serviceAccount || 'default';
}

function automountOf(
  spec: PodSpecLike | undefined,
  sa: ServiceAccountLike | undefined,
  saName: string,
): { automount: boolean; source?: string } {
  if (spec?.automountServiceAccountToken !== undefined) {
    return { automount: spec.automountServiceAccountToken, source: 'pod spec.automountServiceAccountToken' };
  }
  if (sa?.automountServiceAccountToken !== undefined) {
    return {
      automount: sa.automountServiceAccountToken,
      source: `ServiceAccount ${saName} automountServiceAccountToken`,
    };
  }
  return { automount: true };
}

export interface DiscoveryInput {
  namespace: string;
  pods: PodLike[];
  workloads?: WorkloadLike[];
  serviceAccounts?: ServiceAccountLike[];
}

/** Every release in the namespace, with one entry per (component, account). */
export function discoverReleases(input: DiscoveryInput): Release[] {
  const sas = new Map((input.serviceAccounts ?? []).map((s) => [s.metadata.name, s]));
  const known = input.serviceAccounts !== undefined;
  const releases = new Map<string, Release>();
  const rel = (name: string, chart: Chart) => {
    const key = `${chart}/${name}`;
    let r = releases.get(key);
    if (!r) releases.set(key, (r = { name, namespace: input.namespace, chart, components: [], pods: [] }));
    return r;
  };
  const add = (
    r: Release,
    component: string,
    spec: PodSpecLike | undefined,
    source: string,
    saName = podAccount(spec),
  ) => {
    if (r.components.some((c) => c.component === component && c.account.name === saName)) return;
    const a = automountOf(spec, sas.get(saName), saName);
    r.components.push({
      component,
      account: { namespace: input.namespace, name: saName },
      source,
      automount: a.automount,
      ...(a.source ? { automountSource: a.source } : {}),
      ...(known ? { exists: sas.has(saName) } : {}),
    });
  };
  const byName = (a: { metadata: Meta }, b: { metadata: Meta }) => byText(a.metadata.name, b.metadata.name);
  for (const pod of [...input.pods].sort(byName)) {
    const c = chartOf(pod.metadata.labels);
    if (!c) continue;
    const r = rel(c.release, c.chart);
    r.pods.push(pod);
    add(r, c.component, pod.spec, `pod/${pod.metadata.name}`);
  }
  // Scaled-to-zero workloads still say which account their pods would run as.
  for (const w of [...(input.workloads ?? [])].sort(byName)) {
    const c = chartOf(w.spec?.template?.metadata?.labels ?? w.metadata.labels);
    if (!c) continue;
    const r = rel(c.release, c.chart);
    if (r.components.some((x) => x.component === c.component)) continue;
    add(r, c.component, w.spec?.template?.spec, `${w.kind ?? 'workload'}/${w.metadata.name}`);
  }
  // KubernetesExecutor workers exist only while tasks run: the chart's labelled ServiceAccount stands in.
  for (const sa of [...(input.serviceAccounts ?? [])].sort(byName)) {
    const c = chartOf(sa.metadata.labels);
    if (!c) continue;
    const r = releases.get(`${c.chart}/${c.release}`);
    if (!r || r.components.some((x) => x.component === c.component)) continue;
    add(
      r,
      c.component,
      undefined,
      `ServiceAccount ${sa.metadata.name} (labelled component=${c.component}, no pod)`,
      sa.metadata.name,
    );
  }
  for (const r of releases.values())
    r.components.sort((a, b) => byText(a.component, b.component) || byText(a.account.name, b.account.name));
  return [...releases.values()].sort((a, b) => byText(a.name, b.name) || byText(a.chart, b.chart));
}

/**
 * No Airflow release at all in the namespace (still a usage error: wrong -n); doctor reports it as a
 * failing layer. It names only -n, which every command takes; a command with another way out (rbac's
 * --sa) adds it with `or`.
 */
export class NoReleaseError extends UsageError {
  or(alternative: string): NoReleaseError {
    return new NoReleaseError(`${this.message}, or ${alternative}`);
  }
}

export function selectRelease(releases: Release[], namespace: string, wanted?: string): Release {
  if (wanted) {
    const found = releases.filter((r) => r.name === wanted);
    if (found.length === 1) return found[0];
    if (found.length > 1)
      return { ...found[0], components: found.flatMap((r) => r.components), pods: found.flatMap((r) => r.pods) };
    const others = releases.length ? `; releases found: ${releases.map((r) => r.name).join(', ')}` : '';
    throw new UsageError(`no Airflow release "${wanted}" in namespace ${namespace}${others}`);
  }
  if (releases.length === 1) return releases[0];
  if (releases.length === 0) {
    throw new NoReleaseError(
      `no Airflow release found in namespace ${namespace} (no pods labelled tier=airflow or app=airflow): pass -n <namespace>`,
    );
  }
  throw new UsageError(
    `${releases.length} Airflow releases in namespace ${namespace}: ${releases.map((r) => `${r.name} (${r.chart} chart)`).join(', ')}; choose one with --release`,
  );
}

/** --sa NS:NAME (or NAME, in the current namespace). */
export function parseSaFlag(value: string, defaultNamespace: string): Account {
  const v = value.replace(/^system:serviceaccount:/, '');
  const parts = v.split(':');
  if (parts.length === 1 && parts[0]) return { namespace: defaultNamespace, name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new UsageError(`--sa "${value}": expected NAMESPACE:NAME`);
}

/** The env a component's pods see, literal values only (valueFrom cannot be resolved here). */
export function literalEnv(pod: PodLike, keys?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const e of c.env ?? []) {
      if (e.value === undefined || (keys && !keys.includes(e.name))) continue;
      if (out[e.name] === undefined) out[e.name] = e.value;
    }
  }
  return out;
}

/** Secrets a pod loads whole into its environment (the community chart's `<release>-config-envs`). */
export function envFromSecrets(pod: PodLike): string[] {
  return [
    ...new Set(
      (pod.spec?.containers ?? []).flatMap((c) =>
        (c.envFrom ?? []).map((e) => e.secretRef?.name).filter((n): n is string => !!n),
      ),
    ),
  ];
}
export function envFromConfigMaps(pod: PodLike): string[] {
  return [
    ...new Set(
      (pod.spec?.containers ?? []).flatMap((c) =>
        (c.envFrom ?? []).map((e) => e.configMapRef?.name).filter((n): n is string => !!n),
      ),
    ),
  ];
}
export function configMapVolumes(pod: PodLike): string[] {
  return [...new Set((pod.spec?.volumes ?? []).map((v) => v.configMap?.name).filter((n): n is string => !!n))];
}
