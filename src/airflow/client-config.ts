// How Airflow's Kubernetes client will connect from one pod: `[kubernetes_executor]` (formerly
// `[kubernetes]`) and the `kubernetes_default` connection, resolved from the pod spec's environment
// and airflow.cfg, then findings. Pure: the pod, its ServiceAccount's automount setting and the parsed
// airflow.cfg come in as data. Of a Secret loaded by envFrom, only the allowlisted variables
// (config.ts NEEDED_KEYS, decoded by the fetch) ever arrive here; other Secret values are references.
//
// Sources: airflow/configuration.py (env AIRFLOW__SECTION__KEY beats airflow.cfg beats the default;
// the new section name is looked up before the deprecated one, `kubernetes` -> `kubernetes_executor`
// in 2.5.0); providers/cncf/kubernetes/hooks/kubernetes.py (`_get_field`: plain extra name first,
// then `extra__kubernetes__<name>`; in_cluster, kube_config_path and kube_config counted "if o" and
// more than one raises "Invalid connection configuration. Options kube_config_path, kube_config,
// in_cluster are mutually exclusive. You can only use one option at a time.").

import { CLIENT_KEYS, K8S_SECTIONS, NEEDED_KEYS, airflowBool, lookup, parseIni, type Ini } from './config.ts';
import { CONN_ENV, connField, parseConnection, redactExtras, type ConnectionView } from './connection-extras.ts';
import { deprecatedSectionApplies, executorSection, ignoredOptions } from './advice.ts';

const [SECTION, DEPRECATED_SECTION] = K8S_SECTIONS;
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
export interface EnvFromSource { prefix?: string; configMapRef?: { name?: string }; secretRef?: { name?: string } }
export interface VolumeMount { name: string; mountPath: string; subPath?: string; readOnly?: boolean }
export interface Container { name: string; image?: string; env?: EnvVar[]; envFrom?: EnvFromSource[]; volumeMounts?: VolumeMount[] }
export interface Volume {
  name: string;
  configMap?: { name?: string; items?: { key: string; path: string }[] };
  secret?: { secretName?: string };
  projected?: { sources?: unknown[] };
  [k: string]: unknown;
}
export interface Pod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { serviceAccountName?: string; automountServiceAccountToken?: boolean; containers?: Container[]; volumes?: Volume[]; hostNetwork?: boolean };
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

interface EnvEntry { value?: string; source: string }

