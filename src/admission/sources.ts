// Where the release keeps what the task pod is built from, read from airflow.cfg and the
// scheduler's environment (env beats the file: AIRFLOW__SECTION__KEY), and which account launches
// task pods. Pure.
// [core] parallelism defaults to 32 (apache/airflow config_templates/config.yml);
// [kubernetes_executor] pod_template_file, worker_container_repository, worker_container_tag
// ([kubernetes] before Airflow 2.5).
import type { Ini } from '../airflow/airflow-cfg.ts';
import { K8S_SECTIONS, envVarName } from '../airflow/airflow-cfg.ts';

export const AIRFLOW_DEFAULT_PARALLELISM = 32;

export interface Setting {
  value: string;
  source: string;
}

export function setting(
  sections: readonly string[],
  key: string,
  env: Record<string, string>,
  ini: Ini | undefined,
  iniSource: string,
): Setting | undefined {
  for (const s of sections) {
    const name = envVarName(s, key);
    if (env[name] !== undefined) return { value: env[name], source: `${name} (scheduler env)` };
  }
  for (const s of sections) {
    const v = ini?.[s]?.[key];
    if (v !== undefined && v !== '') return { value: v, source: `[${s}] ${key} (${iniSource})` };
  }
  return undefined;
}

export const ENV_KEYS: readonly string[] = [
  envVarName('core', 'parallelism'),
  ...K8S_SECTIONS.flatMap((s) =>
    ['pod_template_file', 'worker_container_repository', 'worker_container_tag'].map((k) => envVarName(s, k)),
  ),
];

export function parallelismOf(
  env: Record<string, string>,
  ini: Ini | undefined,
  iniSource: string,
): { value: number; source: string } {
  const s = setting(['core'], 'parallelism', env, ini, iniSource);
  const n = s ? Number(s.value) : NaN;
  // 0 means unlimited in Airflow; a quota check then has nothing to compare against.
  if (s && Number.isInteger(n) && n > 0) return { value: n, source: s.source };
  return { value: AIRFLOW_DEFAULT_PARALLELISM, source: 'Airflow default' };
}

interface Mount {
  name: string;
  mountPath: string;
  subPath?: string;
}
interface PodWithVolumes {
  spec?: {
    containers?: { volumeMounts?: Mount[] }[];
    volumes?: { name: string; configMap?: { name: string; items?: { key: string; path: string }[] } }[];
  };
}

/** The ConfigMap and key that hold `path` inside this pod, from its volume mounts. */
export function configMapFor(
  path: string,
  pod: PodWithVolumes | undefined,
): { configMap: string; key: string } | undefined {
  for (const c of pod?.spec?.containers ?? []) {
    for (const m of c.volumeMounts ?? []) {
      const vol = pod?.spec?.volumes?.find((v) => v.name === m.name)?.configMap;
      if (!vol) continue;
      let file: string | undefined;
      if (m.subPath && m.mountPath === path) file = m.subPath;
      else if (!m.subPath && path.startsWith(m.mountPath.replace(/\/?$/, '/')))
        file = path.slice(m.mountPath.replace(/\/?$/, '/').length);
      if (file === undefined) continue;
      const key = vol.items?.find((i) => i.path === file)?.key ?? file;
      return { configMap: vol.name, key };
    }
  }
  return undefined;
}

/** The account that creates task pods: whose RBAC, quota and webhooks (userInfo) apply to the create. */
export interface Launcher {
  namespace: string;
  name: string;
  component: string;
}

/**
 * The KubernetesExecutor creates task pods from the scheduler (executors/kubernetes_executor_utils.py
 * AirflowKubernetesScheduler.run_pod_async); a KubernetesPodOperator from wherever the task runs, the
 * worker under Celery. The chart binds its pod-launcher Role accordingly.
 */
export function launcherOf(
  components: { component: string; account: { namespace: string; name: string } }[],
  executors: string[],
): Launcher | undefined {
  const order = executors.some((e) => /Kubernetes/.test(e)) ? ['scheduler', 'worker'] : ['worker', 'scheduler'];
  for (const c of order) {
    const found = components.find((x) => x.component === c);
    if (found) return { ...found.account, component: c };
  }
  return undefined;
}
