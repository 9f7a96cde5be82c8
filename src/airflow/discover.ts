// Imperative shell of release discovery: fetch pods, workloads, ServiceAccounts and the live
// Airflow config, then hand them to the pure functions in release.ts and config.ts.
// Reads that the user may not do are partial results (a warning), except listing pods.
import { ClusterError } from '../kube/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { NEEDED_KEYS, decodeAllowed, launchNamespaces, parseIni, resolveAirflowConfig, type AirflowConfig, type EnvSource, type Ini } from './config.ts';
import { findPodTemplate, workerAccount as workerAccount_, type PodTemplate, type WorkerAccount } from './pod-template.ts';
import { airflowVersionOf, chartVersionOf, providerVersionOf, type Versions } from './versions.ts';
import {
  configMapVolumes,
  discoverReleases,
  envFromConfigMaps,
  envFromSecrets,
  literalEnv,
  selectRelease,
  type PodLike,
  type Release,
  type ServiceAccountLike,
  type WorkloadLike,
} from './release.ts';

/** The release's own objects; no ConfigMap or Secret is read for it. */
export interface FoundRelease {
  release: Release;
  /** undefined when they could not be listed. */
  serviceAccounts?: ServiceAccountLike[];
  warnings: string[];
}

export interface LoadedRelease extends FoundRelease {
  config: AirflowConfig;
  /** Airflow, chart and provider versions, read without exec. */
  versions: Versions;
  /** The KubernetesExecutor's pod template, when a mounted ConfigMap holds it. */
  podTemplate?: PodTemplate;
  /** The account worker pods will run as (pod template or worker_service_account_name), running or not. */
  workerAccount?: WorkerAccount;
}

async function optional<T>(p: Promise<T>, what: string, warnings: string[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ClusterError && (e.kind === 'forbidden' || e.kind === 'notfound')) {
      if (e.kind === 'forbidden') warnings.push(`cannot read ${what} (${e.message}); results may be partial`);
      return undefined;
    }
    throw e;
  }
}

/** The one release every command looks at: pods of both charts, workloads and ServiceAccounts. */
export async function findRelease(conn: Connection, namespace: string, wanted?: string): Promise<FoundRelease> {
  const warnings: string[] = [];
  const ns = encodeURIComponent(namespace);
  const [official, community, sas, deployments, statefulsets] = await Promise.all([
    conn.list<PodLike>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'tier=airflow' }),
    conn.list<PodLike>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=airflow' }),
    optional(conn.list<ServiceAccountLike>(`/api/v1/namespaces/${ns}/serviceaccounts`), `serviceaccounts in ${namespace}`, warnings),
    optional(conn.list<WorkloadLike>(`/apis/apps/v1/namespaces/${ns}/deployments`), `deployments in ${namespace}`, warnings),
    optional(conn.list<WorkloadLike>(`/apis/apps/v1/namespaces/${ns}/statefulsets`), `statefulsets in ${namespace}`, warnings),
  ]);
  const pods = [...official, ...community.filter((p) => !official.some((o) => o.metadata.name === p.metadata.name))];
  const workloads = [
    ...(deployments ?? []).map((d) => ({ ...d, kind: 'Deployment' })),
    ...(statefulsets ?? []).map((s) => ({ ...s, kind: 'StatefulSet' })),
  ];
  const releases = discoverReleases({ namespace, pods, workloads, serviceAccounts: sas });
  return { release: selectRelease(releases, namespace, wanted), serviceAccounts: sas, warnings };
}

/** The release and its live Airflow config (which may read the AIRFLOW__ keys of envFrom Secrets). */
export async function loadRelease(conn: Connection, namespace: string, wanted?: string): Promise<LoadedRelease> {
  const found = await findRelease(conn, namespace, wanted);
  const { config, configMaps } = await loadConfig(conn, found.release, found.warnings);
  return { ...found, config, ...releaseModel(found, config, configMaps) };
}

/** Versions, pod template and worker account of a loaded release. Pure. */
export function releaseModel(found: FoundRelease, config: AirflowConfig, configMaps: Record<string, Record<string, string> | undefined>) {
  const { release } = found;
  const labelled = [...release.pods, ...(found.serviceAccounts ?? []).map((s) => ({ ...s, kind: 'ServiceAccount' }))].map((o) => ({
    kind: (o as { kind?: string }).kind ?? 'Pod',
    metadata: o.metadata,
  }));
  const versions: Versions = {
    airflow: airflowVersionOf(release.pods),
    chart: chartVersionOf(labelled, release.chart),
    provider: providerVersionOf(release.pods),
  };
  const podTemplate = findPodTemplate({ pods: release.pods as Parameters<typeof findPodTemplate>[0]['pods'], podTemplateFile: config.podTemplateFile.value, configMaps });
  const [launch] = launchNamespaces(config, release.namespace);
  const wsa = config.workerServiceAccountName.value;
  const workerAccount = workerAccount_({
    airflowVersion: versions.airflow.value,
    template: podTemplate,
    workerServiceAccountName: wsa ? { value: wsa, source: config.workerServiceAccountName.source } : undefined,
    launchNamespace: launch === '*' || !launch ? release.namespace : launch,
    templateConfigured: config.podTemplateFile.value !== undefined,
  });
  return { versions, podTemplate, workerAccount };
}

