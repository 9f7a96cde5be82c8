// Airflow's `kubernetes_default` connection as a pod's env sets it (AIRFLOW_CONN_KUBERNETES_DEFAULT):
// its extras in URI or JSON form, read the way KubernetesHook._get_field reads them, and shown only
// with credential-like values replaced (CONTRIBUTING: never print a token, a client key or a
// Secret's data).
export const CONN_ENV = 'AIRFLOW_CONN_KUBERNETES_DEFAULT';

export interface ConnectionView {
  source: string;
  /** Set when the value could be read from the pod spec (not from a Secret). */
  extras?: Record<string, unknown>;
  /** parse failure */
  error?: string;
}

/** Extras of an Airflow connection in URI or JSON form (airflow/models/connection.py). */
export function parseConnection(value: string): { extras: Record<string, unknown> } {
  const v = value.trim();
  if (v.startsWith('{')) {
    const j = JSON.parse(v) as { extra?: unknown };
    const extra =
      typeof j.extra === 'string'
        ? (JSON.parse(j.extra) as Record<string, unknown>)
        : ((j.extra as Record<string, unknown>) ?? {});
    return { extras: extra };
  }
  const q = v.indexOf('?');
  const extras: Record<string, unknown> = {};
  if (q < 0) return { extras };
  const params = new URLSearchParams(v.slice(q + 1));
  // `__extra__` holds the whole extra dict as JSON (Connection.get_uri for nested extras)
  const whole = params.get('__extra__');
  if (whole) return { extras: JSON.parse(whole) as Record<string, unknown> };
  for (const [k, val] of params) extras[k] = val;
  return { extras };
}

/**
 * The extras the kubernetes connection form offers (cncf.kubernetes provider, hooks/kubernetes.py
 * KubernetesHook.get_connection_form_widgets, every provider version with xcom_sidecar_* included)
 * minus kube_config, which the form itself hides as a PasswordField. Only these are shown: any other
 * key (`auth_header=Bearer ...`) may hold anything, so its value is never printed.
 */
export const SHOWN_EXTRAS: ReadonlySet<string> = new Set([
  'in_cluster',
  'kube_config_path',
  'namespace',
  'cluster_context',
  'disable_verify_ssl',
  'disable_tcp_keepalive',
  'xcom_sidecar_container_image',
  'xcom_sidecar_container_resources',
]);

/** Extras safe to show: the known harmless fields as set; anything else replaced by a note
 *  (CONTRIBUTING: never print a token, a client key or a Secret's data). */
export function redactExtras(extras: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extras)) {
    const name = k.replace(/^extra__kubernetes__/, '');
    if (SHOWN_EXTRAS.has(name) || v === undefined || v === null || v === '') out[k] = v;
    else
      out[k] =
        name === 'kube_config'
          ? '(set, an inline kubeconfig: not shown)'
          : '(set, not shown: not a field of the kubernetes connection form)';
  }
  return out;
}

/** KubernetesHook._get_field: plain name first, then the prefixed form; falsy values count as unset. */
export function connField(extras: Record<string, unknown>, name: string): unknown {
  const pick = (v: unknown) => (v === '' || v === false || v === 0 || v === null || v === undefined ? undefined : v);
  if (name in extras) return pick(extras[name]);
  return pick(extras[`extra__kubernetes__${name}`]);
}
