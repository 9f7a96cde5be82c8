// How Airflow's Kubernetes client will connect from one pod: `[kubernetes_executor]` (formerly
// `[kubernetes]`) and the `kubernetes_default` connection, resolved from the pod spec's environment
// and airflow.cfg, then findings. Pure: the pod, its ServiceAccount's automount setting and the parsed
// airflow.cfg come in as data. Of a Secret loaded by envFrom, only the allowlisted variables
// (airflow-cfg.ts NEEDED_KEYS, decoded by the fetch) ever arrive here; other Secret values are references.
//
// Sources: airflow/configuration.py (env AIRFLOW__SECTION__KEY beats airflow.cfg beats the default;
// the new section name is looked up before the deprecated one, `kubernetes` -> `kubernetes_executor`
// in 2.5.0); providers/cncf/kubernetes/hooks/kubernetes.py (`_get_field`: plain extra name first,
// then `extra__kubernetes__<name>`; in_cluster, kube_config_path and kube_config counted "if o" and
// more than one raises "Invalid connection configuration. Options kube_config_path, kube_config,
// in_cluster are mutually exclusive. You can only use one option at a time.").

import { K8S_SECTIONS, airflowBool, lookup, parseIni } from '../airflow/airflow-cfg.ts';
import { deprecatedSectionApplies, executorSection, ignoredOptions } from '../airflow/advice.ts';
import {
  CONN_ENV,
  connField,
  parseConnection,
  redactExtras,
  type ConnectionView,
} from '../airflow/kubernetes-default-connection.ts';

const [SECTION] = K8S_SECTIONS;
import { airflowContainers, locateAirflowCfg } from './containers.ts';
import {
  containerEnv,
  KEYS,
  resolveOption,
  SA_DIR,
  type Container,
  type Key,
  type Pod,
  type PodContext,
  type Resolved,
  type SecretRead,
  type VolumeMount,
} from './container-env.ts';

export * from './container-env.ts';
export { airflowContainers, locateAirflowCfg } from './containers.ts';