/** Config precedence sources: the scheduler's env first (it runs the executor), then the other components'. */
async function loadConfig(conn: Connection, release: Release, warnings: string[]): Promise<{ config: AirflowConfig; configMaps: Record<string, Record<string, string> | undefined> }> {
  const ns = encodeURIComponent(release.namespace);
  const pods = release.pods;
  const secretNames = new Set(pods.flatMap(envFromSecrets));
  const cmEnvNames = new Set(pods.flatMap(envFromConfigMaps));
  // Every read in one round trip; precedence is applied afterwards, in order.
  const getData = (kind: 'secrets' | 'configmaps', name: string) =>
    optional(
      conn.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/${kind}/${encodeURIComponent(name)}`),
      `${kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${name}`,
      warnings,
    );
  const cfgCandidates = [...new Set([`${release.name}-config`, ...pods.flatMap(configMapVolumes)])];
  const [secrets, cmEnvs, cfgMaps] = await Promise.all([
    Promise.all([...secretNames].map((n) => getData('secrets', n))),
    Promise.all([...cmEnvNames].map((n) => getData('configmaps', n))),
    Promise.all(cfgCandidates.map((n) => getData('configmaps', n))),
  ]);
  // Only the AIRFLOW__ keys we need are decoded from a Secret; no other value is ever read out.
  const decoded = Object.fromEntries([...secretNames].map((name, i) => [name, secrets[i] ? decodeAllowed(secrets[i]!.data) : undefined]));
  const configMaps = Object.fromEntries([...[...cmEnvNames].map((n, i) => [n, cmEnvs[i]?.data] as const), ...cfgCandidates.map((n, i) => [n, cfgMaps[i]?.data] as const)]);
  return { config: releaseConfig(release, decoded, configMaps), configMaps };
}

/**
 * The release's Airflow config from what was read: the pods' literal env (the scheduler's first), the
 * allowlisted keys of the Secrets and ConfigMaps they load by envFrom, then airflow.cfg from
 * `<release>-config` or a mounted ConfigMap. Pure; `config` builds the same from its own reads.
 */
export function releaseConfig(
  release: Release,
  secrets: Record<string, Record<string, string> | undefined>,
  configMaps: Record<string, Record<string, string> | undefined>,
): AirflowConfig {
  const order = (p: PodLike) => (p.metadata.labels?.component === 'scheduler' ? 0 : 1);
  const pods = [...release.pods].sort((a, b) => order(a) - order(b));
  const envs: EnvSource[] = [];
  const secretNames = new Set<string>();
  const cmEnvNames = new Set<string>();
  for (const pod of pods) {
    const vars = literalEnv(pod, NEEDED_KEYS);
    if (Object.keys(vars).length) envs.push({ vars, origin: `pod ${pod.metadata.name} env` });
    envFromSecrets(pod).forEach((x) => secretNames.add(x));
    envFromConfigMaps(pod).forEach((x) => cmEnvNames.add(x));
  }
  for (const name of secretNames) {
    const vars = Object.fromEntries(Object.entries(secrets[name] ?? {}).filter(([k]) => NEEDED_KEYS.includes(k)));
    if (Object.keys(vars).length) envs.push({ vars, origin: `Secret ${name}` });
  }
  for (const name of cmEnvNames) {
    const vars: Record<string, string> = {};
    for (const k of NEEDED_KEYS) if (configMaps[name]?.[k] !== undefined) vars[k] = configMaps[name]![k];
    if (Object.keys(vars).length) envs.push({ vars, origin: `ConfigMap ${name}` });
  }
  const cfgCandidates = [...new Set([`${release.name}-config`, ...pods.flatMap(configMapVolumes)])];
  const found = cfgCandidates.find((n) => configMaps[n]?.['airflow.cfg'] !== undefined);
  const cfg: Ini | undefined = found ? parseIni(configMaps[found]!['airflow.cfg']) : undefined;
  return resolveAirflowConfig({ envs, cfg, cfgOrigin: found ? `ConfigMap ${found} airflow.cfg` : undefined });
}
