// The imperative shell of the admission check: read the release, its config and pod template, then
// per launch namespace the namespace, its quotas, LimitRanges and task pods, and the server's
// verdict on a dry-run create (dryRun=All: nothing is persisted) made as the ServiceAccount that
// launches task pods (the scheduler under the KubernetesExecutor, the worker under Celery); and the
// cluster's FlowSchemas and priority levels. Every refused read is kept as data naming the
// permission, so the other checks still run.
import { parse } from 'yaml';
import { loadRelease, type LoadedRelease } from '../airflow/discover.ts';
import { launchNamespaces, parseIni, type Ini } from '../airflow/airflow-cfg.ts';
import { literalEnv, type PodLike } from '../airflow/release.ts';
import type { Connection } from '../kube/connection.ts';
import { ClusterError } from '../base/errors.ts';
import { fetched } from '../kube/fetched.ts';
import type { AdmissionInput } from './decide.ts';
import type { AccountUse, FlowSchema, PriorityLevel } from './flowcontrol.ts';
import { buildTaskPod, taskAccount } from './launch-pod.ts';
import type { DryRun, LaunchInput, LimitRange, NamespaceFacts, PodManifest, Read, ResourceQuota } from './model.ts';
import { configMapFor, ENV_KEYS, launcherOf, parallelismOf, setting, type Launcher } from './sources.ts';

/** A refused or missing read kept as data (kube/fetched.ts policy); anything else is thrown. */
async function read<T>(p: Promise<T>, permission: string): Promise<Read<T>> {
  const f = await fetched(p, { permission, accept: [403, 404] });
  return f.ok ? f : { ok: false, message: f.message, permission };
}

/** `299 - "text"` values of the Warning header (RFC 7234), as kubectl prints them. */
export function parseWarnings(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const out: string[] = [];
  for (const m of text.matchAll(/\d{3} \S+ ("(?:[^"\\]|\\.)*")/g)) {
    try {
      out.push(JSON.parse(m[1]) as string);
    } catch {
      out.push(m[1]);
    }
  }
  return out;
}

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

export async function dryRunCreate(
  conn: Connection,
  namespace: string,
  pod: PodManifest,
  launcher: Launcher,
): Promise<Read<DryRun>> {
  const sa = `${launcher.namespace}/${launcher.name}`;
  const res = await conn.send<PodManifest & StatusBody>({
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    query: { dryRun: 'All' },
    body: pod,
    impersonate: { user: `system:serviceaccount:${launcher.namespace}:${launcher.name}` },
  });
  const warnings = parseWarnings(res.headers.warning);
  if (res.status >= 200 && res.status < 300) return { ok: true, value: { admitted: true, pod: res.body, warnings } };
  const message = res.body?.message ?? `HTTP ${res.status}`;
  if (res.status === 403 && /cannot impersonate/.test(message)) {
    return {
      ok: false,
      message: `cannot act as ServiceAccount ${sa} (the ${launcher.component}, which creates task pods): ${message}`,
      permission: `impersonate serviceaccounts ${launcher.name} in ${launcher.namespace}`,
    };
  }
  if (res.status === 403 && /cannot create resource "pods"/.test(message)) {
    return {
      ok: false,
      message: `ServiceAccount ${sa} may not create pods here, so nothing reaches admission (kubectl airflow rbac says more): ${message}`,
      permission: `create pods in ${namespace} for ${sa}`,
    };
  }
  if (res.status === 401) throw new ClusterError('unauthorized', message, { status: 401 });
  return { ok: true, value: { admitted: false, code: res.status, reason: res.body?.reason, message, warnings } };
}

export interface AdmissionFetch {
  input: AdmissionInput;
  warnings: string[];
}

async function namespaceFacts(
  conn: Connection,
  launch: LaunchInput,
  ns: string,
  launcher: Launcher | undefined,
): Promise<NamespaceFacts> {
  const n = encodeURIComponent(ns);
  const pod = buildTaskPod(launch, ns);
  const [nsObj, quotas, limitRanges, taskPods, dryRun] = await Promise.all([
    read(
      conn.get<{ metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } }>(
        `/api/v1/namespaces/${n}`,
      ),
      `get namespaces ${ns}`,
    ),
    read(conn.list<ResourceQuota>(`/api/v1/namespaces/${n}/resourcequotas`), `list resourcequotas in ${ns}`),
    read(conn.list<LimitRange>(`/api/v1/namespaces/${n}/limitranges`), `list limitranges in ${ns}`),
    read(
      conn.list<PodManifest>(`/api/v1/namespaces/${n}/pods`, { labelSelector: 'kubernetes_executor=True' }),
      `list pods in ${ns}`,
    ),
    launcher
      ? dryRunCreate(conn, ns, pod, launcher)
      : Promise.resolve<Read<DryRun>>({
          ok: false,
          message: 'no component of the release launches pods (no scheduler or worker found)',
          permission: 'a scheduler or worker ServiceAccount',
        }),
  ]);
  return {
    namespace: ns,
    labels: nsObj.ok ? (nsObj.value.metadata.labels ?? {}) : undefined,
    annotations: nsObj.ok ? (nsObj.value.metadata.annotations ?? {}) : undefined,
    quotas,
    limitRanges,
    taskPods,
    dryRun,
  };
}

