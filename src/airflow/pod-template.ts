// The KubernetesExecutor's worker pods, before any exists: the pod template (read from the ConfigMap key
// it is mounted from) and the pre-2.0 `worker_service_account_name`. Parsed once here for every feature
// (rbac's worker account, net and the admission checks). Pure: the command hands over the scheduler's
// pod, the ConfigMaps and the resolved settings.
//
// Sources: airflow/executors/kubernetes_executor.py get_base_pod_from_template (2.x: the template file
// named by [kubernetes_executor] pod_template_file, or the task's executor_config) and
// PodGenerator.construct_pod, where the executor's namespace overrides the template's; Airflow 1.10's
// airflow/contrib/kubernetes/worker_configuration.py / KubeConfig read [kubernetes] worker_service_account_name.
import * as YAML from 'yaml';
import type { PodLike } from './release.ts';
import { parseVersion } from './versions.ts';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface PodTemplate {
  /** Where it was read: `ConfigMap airflow-config key pod_template_file.yaml (mounted at ...)`. */
  source: string;
  serviceAccountName?: string;
  /** The template's own namespace; the executor replaces it with [kubernetes_executor] namespace. */
  namespace?: string;
  automountServiceAccountToken?: boolean;
  image?: string;
  env: EnvVar[];
  labels: Record<string, string>;
}

interface TemplateDoc {
  kind?: string;
  metadata?: { namespace?: string; labels?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    serviceAccount?: string;
    automountServiceAccountToken?: boolean;
    containers?: Array<{ name?: string; image?: string; env?: EnvVar[] }>;
  };
}

/** One pod template file's YAML -> what the plugin needs of it; undefined when it is not a Pod. */
export function parsePodTemplate(text: string, source: string): PodTemplate | undefined {
  // The chart's template starts with its license as a comment-only document, then `---` (chart 1.4).
  const docs = YAML.parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return undefined;
  const doc = docs
    .map((d) => d.toJS() as TemplateDoc)
    .find((d) => d && typeof d === 'object' && (d.kind === undefined || d.kind === 'Pod') && d.spec);
  if (!doc?.spec) return undefined;
  // The executor replaces the container named "base" (PodGenerator.reconcile_containers); else the first.
  const containers = doc.spec.containers ?? [];
  const base = containers.find((c) => c.name === 'base') ?? containers[0];
  return {
    source,
    serviceAccountName: doc.spec.serviceAccountName || doc.spec.serviceAccount || undefined,
    namespace: doc.metadata?.namespace,
    automountServiceAccountToken: doc.spec.automountServiceAccountToken,
    image: base?.image,
    env: base?.env ?? [],
    labels: doc.metadata?.labels ?? {},
  };
}

interface MountablePod {
  spec?: {
    containers?: Array<{ volumeMounts?: Array<{ name: string; mountPath: string; subPath?: string }> }>;
    volumes?: Array<{ name: string; configMap?: { name?: string; items?: Array<{ key: string; path: string }> } }>;
  };
}

/**
 * The ConfigMap key a path is mounted from in this pod: a subPath mount of the file, or a directory
 * mount (its items, else the key named like the file). The chart mounts `pod_template_file.yaml` of
 * `<release>-config` at `/opt/airflow/pod_templates/pod_template_file.yaml`.
 */
export function configMapKeyAt(pod: MountablePod, path: string): { configMap: string; key: string } | undefined {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const c of pod.spec?.containers ?? []) {
    for (const m of c.volumeMounts ?? []) {
      const cm = volumes.get(m.name)?.configMap;
      if (!cm?.name) continue;
      const mp = m.mountPath.replace(/\/+$/, '');
      if (m.subPath !== undefined) {
        if (mp !== path) continue;
        return { configMap: cm.name, key: cm.items?.find((i) => i.path === m.subPath)?.key ?? m.subPath };
      }
      if (!path.startsWith(mp + '/')) continue;
      const file = path.slice(mp.length + 1);
      return { configMap: cm.name, key: cm.items ? (cm.items.find((i) => i.path === file)?.key ?? file) : file };
    }
  }
  return undefined;
}

export interface TemplateInput {
  /** The scheduler's pod (it runs the executor and mounts the template); other Airflow pods as fallback. */
  pods: Array<PodLike & MountablePod>;
  /** [kubernetes_executor] pod_template_file as resolved (undefined when unset). */
  podTemplateFile?: string;
  configMaps: Record<string, Record<string, string> | undefined>;
}

/** The pod template the executor reads: from the ConfigMap key mounted at pod_template_file, else a `pod_template_file.yaml` key of a mounted ConfigMap. */
export function findPodTemplate(input: TemplateInput): PodTemplate | undefined {
  const order = (p: PodLike) => (p.metadata.labels?.component === 'scheduler' ? 0 : 1);
  const pods = [...input.pods].sort((a, b) => order(a) - order(b));
  if (input.podTemplateFile) {
    for (const pod of pods) {
      const at = configMapKeyAt(pod, input.podTemplateFile);
      const text = at && input.configMaps[at.configMap]?.[at.key];
      if (at && text !== undefined)
        return parsePodTemplate(
          text,
          `ConfigMap ${at.configMap} key ${at.key} (pod_template_file ${input.podTemplateFile})`,
        );
    }
  }
  for (const pod of pods) {
    for (const v of pod.spec?.volumes ?? []) {
      const name = v.configMap?.name;
      const text = name && input.configMaps[name]?.['pod_template_file.yaml'];
      if (name && text !== undefined) return parsePodTemplate(text, `ConfigMap ${name} key pod_template_file.yaml`);
    }
  }
  return undefined;
}

export interface WorkerAccount {
  name: string;
  /** The namespace worker pods are created in: the executor's, not the template's. */
  namespace: string;
  source: string;
  automount?: boolean;
}

/**
 * The account KubernetesExecutor worker pods run as. Airflow >= 2.0: the pod template's
 * serviceAccountName (the template is mandatory there; worker_service_account_name is no longer read).
 * Airflow 1.10: worker_service_account_name, unless a pod_template_file is set (1.10.11+ reads the
 * template instead). An unknown version tries the template first, then the option.
 */
export function workerAccount(input: {
  airflowVersion?: string;
  template?: PodTemplate;
  workerServiceAccountName?: { value: string; source: string };
  launchNamespace: string;
  /** pod_template_file is set in the config (1.10 reads the template only then). */
  templateConfigured?: boolean;
}): WorkerAccount | undefined {
  const v = parseVersion(input.airflowVersion);
  const fromTemplate = input.template && {
    name: input.template.serviceAccountName ?? 'default',
    namespace: input.launchNamespace,
    source: `pod template ${input.template.source}${input.template.serviceAccountName ? '' : ' (no serviceAccountName: default)'}`,
    automount: input.template.automountServiceAccountToken,
  };
  const fromOption = input.workerServiceAccountName?.value
    ? {
        name: input.workerServiceAccountName.value,
        namespace: input.launchNamespace,
        source: `worker_service_account_name (${input.workerServiceAccountName.source})`,
      }
    : undefined;
  if (v && v[0] >= 2) return fromTemplate;
  if (v && v[0] < 2)
    return input.templateConfigured === false ? (fromOption ?? fromTemplate) : (fromTemplate ?? fromOption);
  return fromTemplate ?? fromOption;
}
