// Imperative shell of release discovery: fetch pods, workloads, ServiceAccounts and the live
// Airflow config, then hand them to the pure functions in release.ts and config.ts.
// Reads that the user may not do are partial results (a warning), except listing pods.
import type { Fetched } from '../base/fetched.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { getObject, listObjects } from '../kube/reads.ts';
import type { AirflowConfig } from './airflow-cfg.ts';
import { airflowConfigFrom, configReads } from './config-sources.ts';
import { discoverReleases, selectRelease, type PodLike, type Release, type ServiceAccountLike, type WorkloadLike } from './release.ts';

/** The release's own objects; no ConfigMap or Secret is read for it. */
export interface FoundRelease {
  release: Release;
  /** undefined when they could not be listed. */
  serviceAccounts?: ServiceAccountLike[];
  warnings: string[];
}

export interface LoadedRelease extends FoundRelease {
  config: AirflowConfig;
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
    optional(listObjects<ServiceAccountLike>(conn, 'serviceaccounts', { namespace }), `serviceaccounts in ${namespace}`, warnings),
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

/** The release and its live Airflow config (which may read the AIRFLOW__ keys of envFrom Secrets). */
export async function loadRelease(conn: Connection, namespace: string, wanted?: string): Promise<LoadedRelease> {
  const found = await findRelease(conn, namespace, wanted);
  const config = await loadConfig(conn, found.release, found.warnings);
  return { ...found, config };
}

/** The live config: what to read is decided in config-sources.ts, every read in one round trip. */
async function loadConfig(conn: Connection, release: Release, warnings: string[]): Promise<AirflowConfig> {
  const reads = configReads(release);
  const getData = (kind: 'secrets' | 'configmaps', name: string) =>
    optional(
      getObject<{ data?: Record<string, string> }>(conn, kind, { namespace: release.namespace, name }),
      `${kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${name}`,
      warnings,
    );
  const [secrets, envConfigMaps, cfgConfigMaps] = await Promise.all([
    Promise.all(reads.secrets.map((n) => getData('secrets', n))),
    Promise.all(reads.envConfigMaps.map((n) => getData('configmaps', n))),
    Promise.all(reads.cfgConfigMaps.map((n) => getData('configmaps', n))),
  ]);
  return airflowConfigFrom(reads, { secrets, envConfigMaps, cfgConfigMaps });
}