/** The container's environment as Kubernetes builds it: envFrom first, then env (later wins). */
export function containerEnv(c: Container, ctx: PodContext): { vars: Map<string, EnvEntry>; opaque: string[]; secretsRead: string[]; denied: Array<{ secret: string; reason: string; permission?: string }> } {
  const vars = new Map<string, EnvEntry>();
  const opaque: string[] = [];
  const secretsRead: string[] = [];
  const denied: Array<{ secret: string; reason: string; permission?: string }> = [];
  for (const f of c.envFrom ?? []) {
    const prefix = f.prefix ?? '';
    if (f.configMapRef?.name) {
      const data = ctx.configMaps?.[f.configMapRef.name];
      if (data) for (const [k, v] of Object.entries(data)) vars.set(prefix + k, { value: v, source: `ConfigMap ${f.configMapRef.name} (envFrom)` });
      else opaque.push(`ConfigMap ${f.configMapRef.name} (envFrom, not readable)`);
    }
    if (f.secretRef?.name) {
      const name = f.secretRef.name;
      const read = ctx.secrets?.[name];
      if (read && 'keys' in read) {
        // checked again against the allowlist: nothing else may become a value here
        for (const [k, v] of Object.entries(read.keys)) if (NEEDED_KEYS.includes(prefix + k)) vars.set(prefix + k, { value: v, source: `Secret ${name} key ${k}` });
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
    else if (vf.secretKeyRef) vars.set(e.name, { source: `set from Secret ${vf.secretKeyRef.name ?? '?'} key ${vf.secretKeyRef.key}, not read` });
    else if (vf.configMapKeyRef) {
      const v = ctx.configMaps?.[vf.configMapKeyRef.name ?? '']?.[vf.configMapKeyRef.key];
      vars.set(e.name, { value: v, source: `ConfigMap ${vf.configMapKeyRef.name ?? '?'} key ${vf.configMapKeyRef.key}${v === undefined ? ', not readable' : ''}` });
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
  if (found.env) return { value: found.value, source: `env ${found.env} (${found.origin})`, deprecated, env: found.env };
  return { value: found.value, source: `airflow.cfg [${found.section}] (${found.origin})`, deprecated };
}

// ---- the result for one container ----
export type Severity = 'error' | 'warning' | 'info';
export interface Finding { id: string; severity: Severity; message: string; remedy: string }

export interface ContainerConfig {
  pod: string;
  component: string;
  container: string;
  settings: Record<Key, Resolved>;
  connection?: ConnectionView;
  /** Sources whose variables cannot be known (envFrom Secrets, unreadable ConfigMaps). */
  opaque: string[];
  /** Effective: the service account token is mounted. */
  automount: boolean;
  automountSource: string;
  /** How the executor's client loads its configuration. */
  loads: string;
  findings: Finding[];
}

function mounted(path: string, c: Container): VolumeMount | undefined {
  const norm = path.replace(/\/+$/, '');
  return (c.volumeMounts ?? [])
    .filter((m) => {
      const mp = m.mountPath.replace(/\/+$/, '');
      return norm === mp || norm.startsWith(mp + '/');
    })
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

export function componentOf(pod: Pod): string {
  const l = pod.metadata?.labels ?? {};
  return l['component'] ?? l['app.kubernetes.io/component'] ?? '?';
}

export function analyzeContainer(pod: Pod, c: Container, ctx: PodContext): ContainerConfig {
  const { vars, opaque, secretsRead, denied } = containerEnv(c, ctx);
  const settings = Object.fromEntries(KEYS.map((k) => [k, resolveOption(k, vars, ctx)])) as Record<Key, Resolved>;
  const podAuto = pod.spec?.automountServiceAccountToken;
  const automount = podAuto ?? ctx.saAutomount ?? true;
  const automountSource = podAuto !== undefined ? `pod automountServiceAccountToken: ${podAuto}` : ctx.saAutomount !== undefined ? `ServiceAccount ${pod.spec?.serviceAccountName ?? 'default'} automountServiceAccountToken: ${ctx.saAutomount}` : 'default (true)';
  // A volume mounted over the token directory replaces the projected token too.
  const saOverride = mounted(`${SA_DIR}/token`, c);
  const findings: Finding[] = [];
  const s = settings;
  const inCluster = airflowBool(s.in_cluster.value);

  if (s.in_cluster.value !== undefined && inCluster === undefined) {
    findings.push({ id: 'in-cluster-invalid', severity: 'error', message: `in_cluster = "${s.in_cluster.value}" (${s.in_cluster.source}) is not a boolean: Airflow fails with "Failed to convert value to bool. Please check \"in_cluster\" key in \"${SECTION}\" section."`, remedy: 'Set it to True or False.' });
  }
  let loads: string;
  if (inCluster === true) {
    loads = 'load_incluster_config(): KUBERNETES_SERVICE_HOST/PORT + the mounted token and ca.crt';
    if (!automount && !saOverride) {
      findings.push({
        id: 'in-cluster-no-token', severity: 'error',
        message: `in_cluster is true but no ServiceAccount token is mounted (${automountSource}): Airflow fails with "Service token file does not exist."`,
        remedy: 'Set automountServiceAccountToken: true on the pod (the chart value <component>.serviceAccount.automountServiceAccountToken), or mount a projected token at ' + SA_DIR + '.',
      });
    }
    for (const v of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) {
      const e = vars.get(v);
      if (e && e.value !== undefined && e.value.trim() === '') {
        findings.push({ id: 'in-cluster-no-service-env', severity: 'error', message: `in_cluster is true but the pod sets ${v} to an empty value: Airflow fails with "Service host/port is not set."`, remedy: `Remove ${v} from the pod's env: the kubelet injects it.` });
      }
    }
    if (s.cluster_context.value) {
      findings.push({ id: 'cluster-context-ignored', severity: 'warning', message: `cluster_context = "${s.cluster_context.value}" (${s.cluster_context.source}) is ignored: in_cluster is true`, remedy: 'Remove cluster_context, or set in_cluster = False with a config_file that has that context.' });
    }
    if (s.config_file.value) {
      findings.push({ id: 'config-file-ignored', severity: 'warning', message: `config_file = ${s.config_file.value} is ignored: in_cluster is true`, remedy: 'Remove config_file, or set in_cluster = False to use it.' });
    }
  } else if (inCluster === false) {
    const file = s.config_file.value;
    loads = `load_kube_config(${file ?? '~/.kube/config (KUBECONFIG)'}${s.cluster_context.value ? `, context=${s.cluster_context.value}` : ''})`;
    if (!file) {
      findings.push({ id: 'no-config-file', severity: 'warning', message: 'in_cluster is false and config_file is not set: the client reads $KUBECONFIG or ~/.kube/config in the pod', remedy: 'Set config_file to a kubeconfig mounted from a Secret, or set in_cluster = True.' });
    } else if (!mounted(file, c)) {
      findings.push({
        id: 'config-file-not-mounted', severity: 'error',
        message: `in_cluster is false and config_file ${file} (${s.config_file.source}) is under no volumeMount of container ${c.name}: unless it is baked into the image, Airflow fails with "Invalid kube-config file. No configuration found."`,
        remedy: `Mount the kubeconfig (e.g. a Secret volume) at ${file} in this container, or set in_cluster = True.`,
      });
    }
  } else {
    loads = `unknown: in_cluster comes from ${s.in_cluster.source}`;
  }

  // Advice by version: [kubernetes_executor] exists from 2.5 only; before, [kubernetes] is the section.
  const newer = deprecatedSectionApplies(ctx.airflowVersion);
  const deprecated = KEYS.filter((k) => s[k].deprecated);
  if (deprecated.length && newer === true) {
    findings.push({ id: 'deprecated-section', severity: 'warning', message: `set through the deprecated [kubernetes] section: ${deprecated.map((k) => s[k].env ?? `[kubernetes] ${k}`).join(', ')}`, remedy: `Use [kubernetes_executor] (AIRFLOW__KUBERNETES_EXECUTOR__*): Airflow ${ctx.airflowVersion} reads [kubernetes] only with a deprecation warning (renamed in 2.5).` });
  } else if (deprecated.length && newer === undefined) {
    findings.push({ id: 'deprecated-section', severity: 'info', message: `set through [kubernetes]: ${deprecated.map((k) => s[k].env ?? `[kubernetes] ${k}`).join(', ')}`, remedy: `${executorSection(undefined).caveat}: keep [kubernetes] on Airflow before 2.5, move to [kubernetes_executor] from 2.5.` });
  }
  if (newer === false) {
    // options written under the new name only: this Airflow never reads them
    const unread = KEYS.filter((k) => lookup([SECTION], k, [(n) => (vars.get(n) ? { value: vars.get(n)!.value, origin: vars.get(n)!.source } : undefined)], ctx.cfg) !== undefined && s[k].source === 'default');
    if (unread.length) {
      findings.push({
        id: 'section-not-read', severity: 'warning',
        message: `Airflow ${ctx.airflowVersion} reads [kubernetes], not [kubernetes_executor]: ${unread.join(', ')} set there ${unread.length === 1 ? 'is' : 'are'} ignored (defaults apply)`,
        remedy: `Set ${unread.join(', ')} in [kubernetes] (AIRFLOW__KUBERNETES__*) for Airflow before 2.5.`,
      });
    }
  }
  for (const o of ignoredOptions(KEYS.filter((k) => s[k].source !== 'default'), ctx.airflowVersion)) {
    findings.push({ id: 'option-ignored', severity: 'warning', message: `${o.option} is set but ignored: ${o.why}`, remedy: `Remove ${o.option}, or upgrade Airflow to a version that reads it.` });
  }
  if (airflowBool(s.verify_ssl.value) === false) {
    findings.push({ id: 'verify-ssl-off', severity: 'warning', message: `verify_ssl is False (${s.verify_ssl.source}): the API server certificate is not checked`, remedy: 'Set verify_ssl = True; give ssl_ca_cert if the CA is not the in-cluster one.' });
  }
  if (s.ssl_ca_cert.value && !mounted(s.ssl_ca_cert.value, c)) {
    findings.push({ id: 'ca-cert-not-mounted', severity: 'warning', message: `ssl_ca_cert ${s.ssl_ca_cert.value} is under no volumeMount of container ${c.name}`, remedy: `Mount the CA file at ${s.ssl_ca_cert.value}.` });
  }
  if (airflowBool(s.multi_namespace_mode.value) === true) {
    const list = s.multi_namespace_mode_namespace_list.value?.trim();
    findings.push({ id: 'multi-namespace', severity: 'info', message: list ? `multi_namespace_mode: pods in ${list}` : 'multi_namespace_mode with no namespace list: pods in every namespace (needs a ClusterRole)', remedy: '' });
  }
  for (const d of denied) {
    findings.push({
      id: 'secret-not-readable', severity: 'info',
      message: `Secret ${d.secret} (envFrom) could not be read (${d.reason}): the executor and [kubernetes_executor] values it may set are unknown; the values shown come from elsewhere or are defaults`,
      remedy: d.permission ? `Run as someone who may ${d.permission} (only the executor and [kubernetes_executor] keys are ever read from it).` : '',
    });
  }
  for (const o of opaque.filter((o) => !denied.some((d) => o.startsWith(`Secret ${d.secret} `)))) {
    findings.push({ id: 'opaque-env', severity: 'info', message: `variables from ${o} may override these settings`, remedy: '' });
  }
  for (const name of secretsRead) {
    findings.push({ id: 'secret-allowlist', severity: 'info', message: `Secret ${name} (envFrom): only the executor and [kubernetes_executor] keys were read; its other keys (e.g. a kubernetes_default connection) are never read or shown`, remedy: '' });
  }

  // kubernetes_default connection, from env only
  let connection: ConnectionView | undefined;
  const ce = vars.get(CONN_ENV);
  if (ce) {
    if (ce.value === undefined) connection = { source: `env ${CONN_ENV} (${ce.source})` };
    else {
      try {
        connection = { source: `env ${CONN_ENV} (${ce.source})`, extras: parseConnection(ce.value).extras };
      } catch {
        // JSON.parse messages quote the input: never echo a value that may hold credentials
        connection = { source: `env ${CONN_ENV} (${ce.source})`, error: 'not a connection URI or valid JSON' };
        findings.push({ id: 'connection-invalid', severity: 'error', message: `${CONN_ENV} is neither a connection URI nor valid JSON: Airflow cannot load kubernetes_default`, remedy: 'Use kubernetes://?in_cluster=True or the JSON form {"conn_type": "kubernetes", "extra": {...}}.' });
      }
    }
    if (connection.extras) {
      const x = connection.extras;
      connection = { ...connection, extras: redactExtras(x) };
      const set = ['in_cluster', 'kube_config_path', 'kube_config'].filter((f) => connField(x, f) !== undefined);
      if (set.length > 1) {
        const strFalse = set.filter((f) => typeof connField(x, f) === 'string' && /^(false|0)$/i.test(String(connField(x, f))));
        findings.push({
          id: 'connection-exclusive', severity: 'error',
          message: `kubernetes_default sets ${set.join(', ')}: the hook fails with "Invalid connection configuration. Options kube_config_path, kube_config, in_cluster are mutually exclusive."${strFalse.length ? ` (${strFalse.join(', ')} = "${String(connField(x, strFalse[0]!))}" is a non-empty string and counts as set)` : ''}`,
          remedy: 'Keep exactly one of in_cluster, kube_config_path, kube_config in the connection extras.',
        });
      }
      const kcp = connField(x, 'kube_config_path');
      if (typeof kcp === 'string' && set.length === 1 && !mounted(kcp, c)) {
        findings.push({ id: 'connection-config-not-mounted', severity: 'error', message: `kubernetes_default kube_config_path ${kcp} is under no volumeMount of container ${c.name}`, remedy: `Mount the kubeconfig at ${kcp}, or use in_cluster in the connection.` });
      }
      if (connField(x, 'in_cluster') !== undefined && set.length === 1 && !automount && !saOverride) {
        findings.push({ id: 'connection-in-cluster-no-token', severity: 'error', message: `kubernetes_default uses in_cluster but no ServiceAccount token is mounted (${automountSource})`, remedy: 'Set automountServiceAccountToken: true on the pod.' });
      }
    }
  }

  return {
    pod: pod.metadata?.name ?? '?',
    component: componentOf(pod),
    container: c.name,
    settings,
    connection,
    opaque,
    automount,
    automountSource,
    loads,
    findings,
  };
}

/**
 * Every Airflow container of the release's pods, with what could not be read said as findings.
 * `serviceAccounts` undefined: they could not be listed.
 */
export function analyzePods(
  pods: Pod[],
  configMaps: Record<string, Record<string, string> | undefined>,
  serviceAccounts: Array<{ metadata: { name: string }; automountServiceAccountToken?: boolean }> | undefined,
  namespace: string,
  secrets?: Record<string, SecretRead>,
  airflowVersion?: string,
): ContainerConfig[] {
  const saByName = new Map((serviceAccounts ?? []).map((s) => [s.metadata.name, s]));
  const results: ContainerConfig[] = [];
  for (const p of pods) {
    const sa = saByName.get(p.spec?.serviceAccountName ?? 'default');
    for (const c of airflowContainers(p, configMaps)) {
      const where = locateAirflowCfg(p, c, configMaps);
      const text = where ? configMaps[where.configMap]?.[where.key] : undefined;
      const cfg = where && text !== undefined ? { source: `ConfigMap ${where.configMap} key ${where.key}`, sections: parseIni(text) } : undefined;
      const r = analyzeContainer(p, c, { saAutomount: sa?.automountServiceAccountToken, cfg, configMaps, secrets, airflowVersion });
      if (where && text === undefined) r.findings.push({ id: 'cfg-not-readable', severity: 'info', message: `airflow.cfg from ConfigMap ${where.configMap} could not be read: values from it are shown as defaults`, remedy: `Grant get configmaps in ${namespace}.` });
      if (!where) r.findings.push({ id: 'no-cfg-mount', severity: 'info', message: 'no airflow.cfg ConfigMap is mounted: the image\'s airflow.cfg (not visible here) may set these options', remedy: '' });
      if (serviceAccounts === undefined && p.spec?.automountServiceAccountToken === undefined) r.findings.push({ id: 'sa-not-readable', severity: 'info', message: 'ServiceAccounts not readable: the token is assumed mounted', remedy: `Grant get serviceaccounts in ${namespace}.` });
      results.push(r);
    }
  }
  return results;
}

/** The containers that run Airflow: an Airflow image or any AIRFLOW_* variable; among those, the ones
 *  that mount airflow.cfg when any does (the chart's log-groomer sidecars use the Airflow image but
 *  never start a Kubernetes client); else the first container. */
export function airflowContainers(pod: Pod, configMaps: Record<string, Record<string, string> | undefined> = {}): Container[] {
  const cs = pod.spec?.containers ?? [];
  const af = cs.filter((c) => /airflow/i.test(c.image ?? '') || (c.env ?? []).some((e) => e.name.startsWith('AIRFLOW_')) || (c.envFrom ?? []).length > 0);
  const withCfg = af.filter((c) => locateAirflowCfg(pod, c, configMaps) !== undefined);
  return withCfg.length ? withCfg : af.length ? af : cs.slice(0, 1);
}

/** Where this container's airflow.cfg comes from: the ConfigMap (name, key) mounted at
 *  $AIRFLOW_CONFIG, else $AIRFLOW_HOME/airflow.cfg (the official image's AIRFLOW_HOME is /opt/airflow),
 *  else any ConfigMap mount that provides an `airflow.cfg` key. */
export function locateAirflowCfg(pod: Pod, c: Container, configMaps: Record<string, Record<string, string> | undefined> = {}): { configMap: string; key: string; path: string } | undefined {
  const env = new Map((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const home = (env.get('AIRFLOW_HOME') ?? '/opt/airflow').replace(/\/+$/, '');
  const wanted = env.get('AIRFLOW_CONFIG') ?? `${home}/airflow.cfg`;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const candidates: { configMap: string; key: string; path: string }[] = [];
  for (const m of c.volumeMounts ?? []) {
    const cm = volumes.get(m.name)?.configMap;
    if (!cm?.name) continue;
    const items = cm.items;
    if (m.subPath) {
      // subPath names a file of the volume: an item path, or the key itself
      const key = items?.find((i) => i.path === m.subPath)?.key ?? m.subPath;
      candidates.push({ configMap: cm.name, key, path: m.mountPath });
    } else {
      const files = items ? items.map((i) => ({ key: i.key, file: i.path })) : Object.keys(configMaps[cm.name] ?? { 'airflow.cfg': '' }).map((k) => ({ key: k, file: k }));
      for (const f of files) candidates.push({ configMap: cm.name, key: f.key, path: `${m.mountPath.replace(/\/+$/, '')}/${f.file}` });
    }
  }
  return candidates.find((x) => x.path === wanted) ?? candidates.find((x) => x.key === 'airflow.cfg' || x.path.endsWith('/airflow.cfg'));
}
