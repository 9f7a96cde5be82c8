// A container's environment as Airflow in it will see it, and each [kubernetes_executor] option
// resolved from it: env AIRFLOW__SECTION__KEY beats airflow.cfg beats Airflow's default, the new
// section name before the deprecated one (airflow/configuration.py). Pure.
import { CLIENT_KEYS, K8S_SECTIONS, NEEDED_KEYS, lookup, type Ini } from '../airflow/airflow-cfg.ts';
import { deprecatedSectionApplies } from '../airflow/advice.ts';

const [, DEPRECATED_SECTION] = K8S_SECTIONS;
export const KEYS = CLIENT_KEYS;
export type Key = (typeof KEYS)[number];

const DEFAULTS: Record<Key, string | undefined> = {
  in_cluster: 'True',
  config_file: undefined,
  cluster_context: undefined,
  namespace: 'default',
  multi_namespace_mode: 'False',
  multi_namespace_mode_namespace_list: undefined,
  verify_ssl: 'True',
  ssl_ca_cert: undefined,
};

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

// ---- pod spec shapes (only what is read) ----
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name?: string; key: string };
    configMapKeyRef?: { name?: string; key: string };
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { resource: string };
  };
}
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string };
  secretRef?: { name?: string };
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}
export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  volumeMounts?: VolumeMount[];
}
export interface Volume {
  name: string;
  configMap?: { name?: string; items?: { key: string; path: string }[] };
  secret?: { secretName?: string };
  projected?: { sources?: unknown[] };
  [k: string]: unknown;
}
export interface Pod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    containers?: Container[];
    volumes?: Volume[];
    hostNetwork?: boolean;
  };
}

/** What the command could learn besides the pod (each may be unknown). */
export interface PodContext {
  /** The ServiceAccount's automountServiceAccountToken; undefined when unknown or unset. */
  saAutomount?: boolean;
  /** airflow.cfg as sections -> key -> value, and where it came from (e.g. `ConfigMap airflow-config`). */
  cfg?: { source: string; sections: Ini };
  /** ConfigMaps referenced by env/envFrom: name -> data (ConfigMaps are readable; Secrets never are). */
  configMaps?: Record<string, Record<string, string> | undefined>;
  /** Secrets loaded by envFrom, by name: their allowlisted keys decoded (config.ts decodeAllowed), or
   *  why they could not be read. A Secret absent here is a reference that was not read. */
  secrets?: Record<string, SecretRead>;
  /** The detected Airflow version: which section names it reads (undefined: unknown, both). */
  airflowVersion?: string;
}

export type SecretRead = { keys: Record<string, string> } | { unreadable: string; permission?: string };

// ---- resolved values ----
/** Where an effective value came from. `value` is absent when it cannot be known without reading a Secret. */
export interface Resolved {
  value?: string;
  source: string;
  /** true when set through the deprecated [kubernetes] section (env or airflow.cfg) */
  deprecated?: boolean;
  /** env var that set it */
  env?: string;
}

interface EnvEntry {
  value?: string;
  source: string;
}

/** The container's environment as Kubernetes builds it: envFrom first, then env (later wins). */
export function containerEnv(
  c: Container,
  ctx: PodContext,
): {
  vars: Map<string, EnvEntry>;
  opaque: string[];
  secretsRead: string[];
  denied: Array<{ secret: string; reason: string; permission?: string }>;
} {
  const vars = new Map<string, EnvEntry>();
  const opaque: string[] = [];
  const secretsRead: string[] = [];
  const denied: Array<{ secret: string; reason: string; permission?: string }> = [];
  for (const f of c.envFrom ?? []) {
    const prefix = f.prefix ?? '';
    if (f.configMapRef?.name) {
      const data = ctx.configMaps?.[f.configMapRef.name];
      if (data)
        for (const [k, v] of Object.entries(data))
          vars.set(prefix + k, { value: v, source: `ConfigMap ${f.configMapRef.name} (envFrom)` });
      else opaque.push(`ConfigMap ${f.configMapRef.name} (envFrom, not readable)`);
    }
    if (f.secretRef?.name) {
      const name = f.secretRef.name;
      const read = ctx.secrets?.[name];
      if (read && 'keys' in read) {
        // checked again against the allowlist: nothing else may become a value here
        for (const [k, v] of Object.entries(read.keys))
          if (NEEDED_KEYS.includes(prefix + k)) vars.set(prefix + k, { value: v, source: `Secret ${name} key ${k}` });
        secretsRead.push(name);
      } else if (read) {
        opaque.push(`Secret ${name} (envFrom, ${read.unreadable})`);
        denied.push({ secret: name, reason: read.unreadable, permission: read.permission });
      } else opaque.push(`Secret ${name} (envFrom, not read)`);
    }
  }
  for (const e of c.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) vars.set(e.name, { value: e.value ?? '', source: 'pod env' });
    else if (vf.secretKeyRef)
      vars.set(e.name, {
        source: `set from Secret ${vf.secretKeyRef.name ?? '?'} key ${vf.secretKeyRef.key}, not read`,
      });
    else if (vf.configMapKeyRef) {
      const v = ctx.configMaps?.[vf.configMapKeyRef.name ?? '']?.[vf.configMapKeyRef.key];
      vars.set(e.name, {
        value: v,
        source: `ConfigMap ${vf.configMapKeyRef.name ?? '?'} key ${vf.configMapKeyRef.key}${v === undefined ? ', not readable' : ''}`,
      });
    } else if (vf.fieldRef) vars.set(e.name, { source: `field ${vf.fieldRef.fieldPath}` });
    else vars.set(e.name, { source: 'valueFrom' });
  }
  return { vars, opaque, secretsRead, denied };
}

/** One `[kubernetes_executor]` option as Airflow's config parser would resolve it (config.ts lookup). */
export function resolveOption(key: Key, env: Map<string, EnvEntry>, ctx: PodContext): Resolved {
  const read = (name: string) => {
    const e = env.get(name);
    return e && { value: e.value, origin: e.source };
  };
  // before 2.5 only [kubernetes] exists (configuration.py deprecated_sections): [kubernetes_executor] is not read
  const sections = deprecatedSectionApplies(ctx.airflowVersion) === false ? [DEPRECATED_SECTION] : K8S_SECTIONS;
  const found = lookup(sections, key, [read], ctx.cfg);
  if (!found) return { value: DEFAULTS[key], source: 'default' };
  const deprecated = found.section === DEPRECATED_SECTION;
  if (found.env)
    return { value: found.value, source: `env ${found.env} (${found.origin})`, deprecated, env: found.env };
  return { value: found.value, source: `airflow.cfg [${found.section}] (${found.origin})`, deprecated };
}

// ---- the result for one container ----
