// The admission check's plain data: what is fetched, what is decided. No I/O here.

/** A Pod as YAML/JSON (core/v1 field names); only what the checks read is typed. */
export interface PodManifest {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: PodSpec;
}

export interface Container {
  name: string;
  image?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: Record<string, unknown>;
  restartPolicy?: string;
  [k: string]: unknown;
}

export interface PodSpec {
  serviceAccountName?: string;
  containers?: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * What the release uses to launch a task pod. The pod template is parsed by whoever reads the
 * release (src/airflow); this module only needs the result.
 */
export interface LaunchInput {
  release: string;
  /** The executor's pod template, when one is configured and readable. */
  template?: PodManifest;
  /** Where the template came from (e.g. `ConfigMap airflow-pod-template key pod_template_file.yaml`). */
  templateSource?: string;
  /** [kubernetes_executor] worker_container_repository / worker_container_tag. */
  workerImage?: { repository?: string; tag?: string };
  /** [core] parallelism (Airflow default 32). */
  parallelism: number;
  parallelismSource: string;
  executors: string[];
}

export interface ResourceQuota {
  metadata: { name: string };
  spec?: { hard?: Record<string, string>; scopes?: string[] };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export interface LimitRange {
  metadata: { name: string };
  spec?: {
    limits?: {
      type?: string;
      min?: Record<string, string>;
      max?: Record<string, string>;
      default?: Record<string, string>;
      defaultRequest?: Record<string, string>;
    }[];
  };
}

/** A read kept as data: the value, or why it could not be read and which permission would allow it. */
export type Read<T> = { ok: true; value: T } | { ok: false; message: string; permission: string };

/** The server's answer to the dry-run create, in its own words. */
export type DryRun =
  | { admitted: true; pod: PodManifest; warnings: string[] }
  | { admitted: false; code: number; reason?: string; message: string; warnings: string[] };

export interface NamespaceFacts {
  namespace: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  quotas: Read<ResourceQuota[]>;
  limitRanges: Read<LimitRange[]>;
  /** Running pods of the release's task pods in the namespace (for sidecars seen in practice). */
  taskPods: Read<PodManifest[]>;
  dryRun: Read<DryRun>;
}

export type Verdict = 'OK' | 'WARN' | 'FAIL' | 'SKIP';

export type CheckId = 'admission' | 'quota' | 'pod-security' | 'limit-range' | 'webhook' | 'mesh' | 'flow-control';

export interface Finding {
  namespace: string;
  check: CheckId;
  verdict: Verdict;
  /** One line; the server's own words where it spoke. */
  message: string;
  /** What to do. */
  fix?: string;
  /** YAML a person can copy (tests parse it). */
  fixYaml?: string;
  /** Where the rule comes from (upstream file / documentation). */
  source?: string;
}
