// Imperative shell of release discovery: fetch pods, workloads, ServiceAccounts and the live
// Airflow config, then hand them to the pure functions in release.ts and config.ts.
// Reads that the user may not do are partial results (a warning), except listing pods.
import { ClusterError } from '../kube/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { NEEDED_KEYS, decodeAllowed, parseIni, resolveAirflowConfig, type AirflowConfig, type EnvSource, type Ini } from './config.ts';
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

/** Name -> data of ConfigMaps; undefined: listing them is forbidden. */
export type ConfigMapData = Record<string, Record<string, string> | undefined>;

/** Every ConfigMap of the namespace in one list, so the config is read beside the pods, not after them. */
export async function listConfigMapData(conn: Connection, namespace: string): Promise<ConfigMapData | undefined> {
  try {
    const cms = await conn.list<{ metadata: { name: string }; data?: Record<string, string> }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`);
    return Object.fromEntries(cms.map((m) => [m.metadata.name, m.data ?? {}]));
  } catch (e) {
    // then the ConfigMaps the pods name are read one by one, once the pods are known
    if (e instanceof ClusterError && e.kind === 'forbidden') return undefined;
    throw e;
  }
}

/**
 * The release and its live Airflow config (which may read the AIRFLOW__ keys of envFrom Secrets).
 * The namespace's ConfigMaps are listed while the release is found (`configMaps`: a list the caller
 * already started), so the config costs no round trip of its own unless that list is forbidden or
 * the pods load Secrets.
 */
export async function loadRelease(conn: Connection, namespace: string, wanted?: string, configMaps?: Promise<ConfigMapData | undefined>): Promise<LoadedRelease> {
  const listed = configMaps ?? listConfigMapData(conn, namespace);
  listed.catch(() => undefined); // awaited below, unless finding the release fails first
  const found = await findRelease(conn, namespace, wanted);
  const config = await loadConfig(conn, found.release, found.warnings, await listed);
  return { ...found, config };
}

/** Config precedence sources: the scheduler's env first (it runs the executor), then the other components'. */
async function loadConfig(conn: Connection, release: Release, warnings: string[], listed?: ConfigMapData): Promise<AirflowConfig> {
  const ns = encodeURIComponent(release.namespace);
  const order = (p: PodLike) => (p.metadata.labels?.component === 'scheduler' ? 0 : 1);
  const pods = [...release.pods].sort((a, b) => order(a) - order(b));
  const envs: EnvSource[] = [];
  const secretNames = new Set<string>();
  const cmEnvNames = new Set<string>();
  for (const pod of pods) {
    const vars = literalEnv(pod, NEEDED_KEYS);
    if (Object.keys(vars).length) envs.push({ vars, origin: `pod ${pod.metadata.name} env` });
    envFromSecrets(pod).forEach((s) => secretNames.add(s));
    envFromConfigMaps(pod).forEach((s) => cmEnvNames.add(s));
  }
  // Every read in one round trip; precedence is applied afterwards, in order.
  const getData = (kind: 'secrets' | 'configmaps', name: string) =>
    kind === 'configmaps' && listed ? Promise.resolve(Object.hasOwn(listed, name) ? { data: listed[name] } : undefined) : optional(
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
  [...secretNames].forEach((name, i) => {
    const vars = decodeAllowed(secrets[i]?.data);
    if (Object.keys(vars).length) envs.push({ vars, origin: `Secret ${name}` });
  });
  [...cmEnvNames].forEach((name, i) => {
    const vars: Record<string, string> = {};
    for (const k of NEEDED_KEYS) if (cmEnvs[i]?.data?.[k] !== undefined) vars[k] = cmEnvs[i]!.data![k];
    if (Object.keys(vars).length) envs.push({ vars, origin: `ConfigMap ${name}` });
  });
  let cfg: Ini | undefined;
  let cfgOrigin: string | undefined;
  const found = cfgCandidates.findIndex((_n, i) => cfgMaps[i]?.data?.['airflow.cfg'] !== undefined);
  if (found >= 0) {
    cfg = parseIni(cfgMaps[found]!.data!['airflow.cfg']);
    cfgOrigin = `ConfigMap ${cfgCandidates[found]} airflow.cfg`;
  }
  return resolveAirflowConfig({ envs, cfg, cfgOrigin });
}
