// Which pods of a release run Airflow code that talks to the API server, and whether the executor
// launches its pods where the release lives. Pure.
import { launchNamespaces, type AirflowConfig } from './airflow-cfg.ts';
import { setOptionText } from './advice.ts';
import { chartOf, type PodLike } from './release.ts';

/** The processes that run Airflow and may build a Kubernetes client (chart `component` labels; community `web` is the webserver). */
export const AIRFLOW_CLIENTS = [
  'scheduler',
  'worker',
  'webserver',
  'api-server',
  'triggerer',
  'dag-processor',
] as const;

export interface ClientChoice {
  clients: PodLike[];
  /** Pods of the release that are not Airflow clients (redis, statsd, pgbouncer, flower, jobs), with why. */
  skipped: Array<{ pod: string; component: string }>;
  /** One line: how the choice was made. */
  how: string;
}

/**
 * The Airflow clients among a release's pods: by the chart's `component` label. KubernetesExecutor task
 * pods carry `component: worker` from the chart's pod template (or `kubernetes_executor: "True"`).
 */
export function airflowClients(pods: PodLike[]): ClientChoice {
  const clients: PodLike[] = [];
  const skipped: ClientChoice['skipped'] = [];
  for (const p of pods) {
    const labels = p.metadata.labels ?? {};
    const component = chartOf(labels)?.component ?? labels.component ?? '?';
    if ((AIRFLOW_CLIENTS as readonly string[]).includes(component) || labels.kubernetes_executor === 'True')
      clients.push(p);
    else skipped.push({ pod: p.metadata.name, component });
  }
  const how =
    `Airflow clients: pods labelled component=${AIRFLOW_CLIENTS.join('|')} (and KubernetesExecutor task pods)` +
    (skipped.length
      ? `; not Airflow clients, skipped: ${skipped.map((s) => `${s.pod} (component=${s.component})`).join(', ')}`
      : '');
  return { clients, skipped, how };
}

const POD_LAUNCHING = ['KubernetesExecutor', 'CeleryKubernetesExecutor', 'LocalKubernetesExecutor'];

export interface LaunchNamespaceInput {
  config: AirflowConfig;
  releaseNamespace: string;
  airflowVersion?: string;
  /** The worker account pods will run as, and whether it exists in the launch namespace (undefined: unknown). */
  worker?: { name: string; existsInLaunchNamespace?: boolean };
}

export interface LaunchNamespaceFinding {
  severity: 'error' | 'warning';
  message: string;
  remedy: string;
}

/**
 * The executor launches worker pods into [kubernetes_executor] namespace; the chart renders the
 * release's ServiceAccounts, Roles and Secrets in the release namespace. When the two differ and the
 * worker's account is not in the launch namespace, no worker pod can start (the pod names an account
 * that does not exist there) and the scheduler's Role does not apply there.
 */
export function launchNamespaceFinding(input: LaunchNamespaceInput): LaunchNamespaceFinding | undefined {
  const { config } = input;
  if (!config.executors.some((e) => POD_LAUNCHING.includes(e)) || config.multiNamespaceMode.value) return undefined;
  const [launch] = launchNamespaces(config, input.releaseNamespace);
  if (!launch || launch === input.releaseNamespace) return undefined;
  const remedy =
    setOptionText('namespace', input.releaseNamespace, input.airflowVersion) +
    " (or move the release's ServiceAccounts and RBAC to namespace " +
    launch +
    ')';
  const where = `the executor launches worker pods into namespace ${launch} (namespace = ${launch}, ${config.namespace.source}), but the release, its ServiceAccounts and RBAC are in namespace ${input.releaseNamespace}`;
  if (input.worker?.existsInLaunchNamespace === true) {
    return {
      severity: 'warning',
      message: `${where}; ServiceAccount ${launch}/${input.worker.name} exists there, so check its RBAC there (kubectl airflow rbac -n ${input.releaseNamespace})`,
      remedy,
    };
  }
  const account = input.worker
    ? `ServiceAccount ${launch}/${input.worker.name}${input.worker.existsInLaunchNamespace === false ? ' does not exist' : ' may not exist'}`
    : 'the worker account may not exist there';
  return {
    severity: 'error',
    message: `${where}: ${account}, so worker pods cannot start and the scheduler's Role does not cover that namespace`,
    remedy,
  };
}
