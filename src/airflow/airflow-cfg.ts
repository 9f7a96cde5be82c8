// Airflow's Kubernetes client settings from the live config, resolved as Airflow does
// (airflow/configuration.py AirflowConfigParser.get): environment first (the current section
// name, then the deprecated one), then airflow.cfg (current section, then deprecated), then
// the default. `[kubernetes]` was renamed `[kubernetes_executor]` in Airflow 2.5.
import { CLUSTER_WIDE } from './namespaces.ts';

export interface EnvSource {
  /** AIRFLOW__* variables with literal values, from a pod's env, or a community config Secret. */
  vars: Record<string, string>;
  /** Where they came from (pod/container or Secret name), for explanations. */
  origin: string;
}

export type Ini = Record<string, Record<string, string>>;

export interface Setting<T> {
  value: T;
  source: string;
}

export interface AirflowConfig {
  executor: Setting<string>;
  executors: string[];
  namespace: Setting<string | undefined>;
  multiNamespaceMode: Setting<boolean>;
  multiNamespaceNamespaceList: Setting<string[]>;
  inCluster: Setting<boolean>;
  configFile: Setting<string | undefined>;
  clusterContext: Setting<string | undefined>;
  /** The executor's client: False turns certificate checks off; ssl_ca_cert replaces the kubeconfig's CA (kube_client.py get_kube_client). */
  verifySsl?: Setting<boolean>;
  sslCaCert?: Setting<string | undefined>;
  /** The KubernetesExecutor's worker pod template file (Airflow >= 1.10.11). */
  podTemplateFile: Setting<string | undefined>;
  /** Airflow 1.10's worker account option (2.0 reads the pod template instead). */
  workerServiceAccountName: Setting<string | undefined>;
  /** The sync client's TCP keepalive and request arguments (apache/airflow providers/cncf/kubernetes provider.yaml [kubernetes_executor]). */
  keepalive?: KeepaliveConfig;
}

export interface KeepaliveConfig {
  enabled: Setting<boolean>;
  idle: Setting<number>;
  interval: Setting<number>;
  count: Setting<number>;
  requestArgs: Setting<string | undefined>;
}

/** configparser-compatible enough for airflow.cfg: [section], key = value / key: value, # ; comments, indented continuations. */
export function parseIni(text: string): Ini {
  const out: Ini = {};
  let section: string | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) {
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw) && section && lastKey) {
      out[section][lastKey] += '\n' + raw.trim();
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw.trim());
    if (sec) {
      section = sec[1].trim();
      out[section] ??= {};
      lastKey = undefined;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trim());
    if (kv && section) {
      lastKey = kv[1].toLowerCase();
      out[section][lastKey] = kv[2].trim();
    }
  }
  return out;
}

/** Airflow's getboolean: t/true/1 and f/false/0, case-insensitive; undefined when unknown (set from a Secret). */
export function airflowBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase().split('#')[0].trim();
  if (['t', 'true', '1'].includes(s)) return true;
  if (['f', 'false', '0'].includes(s)) return false;
  return undefined;
}

/** The current section name first: `[kubernetes]` was renamed `[kubernetes_executor]` in Airflow 2.5. */
export const K8S_SECTIONS = ['kubernetes_executor', 'kubernetes'] as const;

export function envVarName(section: string, key: string): string {
  return `AIRFLOW__${section.toUpperCase()}__${key.toUpperCase()}`;
}

/** One environment's variable: `value` undefined when it is set from a Secret the plugin does not read. */
export type EnvReader = (name: string) => { value?: string; origin: string } | undefined;

/** Where an option was found; `env` is the variable that set it, absent when airflow.cfg did. */
export interface Found {
  value?: string;
  section: string;
  env?: string;
  origin: string;
}

/**
 * AirflowConfigParser.get's order, shared by release discovery and `config`: each environment in
 * precedence order (in each, the current section name before the deprecated one), then airflow.cfg
 * (same section order). A Secret-sourced variable still wins: it is set, only its value is unknown.
 */
export function lookup(
  sections: readonly string[],
  key: string,
  envs: readonly EnvReader[],
  cfg?: { source: string; sections: Ini },
): Found | undefined {
  for (const read of envs) {
    for (const section of sections) {
      const env = envVarName(section, key);
      const hit = read(env);
      if (hit) return { value: hit.value, section, env, origin: hit.origin };
    }
  }
  for (const section of sections) {
    const value = cfg?.sections[section]?.[key];
    if (value !== undefined) return { value, section, origin: cfg!.source };
  }
  return undefined;
}

export interface ConfigInputs {
  /** In precedence order (the scheduler's pod env first). */
  envs: EnvSource[];
  cfg?: Ini;
  cfgOrigin?: string;
}

