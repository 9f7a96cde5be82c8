// Where a release's live Airflow config comes from, and in which precedence: what to read, then the
// config from what was read. Pure; discover.ts fetches in between. The scheduler's pods come first
// (it runs the executor), then the other components'; within each source kind the order is kept.
import {
  NEEDED_KEYS,
  decodeAllowed,
  parseIni,
  resolveAirflowConfig,
  type AirflowConfig,
  type EnvSource,
  type Ini,
} from './airflow-cfg.ts';
import {
  configMapVolumes,
  envFromConfigMaps,
  envFromSecrets,
  literalEnv,
  type PodLike,
  type Release,
} from './release.ts';

export interface ConfigReads {
  /** Literal AIRFLOW__ values from the pods' env, scheduler first. */
  literal: EnvSource[];
  /** Secrets pods load whole by envFrom (only the needed AIRFLOW__ keys are decoded). */
  secrets: string[];
  /** ConfigMaps pods load whole by envFrom. */
  envConfigMaps: string[];
  /** ConfigMaps that may hold airflow.cfg: `<release>-config` first, then those the pods mount. */
  cfgConfigMaps: string[];
}

/** Scheduler pods first: it runs the executor, so its settings are the ones that count. */
export function byPrecedence(pods: readonly PodLike[]): PodLike[] {
  const order = (p: PodLike) => (p.metadata.labels?.component === 'scheduler' ? 0 : 1);
  return [...pods].sort((a, b) => order(a) - order(b));
}

export function configReads(release: Pick<Release, 'name' | 'pods'>): ConfigReads {
  const pods = byPrecedence(release.pods);
  const literal: EnvSource[] = [];
  const secrets = new Set<string>();
  const envConfigMaps = new Set<string>();
  for (const pod of pods) {
    const vars = literalEnv(pod, NEEDED_KEYS);
    if (Object.keys(vars).length) literal.push({ vars, origin: `pod ${pod.metadata.name} env` });
    for (const s of envFromSecrets(pod)) secrets.add(s);
    for (const s of envFromConfigMaps(pod)) envConfigMaps.add(s);
  }
  return {
    literal,
    secrets: [...secrets],
    envConfigMaps: [...envConfigMaps],
    cfgConfigMaps: [...new Set([`${release.name}-config`, ...pods.flatMap(configMapVolumes)])],
  };
}

type Data = { data?: Record<string, string> } | undefined;

/**
 * The config from what was read (each list in the order of `reads`, undefined where unreadable):
 * pod env, then Secrets, then envFrom ConfigMaps; the first airflow.cfg found.
 */
export function airflowConfigFrom(
  reads: ConfigReads,
  got: { secrets: Data[]; envConfigMaps: Data[]; cfgConfigMaps: Data[] },
): AirflowConfig {
  const envs: EnvSource[] = [...reads.literal];
  // Only the AIRFLOW__ keys we need are decoded from a Secret; no other value is ever read out.
  reads.secrets.forEach((name, i) => {
    const vars = decodeAllowed(got.secrets[i]?.data);
    if (Object.keys(vars).length) envs.push({ vars, origin: `Secret ${name}` });
  });
  reads.envConfigMaps.forEach((name, i) => {
    const data = got.envConfigMaps[i]?.data;
    const vars: Record<string, string> = {};
    for (const k of NEEDED_KEYS) if (data?.[k] !== undefined) vars[k] = data[k];
    if (Object.keys(vars).length) envs.push({ vars, origin: `ConfigMap ${name}` });
  });
  let cfg: Ini | undefined;
  let cfgOrigin: string | undefined;
  const found = reads.cfgConfigMaps.findIndex((_n, i) => got.cfgConfigMaps[i]?.data?.['airflow.cfg'] !== undefined);
  if (found >= 0) {
    cfg = parseIni(got.cfgConfigMaps[found]!.data!['airflow.cfg']!);
    cfgOrigin = `ConfigMap ${reads.cfgConfigMaps[found]} airflow.cfg`;
  }
  return resolveAirflowConfig({ envs, cfg, cfgOrigin });
}