export type Severity = 'error' | 'warning' | 'info';
export interface Finding {
  id: string;
  severity: Severity;
  message: string;
  remedy: string;
}

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
  const automountSource =
    podAuto !== undefined
      ? `pod automountServiceAccountToken: ${podAuto}`
      : ctx.saAutomount !== undefined
        ? `ServiceAccount ${pod.spec?.serviceAccountName ?? 'default'} automountServiceAccountToken: ${ctx.saAutomount}`
        : 'default (true)';
  // A volume mounted over the token directory replaces the projected token too.
  const saOverride = mounted(`${SA_DIR}/token`, c);
  const findings: Finding[] = [];
  const s = settings;
  const inCluster = airflowBool(s.in_cluster.value);

  if (s.in_cluster.value !== undefined && inCluster === undefined) {
    findings.push({
      id: 'in-cluster-invalid',
      severity: 'error',
      message: `in_cluster = "${s.in_cluster.value}" (${s.in_cluster.source}) is not a boolean: Airflow fails with "Failed to convert value to bool. Please check "in_cluster" key in "${SECTION}" section."`,
      remedy: 'Set it to True or False.',
    });
  }
  let loads: string;
  if (inCluster === true) {
    loads = 'load_incluster_config(): KUBERNETES_SERVICE_HOST/PORT + the mounted token and ca.crt';
    if (!automount && !saOverride) {
      findings.push({
        id: 'in-cluster-no-token',
        severity: 'error',
        message: `in_cluster is true but no ServiceAccount token is mounted (${automountSource}): Airflow fails with "Service token file does not exist."`,
        remedy:
          'Set automountServiceAccountToken: true on the pod (the chart value <component>.serviceAccount.automountServiceAccountToken), or mount a projected token at ' +
          SA_DIR +
          '.',
      });
    }
    for (const v of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) {
      const e = vars.get(v);
      if (e && e.value !== undefined && e.value.trim() === '') {
        findings.push({
          id: 'in-cluster-no-service-env',
          severity: 'error',
          message: `in_cluster is true but the pod sets ${v} to an empty value: Airflow fails with "Service host/port is not set."`,
          remedy: `Remove ${v} from the pod's env: the kubelet injects it.`,
        });
      }
    }
    if (s.cluster_context.value) {
      findings.push({
        id: 'cluster-context-ignored',
        severity: 'warning',
        message: `cluster_context = "${s.cluster_context.value}" (${s.cluster_context.source}) is ignored: in_cluster is true`,
        remedy: 'Remove cluster_context, or set in_cluster = False with a config_file that has that context.',
      });
    }
    if (s.config_file.value) {
      findings.push({
        id: 'config-file-ignored',
        severity: 'warning',
        message: `config_file = ${s.config_file.value} is ignored: in_cluster is true`,
        remedy: 'Remove config_file, or set in_cluster = False to use it.',
      });
    }
  } else if (inCluster === false) {
    const file = s.config_file.value;
    loads = `load_kube_config(${file ?? '~/.kube/config (KUBECONFIG)'}${s.cluster_context.value ? `, context=${s.cluster_context.value}` : ''})`;
    if (!file) {
      findings.push({
        id: 'no-config-file',
        severity: 'warning',
        message:
          'in_cluster is false and config_file is not set: the client reads $KUBECONFIG or ~/.kube/config in the pod',
        remedy: 'Set config_file to a kubeconfig mounted from a Secret, or set in_cluster = True.',
      });
    } else if (!mounted(file, c)) {
      findings.push({
        id: 'config-file-not-mounted',
        severity: 'error',
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
    findings.push({
      id: 'deprecated-section',
      severity: 'warning',
      message: `set through the deprecated [kubernetes] section: ${deprecated.map((k) => s[k].env ?? `[kubernetes] ${k}`).join(', ')}`,
      remedy: `Use [kubernetes_executor] (AIRFLOW__KUBERNETES_EXECUTOR__*): Airflow ${ctx.airflowVersion} reads [kubernetes] only with a deprecation warning (renamed in 2.5).`,
    });
  } else if (deprecated.length && newer === undefined) {
    findings.push({
      id: 'deprecated-section',
      severity: 'info',
      message: `set through [kubernetes]: ${deprecated.map((k) => s[k].env ?? `[kubernetes] ${k}`).join(', ')}`,
      remedy: `${executorSection(undefined).caveat}: keep [kubernetes] on Airflow before 2.5, move to [kubernetes_executor] from 2.5.`,
    });
  }
  if (newer === false) {
    // options written under the new name only: this Airflow never reads them
    const unread = KEYS.filter(
      (k) =>
        lookup(
          [SECTION],
          k,
          [(n) => (vars.get(n) ? { value: vars.get(n)!.value, origin: vars.get(n)!.source } : undefined)],
          ctx.cfg,
        ) !== undefined && s[k].source === 'default',
    );
    if (unread.length) {
      findings.push({
        id: 'section-not-read',
        severity: 'warning',
        message: `Airflow ${ctx.airflowVersion} reads [kubernetes], not [kubernetes_executor]: ${unread.join(', ')} set there ${unread.length === 1 ? 'is' : 'are'} ignored (defaults apply)`,
        remedy: `Set ${unread.join(', ')} in [kubernetes] (AIRFLOW__KUBERNETES__*) for Airflow before 2.5.`,
      });
    }
  }
  for (const o of ignoredOptions(
    KEYS.filter((k) => s[k].source !== 'default'),
    ctx.airflowVersion,
  )) {
    findings.push({
      id: 'option-ignored',
      severity: 'warning',
      message: `${o.option} is set but ignored: ${o.why}`,
      remedy: `Remove ${o.option}, or upgrade Airflow to a version that reads it.`,
    });
  }
  if (airflowBool(s.verify_ssl.value) === false) {
    findings.push({
      id: 'verify-ssl-off',
      severity: 'warning',
      message: `verify_ssl is False (${s.verify_ssl.source}): the API server certificate is not checked`,
      remedy: 'Set verify_ssl = True; give ssl_ca_cert if the CA is not the in-cluster one.',
    });
  }
  if (s.ssl_ca_cert.value && !mounted(s.ssl_ca_cert.value, c)) {
    findings.push({
      id: 'ca-cert-not-mounted',
      severity: 'warning',
      message: `ssl_ca_cert ${s.ssl_ca_cert.value} is under no volumeMount of container ${c.name}`,
      remedy: `Mount the CA file at ${s.ssl_ca_cert.value}.`,
    });
  }
  if (airflowBool(s.multi_namespace_mode.value) === true) {
    const list = s.multi_namespace_mode_namespace_list.value?.trim();
    findings.push({
      id: 'multi-namespace',
      severity: 'info',
      message: list
        ? `multi_namespace_mode: pods in ${list}`
        : 'multi_namespace_mode with no namespace list: pods in every namespace (needs a ClusterRole)',
      remedy: '',
    });
  }
  for (const d of denied) {
    findings.push({
      id: 'secret-not-readable',
      severity: 'info',
      message: `Secret ${d.secret} (envFrom) could not be read (${d.reason}): the executor and [kubernetes_executor] values it may set are unknown; the values shown come from elsewhere or are defaults`,
      remedy: d.permission
        ? `Run as someone who may ${d.permission} (only the executor and [kubernetes_executor] keys are ever read from it).`
        : '',
    });
  }
  for (const o of opaque.filter((o) => !denied.some((d) => o.startsWith(`Secret ${d.secret} `)))) {
    findings.push({
      id: 'opaque-env',
      severity: 'info',
      message: `variables from ${o} may override these settings`,
      remedy: '',
    });
  }
  for (const name of secretsRead) {
    findings.push({
      id: 'secret-allowlist',
      severity: 'info',
      message: `Secret ${name} (envFrom): only the executor and [kubernetes_executor] keys were read; its other keys (e.g. a kubernetes_default connection) are never read or shown`,
      remedy: '',
    });
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
        findings.push({
          id: 'connection-invalid',
          severity: 'error',
          message: `${CONN_ENV} is neither a connection URI nor valid JSON: Airflow cannot load kubernetes_default`,
          remedy: 'Use kubernetes://?in_cluster=True or the JSON form {"conn_type": "kubernetes", "extra": {...}}.',
        });
      }
    }
    if (connection.extras) {
      const x = connection.extras;
      connection = { ...connection, extras: redactExtras(x) };
      const set = ['in_cluster', 'kube_config_path', 'kube_config'].filter((f) => connField(x, f) !== undefined);
      if (set.length > 1) {
        const strFalse = set.filter(
          (f) => typeof connField(x, f) === 'string' && /^(false|0)$/i.test(String(connField(x, f))),
        );
        findings.push({
          id: 'connection-exclusive',
          severity: 'error',
          message: `kubernetes_default sets ${set.join(', ')}: the hook fails with "Invalid connection configuration. Options kube_config_path, kube_config, in_cluster are mutually exclusive."${strFalse.length ? ` (${strFalse.join(', ')} = "${String(connField(x, strFalse[0]!))}" is a non-empty string and counts as set)` : ''}`,
          remedy: 'Keep exactly one of in_cluster, kube_config_path, kube_config in the connection extras.',
        });
      }
      const kcp = connField(x, 'kube_config_path');
      if (typeof kcp === 'string' && set.length === 1 && !mounted(kcp, c)) {
        findings.push({
          id: 'connection-config-not-mounted',
          severity: 'error',
          message: `kubernetes_default kube_config_path ${kcp} is under no volumeMount of container ${c.name}`,
          remedy: `Mount the kubeconfig at ${kcp}, or use in_cluster in the connection.`,
        });
      }
      if (connField(x, 'in_cluster') !== undefined && set.length === 1 && !automount && !saOverride) {
        findings.push({
          id: 'connection-in-cluster-no-token',
          severity: 'error',
          message: `kubernetes_default uses in_cluster but no ServiceAccount token is mounted (${automountSource})`,
          remedy: 'Set automountServiceAccountToken: true on the pod.',
        });
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
      const cfg =
        where && text !== undefined
          ? { source: `ConfigMap ${where.configMap} key ${where.key}`, sections: parseIni(text) }
          : undefined;
      const r = analyzeContainer(p, c, {
        saAutomount: sa?.automountServiceAccountToken,
        cfg,
        configMaps,
        secrets,
        airflowVersion,
      });
      if (where && text === undefined)
        r.findings.push({
          id: 'cfg-not-readable',
          severity: 'info',
          message: `airflow.cfg from ConfigMap ${where.configMap} could not be read: values from it are shown as defaults`,
          remedy: `Grant get configmaps in ${namespace}.`,
        });
      if (!where)
        r.findings.push({
          id: 'no-cfg-mount',
          severity: 'info',
          message:
            "no airflow.cfg ConfigMap is mounted: the image's airflow.cfg (not visible here) may set these options",
          remedy: '',
        });
      if (serviceAccounts === undefined && p.spec?.automountServiceAccountToken === undefined)
        r.findings.push({
          id: 'sa-not-readable',
          severity: 'info',
          message: 'ServiceAccounts not readable: the token is assumed mounted',
          remedy: `Grant get serviceaccounts in ${namespace}.`,
        });
      results.push(r);
    }
  }
  return results;
}