export function resolveAirflowConfig({ envs, cfg, cfgOrigin = 'airflow.cfg' }: ConfigInputs): AirflowConfig {
  const readers = envs.map(
    (e): EnvReader =>
      (name) =>
        e.vars[name] !== undefined ? { value: e.vars[name], origin: e.origin } : undefined,
  );
  const file = cfg && { source: cfgOrigin, sections: cfg };
  const get = (sections: readonly string[], key: string): Setting<string> | undefined => {
    const f = lookup(sections, key, readers, file);
    if (f?.value === undefined) return undefined; // EnvSource values are literal: never the case
    return { value: f.value, source: f.env ? `${f.env} (${f.origin})` : `[${f.section}] ${key} (${f.origin})` };
  };
  const def = <T>(value: T): Setting<T> => ({ value, source: 'Airflow default' });
  const bool = (key: string, dflt: boolean): Setting<boolean> => {
    const s = get(K8S_SECTIONS, key);
    const b = s ? airflowBool(s.value) : undefined;
    return s && b !== undefined ? { value: b, source: s.source } : def(dflt);
  };
  const str = (key: string): Setting<string | undefined> => {
    const s = get(K8S_SECTIONS, key);
    return s && s.value !== '' ? s : def(undefined);
  };
  const int = (key: string, dflt: number): Setting<number> => {
    const s = get(K8S_SECTIONS, key);
    const n = s && /^\s*\d+\s*$/.test(s.value) ? Number(s.value) : undefined;
    return s && n !== undefined ? { value: n, source: s.source } : def(dflt);
  };
  const executor = get(['core'], 'executor') ?? def('SequentialExecutor');
  const list = get(K8S_SECTIONS, 'multi_namespace_mode_namespace_list');
  return {
    executor,
    executors: executor.value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)
      .map((e) => e.split(':').pop()!.split('.').pop()!),
    namespace: str('namespace'),
    multiNamespaceMode: bool('multi_namespace_mode', false),
    multiNamespaceNamespaceList: list
      ? {
          value: list.value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          source: list.source,
        }
      : def([]),
    inCluster: bool('in_cluster', true),
    configFile: str('config_file'),
    clusterContext: str('cluster_context'),
    verifySsl: bool('verify_ssl', true),
    sslCaCert: str('ssl_ca_cert'),
    podTemplateFile: str('pod_template_file'),
    workerServiceAccountName: str('worker_service_account_name'),
    keepalive: {
      // defaults: providers/cncf/kubernetes/provider.yaml (apache/airflow 02726aa), unchanged since the options came (PR #11406)
      enabled: bool('enable_tcp_keepalive', true),
      idle: int('tcp_keep_idle', 120),
      interval: int('tcp_keep_intvl', 30),
      count: int('tcp_keep_cnt', 6),
      requestArgs: str('kube_client_request_args'),
    },
  };
}

/** The namespaces Airflow launches pods into (CLUSTER_WIDE: every namespace). */
export function launchNamespaces(cfg: AirflowConfig, releaseNamespace: string): string[] {
  if (cfg.multiNamespaceMode.value) {
    const list = cfg.multiNamespaceNamespaceList.value;
    return list.length ? [...new Set(list)] : [CLUSTER_WIDE];
  }
  // The chart always renders [kubernetes_executor] namespace = the release namespace; without it,
  // the pod's own namespace is the sensible reading (the KubernetesPodOperator defaults to it in-cluster).
  return [cfg.namespace.value || releaseNamespace];
}

/** The Kubernetes client options of [kubernetes_executor] (and its deprecated twin [kubernetes]) the plugin reads. */
export const CLIENT_KEYS = [
  'in_cluster',
  'config_file',
  'cluster_context',
  'namespace',
  'multi_namespace_mode',
  'multi_namespace_mode_namespace_list',
  'verify_ssl',
  'ssl_ca_cert',
] as const;

/** The sync client's keepalive and request arguments (`net --watch` compares them with load-balancer idle timeouts): no credentials. */
export const KEEPALIVE_KEYS = [
  'enable_tcp_keepalive',
  'tcp_keep_idle',
  'tcp_keep_intvl',
  'tcp_keep_cnt',
  'kube_client_request_args',
] as const;

/** Where the KubernetesExecutor's worker pods come from: not credentials, paths and an account name. */
export const WORKER_KEYS = ['pod_template_file', 'worker_service_account_name'] as const;

/**
 * The allowlist: the only variables ever decoded from a Secret (and the only literal env the
 * discovery keeps). None is a credential: the executor and where the Kubernetes client connects.
 * Everything else in a Secret (AIRFLOW_CONN_*, fernet keys, passwords) is never decoded or shown.
 */
export const NEEDED_KEYS: readonly string[] = [
  envVarName('core', 'executor'),
  ...K8S_SECTIONS.flatMap((s) => [...CLIENT_KEYS, ...WORKER_KEYS, ...KEEPALIVE_KEYS].map((k) => envVarName(s, k))),
];

/**
 * A Secret's data (base64) reduced to the allowlisted variables, decoded, keyed by the Secret's own
 * key. `prefixes` are the envFrom prefixes it is loaded with: the variable is prefix + key.
 */
export function decodeAllowed(
  data: Record<string, string> | undefined,
  prefixes: readonly string[] = [''],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, b64] of Object.entries(data ?? {})) {
    if (prefixes.some((p) => NEEDED_KEYS.includes(p + key))) out[key] = Buffer.from(b64, 'base64').toString('utf8');
  }
  return out;
}
