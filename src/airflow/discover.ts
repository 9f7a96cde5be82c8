// Imperative shell of release discovery: fetch pods, workloads, ServiceAccounts and the live
// Airflow config, then hand them to the pure functions in release.ts and config.ts.
// Reads that the user may not do are partial results (a warning), except listing pods.
import type { Fetched } from '../base/fetched.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { getObject, listObjects } from '../kube/reads.ts';
import type { AirflowConfig } from './airflow-cfg.ts';
import { airflowConfigFrom, configReads } from './config-sources.ts';
import {
  discoverReleases,
  selectRelease,
  type PodLike,
  type Release,
  type ServiceAccountLike,
  type WorkloadLike,
} from './release.ts';
import { launchNamespaces } from './airflow-cfg.ts';
import {
  findPodTemplate,
  workerAccount as workerAccount_,
  type PodTemplate,
  type WorkerAccount,
} from './pod-template.ts';
import { airflowVersionOf, chartVersionOf, providerVersionOf, type Versions } from './versions.ts';

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

/** A read others can do without: refused (403) is a warning, missing (404) nothing; other errors are thrown. */
async function optional<T>(p: Promise<T>, what: string, warnings: string[]): Promise<T | undefined> {
  const f: Fetched<T> = await fetched(p, { accept: [403, 404] });
  if (f.ok) return f.value;
  if (f.code === 403) warnings.push(`cannot read ${what} (${f.message}); results may be partial`);
  return undefined;
}

/** The one release every command looks at: pods of both charts, workloads and ServiceAccounts. */
export async function findRelease(conn: Connection, namespace: string, wanted?: string): Promise<FoundRelease> {
  const warnings: string[] = [];
  const [official, community, sas, deployments, statefulsets] = await Promise.all([
    listObjects<PodLike>(conn, 'pods', { namespace, labelSelector: 'tier=airflow' }),
    listObjects<PodLike>(conn, 'pods', { namespace, labelSelector: 'app=airflow' }),
    optional(
      listObjects<ServiceAccountLike>(conn, 'serviceaccounts', { namespace }),
      `serviceaccounts in ${namespace}`,
      warnings,
    ),
    optional(listObjects<WorkloadLike>(conn, 'deployments', { namespace }), `deployments in ${namespace}`, warnings),
    optional(listObjects<WorkloadLike>(conn, 'statefulsets', { namespace }), `statefulsets in ${namespace}`, warnings),
  ]);
  const pods = [...official, ...community.filter((p) => !official.some((o) => o.metadata.name === p.metadata.name))];
  const workloads = [
    ...(deployments ?? []).map((d) => ({ ...d, kind: 'Deployment' })),
    ...(statefulsets ?? []).map((s) => ({ ...s, kind: 'StatefulSet' })),
  ];
  const releases = discoverReleases({ namespace, pods, workloads, serviceAccounts: sas });
  return { release: selectRelease(releases, namespace, wanted), serviceAccounts: sas, warnings };
}

/** Name -> data of ConfigMaps; undefined: listing them is forbidden. */
export type ConfigMapData = Record<string, Record<string, string> | undefined>;

/** Every ConfigMap of the namespace in one list, so the config is read beside the pods, not after them. */
export async function listConfigMapData(conn: Connection, namespace: string): Promise<ConfigMapData | undefined> {
  // refused: the ConfigMaps the pods name are read one by one, once the pods are known
  const f = await fetched(
    listObjects<{ metadata: { name: string }; data?: Record<string, string> }>(conn, 'configmaps', { namespace }),
    { accept: [403] },
  );
  return f.ok ? Object.fromEntries(f.value.map((m) => [m.metadata.name, m.data ?? {}])) : undefined;
}

/**
 * The release and its live Airflow config (which may read the AIRFLOW__ keys of envFrom Secrets).
 * The namespace's ConfigMaps are listed while the release is found (`startedList`: a list the caller
 * already started), so the config costs no round trip of its own unless that list is forbidden or
 * the pods load Secrets.
 */
