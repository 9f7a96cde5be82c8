// Where Airflow's Kubernetes clients in one container point at a kubeconfig instead of the in-cluster
// configuration: the executor's `[kubernetes_executor]` options and the `kubernetes_default`
// connection's extras. Pure: the container's env and the release's resolved config come in as data.
//
// Sources (apache/airflow, cncf.kubernetes provider):
// - kube_client.py get_kube_client (providers/cncf/kubernetes/src/airflow/providers/cncf/kubernetes,
//   read at 17dbc8a; the same branch in Airflow 2.x's airflow/kubernetes/kube_client.py, read at
//   09b9318): `in_cluster` true ->
//   load_incluster_config(); otherwise load_kube_config(config_file=config_file,
//   context=cluster_context), config_file None meaning the client's default ($KUBECONFIG, else
//   ~/.kube/config: kubernetes/config/kube_config.py KUBE_CONFIG_DEFAULT_LOCATION).
// - hooks/kubernetes.py KubernetesHook.get_conn (read at 00c4d75, airflow/providers/... layout, and at
//   013e733, providers/cncf/kubernetes/src/... layout; same order in both): `_get_field` reads the plain
//   extra, then `extra__kubernetes__<name>`, a falsy value counting as unset; more than one of
//   in_cluster, kube_config_path, kube_config set raises "Options ... are mutually exclusive"; then
//   in_cluster, else load_kube_config(kube_config_path, context=cluster_context), else kube_config
//   written to a temporary file (a dict is json.dumps'ed first in the newer layout) and loaded the same
//   way, else `_get_default_client`: in-cluster first, the default kubeconfig only when that fails
//   (always in a pod with a mounted token: so no kubeconfig to probe). `disable_verify_ssl` read by
//   `_get_bool` (a bool, or "true"/"false" in any case) turns certificate checks off.
import { CONN_ENV, connField, parseConnection } from './kubernetes-default-connection.ts';
import { airflowBool, K8S_SECTIONS, lookup, type AirflowConfig, type EnvReader } from './airflow-cfg.ts';

/** One kubeconfig an Airflow client in the container loads, as the in-pod probe is told to read it. */
export interface RemoteKubeconfig {
  /** Who points at it, in Airflow's words (the option or connection extra and where it is set). */
  origin: string;
  /** A file in the container. */
  path?: string;
  /** The client's default: $KUBECONFIG (its first existing file), else ~/.kube/config, resolved in the pod. */
  defaultLocation?: boolean;
  /**
   * The variable holding the kubernetes_default connection: the probe reads it inside the pod, so an
   * inline kubeconfig (credentials) never passes through the plugin or the exec's argv.
   */
  connEnv?: string;
  /** With connEnv: the extra to use; absent when the plugin cannot read the value (from a Secret) and the probe picks as the hook does. */
  field?: 'kube_config' | 'kube_config_path';
  /** The context to use; absent: the kubeconfig's current-context (or, with connEnv, the connection's cluster_context). */
  context?: string;
  /**
   * How Airflow overrides the kubeconfig's TLS: `verify: false` (executor verify_ssl = False, connection
   * disable_verify_ssl) turns certificate checks off; `caFile` (executor ssl_ca_cert) replaces its CA.
   * `tlsFrom` names the setting. With connEnv and no field the probe reads disable_verify_ssl itself.
   */
  verify?: false;
  caFile?: string;
  tlsFrom?: string;
}

export interface RemoteInputs {
  /** The probed container's env: name -> literal value, or undefined when set from a Secret/ConfigMap not read here. */
  env: Record<string, string | undefined>;
  /** The release's resolved config (airflow.cfg and the release's env); undefined when not readable. */
  config?: { [K in 'inCluster' | 'configFile' | 'clusterContext' | 'verifySsl' | 'sslCaCert']?: AirflowConfig[K] };
}

export interface RemotePlan {
  targets: RemoteKubeconfig[];
  /** What was decided without a target (an invalid connection, an unknown in_cluster), for the evidence. */
  notes: string[];
  /** Probed from an ephemeral container (--debug-image), which has none of the target's files or env. */
  ephemeral?: boolean;
}

