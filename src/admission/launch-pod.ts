// The pod the KubernetesExecutor would launch, built from what the release uses. Airflow builds a
// task pod as the pod template (the "base worker pod") reconciled with a dynamic pod naming the
// container `base` with the worker image and the task's labels (apache/airflow
// providers/cncf/kubernetes pod_generator.py PodGenerator.construct_pod / reconcile_pods, and
// executors/kubernetes_executor_utils.py get_base_pod_from_template, cncf.kubernetes provider 7.x-10.x;
// airflow/kubernetes/pod_generator.py before the provider split, Airflow 2.0-2.6). Without a
// template the base pod is empty: one container `base`, the ServiceAccount `default`.
import type { Container, LaunchInput, PodManifest } from './model.ts';

/** The name the dry run uses; nothing is created, so it never clashes with a real task pod. */
export const CHECK_POD_NAME = 'kubectl-airflow-admission-check';

/** Labels construct_pod sets on every task pod (webhook objectSelectors often match on them). */
const TASK_LABELS = {
  kubernetes_executor: 'True',
  dag_id: 'kubectl_airflow_admission_check',
  task_id: 'admission_check',
  try_number: '1',
};

/** `repository:tag` when repository is set (KubeConfig.kube_image), else undefined: the template's image stays. */
export function workerImage(input: LaunchInput): string | undefined {
  const r = input.workerImage?.repository;
  if (!r) return undefined;
  return input.workerImage?.tag ? `${r}:${input.workerImage.tag}` : r;
}

export function buildTaskPod(input: LaunchInput, namespace: string): PodManifest {
  const tpl: PodManifest = structuredClone(input.template ?? {});
  const spec = { ...(tpl.spec ?? {}) };
  const containers: Container[] = [...(spec.containers ?? [])];
  const image = workerImage(input);
  const i = containers.findIndex((c) => c.name === 'base');
  // reconcile_containers merges by position: the dynamic pod's only container lands on the first one.
  const at = Math.max(i, 0);
  const base: Container = { ...(containers[at] ?? {}), name: 'base' };
  if (image) base.image = image;
  containers[at] = base;
  spec.containers = containers;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: CHECK_POD_NAME,
      namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), ...TASK_LABELS },
      ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
    },
    spec,
  };
}

/** The account the task pod runs as (the template's, else `default`). */
export function taskAccount(pod: PodManifest): string {
  return pod.spec?.serviceAccountName || 'default';
}