export async function loadRelease(
  conn: Connection,
  namespace: string,
  wanted?: string,
  startedList?: Promise<ConfigMapData | undefined>,
): Promise<LoadedRelease> {
  const listed = startedList ?? listConfigMapData(conn, namespace);
  listed.catch(() => undefined); // awaited below, unless finding the release fails first
  const found = await findRelease(conn, namespace, wanted);
  const { config, configMaps } = await loadConfig(conn, found.release, found.warnings, await listed);
  return { ...found, config, ...releaseModel(found, config, configMaps) };
}

/** Versions, pod template and worker account of a loaded release. Pure. */
export function releaseModel(
  found: FoundRelease,
  config: AirflowConfig,
  configMaps: Record<string, Record<string, string> | undefined>,
) {
  const { release } = found;
  const labelled = [
    ...release.pods,
    ...(found.serviceAccounts ?? []).map((s) => ({ ...s, kind: 'ServiceAccount' })),
  ].map((o) => ({
    kind: (o as { kind?: string }).kind ?? 'Pod',
    metadata: o.metadata,
  }));
  const versions: Versions = {
    airflow: airflowVersionOf(release.pods),
    chart: chartVersionOf(labelled, release.chart),
    provider: providerVersionOf(release.pods),
  };
  const podTemplate = findPodTemplate({
    pods: release.pods as Parameters<typeof findPodTemplate>[0]['pods'],
    podTemplateFile: config.podTemplateFile.value,
    configMaps,
  });
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

/** The live config: what to read is decided in config-sources.ts, every read in one round trip. */
async function loadConfig(
  conn: Connection,
  release: Release,
  warnings: string[],
  listed?: ConfigMapData,
): Promise<{ config: AirflowConfig; configMaps: Record<string, Record<string, string> | undefined> }> {
  const reads = configReads(release);
  const getData = (kind: 'secrets' | 'configmaps', name: string) =>
    kind === 'configmaps' && listed
      ? Promise.resolve(Object.hasOwn(listed, name) ? { data: listed[name] } : undefined)
      : optional(
          getObject<{ data?: Record<string, string> }>(conn, kind, { namespace: release.namespace, name }),
          `${kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${name}`,
          warnings,
        );
  const [secrets, envConfigMaps, cfgConfigMaps] = await Promise.all([
    Promise.all(reads.secrets.map((n) => getData('secrets', n))),
    Promise.all(reads.envConfigMaps.map((n) => getData('configmaps', n))),
    Promise.all(reads.cfgConfigMaps.map((n) => getData('configmaps', n))),
  ]);
  // the ConfigMaps read, by name: the pod template lives in `<release>-config` beside airflow.cfg
  const configMaps = Object.fromEntries([
    ...reads.envConfigMaps.map((n, i) => [n, envConfigMaps[i]?.data] as const),
    ...reads.cfgConfigMaps.map((n, i) => [n, cfgConfigMaps[i]?.data] as const),
  ]);
  return { config: airflowConfigFrom(reads, { secrets, envConfigMaps, cfgConfigMaps }), configMaps };
}

/**
 * The release's Airflow config from reads made elsewhere (`config` reads Secrets itself, reduced at
 * once to the allowlisted keys, decoded): the same precedence as loadConfig. Pure.
 */
export function releaseConfig(
  release: Release,
  secrets: Record<string, Record<string, string> | undefined>,
  configMaps: Record<string, Record<string, string> | undefined>,
): AirflowConfig {
  const reads = configReads(release);
  // airflowConfigFrom decodes Secret data itself: hand the allowlisted values back in the API's form
  const encoded = (vars: Record<string, string> | undefined) =>
    vars && { data: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
  return airflowConfigFrom(reads, {
    secrets: reads.secrets.map((n) => encoded(secrets[n])),
    envConfigMaps: reads.envConfigMaps.map((n) => (configMaps[n] ? { data: configMaps[n] } : undefined)),
    cfgConfigMaps: reads.cfgConfigMaps.map((n) => (configMaps[n] ? { data: configMaps[n] } : undefined)),
  });
}