/** The executor's client: the container's own AIRFLOW__ variables first, then the release's config. */
function executorTarget(inputs: RemoteInputs, notes: string[]): RemoteKubeconfig | undefined {
  const read: EnvReader = (name) =>
    name in inputs.env ? { value: inputs.env[name], origin: 'the container env' } : undefined;
  const opt = (key: string, fromRelease: { value: unknown; source: string } | undefined) => {
    const f = lookup(K8S_SECTIONS, key, [read]);
    if (f?.value !== undefined) return { value: f.value, source: `${f.env} in the container env` };
    if (f) return { value: undefined, source: `${f.env} (from a Secret or ConfigMap, not read)` };
    return fromRelease?.value === undefined
      ? undefined
      : { value: String(fromRelease.value), source: fromRelease.source };
  };
  const inCluster = opt('in_cluster', inputs.config?.inCluster);
  const flag = inCluster ? airflowBool(inCluster.value) : true;
  if (flag === undefined) {
    notes.push(`in_cluster from ${inCluster?.source} is not known: the executor's kubeconfig, if any, is not probed`);
    return undefined;
  }
  if (flag) return undefined;
  const file = opt('config_file', inputs.config?.configFile);
  const context = opt('cluster_context', inputs.config?.clusterContext);
  // applied after load_kube_config: verify_ssl in every version read, ssl_ca_cert where get_kube_client
  // reads it (the provider's kube_client.py at 17dbc8a; Airflow 2.x's at 09b9318 does not)
  const verify = opt('verify_ssl', inputs.config?.verifySsl);
  const ca = opt('ssl_ca_cert', inputs.config?.sslCaCert);
  const tls =
    verify?.value !== undefined && airflowBool(verify.value) === false
      ? { verify: false as const, tlsFrom: `verify_ssl = False (${verify.source})` }
      : ca?.value
        ? {
            caFile: ca.value,
            tlsFrom: `ssl_ca_cert (${ca.source}; read by the provider's get_kube_client, not by Airflow 2.x's)`,
          }
        : {};
  const origin = `executor: in_cluster False (${inCluster?.source})${file?.value ? `, config_file (${file.source})` : ''}`;
  return {
    origin,
    ...(file?.value ? { path: file.value } : { defaultLocation: true }),
    ...(context?.value ? { context: context.value } : {}),
    ...tls,
  };
}

/** The KubernetesPodOperator's hook with the kubernetes_default connection from the container env. */
function connectionTarget(inputs: RemoteInputs, notes: string[]): RemoteKubeconfig | undefined {
  if (!(CONN_ENV in inputs.env)) return undefined;
  const raw = inputs.env[CONN_ENV];
  if (raw === undefined)
    return { origin: `kubernetes_default connection (${CONN_ENV}, from a Secret: read in the pod)`, connEnv: CONN_ENV };
  let extras: Record<string, unknown>;
  try {
    extras = parseConnection(raw).extras;
  } catch {
    // parse messages quote the input: never echo a value that may hold credentials
    notes.push(`${CONN_ENV} is neither a connection URI nor valid JSON: the hook cannot load it`);
    return undefined;
  }
  const set = ['in_cluster', 'kube_config_path', 'kube_config'].filter((f) => connField(extras, f) !== undefined);
  if (set.length > 1) {
    notes.push(`kubernetes_default sets ${set.join(', ')}: the hook refuses mutually exclusive options (see config)`);
    return undefined;
  }
  const context = connField(extras, 'cluster_context');
  // _get_bool: a bool, or the strings true/false in any case; anything else is no choice
  const dv = connField(extras, 'disable_verify_ssl');
  const off = dv === true || (typeof dv === 'string' && dv.trim().toLowerCase() === 'true');
  const ctx = {
    ...(typeof context === 'string' ? { context } : {}),
    ...(off ? { verify: false as const, tlsFrom: 'disable_verify_ssl in the kubernetes_default connection' } : {}),
  };
  const path = connField(extras, 'kube_config_path');
  if (typeof path === 'string')
    return {
      origin: `kubernetes_default connection extra kube_config_path (${CONN_ENV})`,
      path,
      connEnv: CONN_ENV,
      field: 'kube_config_path',
      ...ctx,
    };
  if (connField(extras, 'kube_config') !== undefined)
    return {
      origin: `kubernetes_default connection extra kube_config (inline, ${CONN_ENV}: read in the pod)`,
      connEnv: CONN_ENV,
      field: 'kube_config',
      ...ctx,
    };
  return undefined;
}

/** Every kubeconfig the container's Airflow clients load; none when all of them run in-cluster. */
export function remoteKubeconfigs(inputs: RemoteInputs): RemotePlan {
  const notes: string[] = [];
  const targets = [executorTarget(inputs, notes), connectionTarget(inputs, notes)].filter(
    (t): t is RemoteKubeconfig => t !== undefined,
  );
  // one probe per kubeconfig and context: the executor and the hook may name the same file
  const seen = new Map<string, RemoteKubeconfig>();
  for (const t of targets) {
    const key = t.path !== undefined ? `${t.path}\0${t.context ?? ''}` : JSON.stringify(t);
    const before = seen.get(key);
    if (before) before.origin += `; ${t.origin}`;
    else seen.set(key, { ...t });
  }
  return { targets: [...seen.values()], notes };
}

/** A container's env as the plugin can know it from the pod spec: literal values, other sources unread. */
export function literalEnv(container: {
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
}): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const e of container.env ?? []) out[e.name] = e.valueFrom ? undefined : (e.value ?? '');
  return out;
}