async function flowControl(conn: Connection): Promise<Read<{ schemas: FlowSchema[]; levels: PriorityLevel[] }>> {
  const g = '/apis/flowcontrol.apiserver.k8s.io';
  const lists = async (v: string) => {
    const [schemas, levels] = await Promise.all([
      conn.list<FlowSchema>(`${g}/${v}/flowschemas`),
      conn.list<PriorityLevel>(`${g}/${v}/prioritylevelconfigurations`),
    ]);
    return { schemas, levels };
  };
  // v1 from Kubernetes 1.29; v1beta3 serves 1.26-1.31 with the same fields that matter here. A server
  // that serves neither has no APF objects to report on (404s): nothing to say, not a refusal.
  const permission = 'list flowschemas and prioritylevelconfigurations (flowcontrol.apiserver.k8s.io)';
  for (const v of ['v1', 'v1beta3']) {
    const f = await fetched(lists(v), { permission, accept: [403, 404] });
    if (f.ok) return f;
    if (f.code !== 404) return { ok: false, message: f.message, permission };
  }
  return { ok: true, value: { schemas: [], levels: [] } };
}

export async function fetchAdmission(
  conn: Connection,
  namespace: string,
  releaseName?: string,
  preloaded?: LoadedRelease,
): Promise<AdmissionFetch> {
  const loaded = preloaded ?? (await loadRelease(conn, namespace, releaseName));
  const release = loaded.release;
  const warnings = [...loaded.warnings];
  const scheduler = release.pods.find((p) => p.metadata.labels?.component === 'scheduler') as
    | (PodLike & PodManifest)
    | undefined;
  const env = scheduler ? literalEnv(scheduler, ENV_KEYS) : {};
  const ns = encodeURIComponent(release.namespace);
  const cfgName = `${release.name}-config`;
  const cfgMap = await read(
    conn.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/${encodeURIComponent(cfgName)}`),
    `get configmaps ${cfgName} in ${release.namespace}`,
  );
  let ini: Ini | undefined;
  const iniSource = `ConfigMap ${cfgName} airflow.cfg`;
  if (cfgMap.ok && cfgMap.value.data?.['airflow.cfg'] !== undefined) ini = parseIni(cfgMap.value.data['airflow.cfg']);
  else if (!cfgMap.ok)
    warnings.push(`${cfgMap.message}; parallelism and the pod template are taken as Airflow's defaults`);

  const k8s = ['kubernetes_executor', 'kubernetes'] as const;
  const parallelism = parallelismOf(env, ini, iniSource);
  const templatePath = setting(k8s, 'pod_template_file', env, ini, iniSource);
  const repository = setting(k8s, 'worker_container_repository', env, ini, iniSource)?.value;
  const tag = setting(k8s, 'worker_container_tag', env, ini, iniSource)?.value;

  let template: PodManifest | undefined;
  let templateSource: string | undefined;
  if (templatePath) {
    const where = configMapFor(templatePath.value, scheduler as never) ?? {
      configMap: `${release.name}-pod-template`,
      key: templatePath.value.split('/').pop() || 'pod_template_file.yaml',
    };
    const cm = await read(
      conn.get<{ data?: Record<string, string> }>(
        `/api/v1/namespaces/${ns}/configmaps/${encodeURIComponent(where.configMap)}`,
      ),
      `get configmaps ${where.configMap} in ${release.namespace}`,
    );
    const text = cm.ok ? cm.value.data?.[where.key] : undefined;
    if (text !== undefined) {
      try {
        template = parse(text) as PodManifest;
        templateSource = `ConfigMap ${where.configMap} key ${where.key}`;
      } catch (e) {
        warnings.push(
          `the pod template in ConfigMap ${where.configMap} key ${where.key} is not YAML (${(e as Error).message}); checking the executor's default pod`,
        );
      }
    } else {
      warnings.push(
        `pod_template_file ${templatePath.value} (${templatePath.source}) was not found in ConfigMap ${where.configMap}${cm.ok ? '' : `: ${cm.message}`}; checking the executor's default pod`,
      );
    }
  }

  const launch: LaunchInput = {
    release: release.name,
    template,
    templateSource,
    workerImage: { repository, tag },
    parallelism: parallelism.value,
    parallelismSource: parallelism.source,
    executors: loaded.config.executors,
  };
  let namespaces = launchNamespaces(loaded.config, release.namespace);
  if (namespaces.includes('*')) {
    warnings.push(
      'Airflow launches pods in every namespace (multi_namespace_mode without a list): checking the release namespace only; name others with -n',
    );
    namespaces = [release.namespace];
  }
  const launcher = launcherOf(release.components, loaded.config.executors);
  const [facts, flow] = await Promise.all([
    Promise.all(namespaces.map((n) => namespaceFacts(conn, launch, n, launcher))),
    flowControl(conn),
  ]);
  const taskAccountName = taskAccount(buildTaskPod(launch, namespaces[0]));
  const accounts: AccountUse[] = [];
  if (launcher)
    accounts.push({
      account: launcher.name,
      namespace: launcher.namespace,
      what: `${launcher.component}: creates and watches task pods`,
    });
  for (const n of namespaces) accounts.push({ account: taskAccountName, namespace: n, what: 'task pods' });
  return { input: { launch, namespaces: facts, accounts, flowControl: flow }, warnings };
}
