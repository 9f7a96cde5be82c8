// What the Kubernetes clients in the pod do, by installed version: decided only from the rows of
// clients.json (each with its source). Pure apart from reading that table once.
import { readFileSync } from 'node:fs';

export type Question = 'proxy-env' | 'no-proxy-env' | 'token-reread' | 'watch-410' | 'tcp-keepalive';

export interface ClientRow {
  question: Question;
  package: string;
  /** Space-separated bounds (`>=34.1.0 <36.0.0`) or `*`. */
  versions: string;
  answer: boolean;
  detail: string;
  source: string;
}

let rows: ClientRow[] | undefined;
export function clientRows(): ClientRow[] {
  rows ??= (JSON.parse(readFileSync(new URL('./clients.json', import.meta.url), 'utf8')) as { rows: ClientRow[] }).rows;
  return rows;
}

/** 34.1.0b1 -> [34, 1, 0]: release numbers only (a pre-release counts as its release). */
function parts(v: string): number[] {
  return (/^\d+(\.\d+)*/.exec(v.trim())?.[0] ?? '').split('.').filter(Boolean).map(Number);
}

export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export function inRange(version: string, range: string): boolean {
  if (parts(version).length === 0) return false;
  return range
    .split(/\s+/)
    .filter(Boolean)
    .every((b) => {
      if (b === '*') return true;
      const m = /^(>=|<=|<|>|==)(.+)$/.exec(b);
      if (!m) return false;
      const c = compareVersions(version, m[2]);
      return m[1] === '>=' ? c >= 0 : m[1] === '<' ? c < 0 : m[1] === '<=' ? c <= 0 : m[1] === '>' ? c > 0 : c === 0;
    });
}

/** The table's answer for one installed package, or undefined when no row covers that version. */
export function answer(
  question: Question,
  pkg: string,
  version: string,
  table: ClientRow[] = clientRows(),
): ClientRow | undefined {
  return table.find((r) => r.question === question && r.package === pkg && inRange(version, r.versions));
}

/** The probe's `clients`: package -> version (null: not installed), or why they are unknown. */
export type InstalledClients = Record<string, string | null> | { skipped: string } | undefined;

export interface ProxyClient {
  package: string;
  version: string;
  honoursProxy: boolean;
  honoursNoProxy: boolean;
  /** CIDRs in NO_PROXY the client understands: 'ipv4' (requests), 'none' (urllib), 'all'. */
  cidrs: 'ipv4' | 'none' | 'all';
  /** Why, with the table's sources. */
  because: string[];
}

/** The in-cluster clients Airflow uses: kubernetes (executor, KubernetesPodOperator), kubernetes_asyncio (triggers). */
const API_CLIENTS = ['kubernetes', 'kubernetes_asyncio'];

/**
 * How each installed API client treats the proxy variables. Unknown versions (the sh probe, or no
 * client found): one assumed client that honours both HTTPS_PROXY and NO_PROXY, said as assumed.
 */
export function proxyClients(installed: InstalledClients): { clients: ProxyClient[]; assumed?: string } {
  const known = installed && !('skipped' in installed) ? installed : undefined;
  const clients: ProxyClient[] = [];
  for (const pkg of API_CLIENTS) {
    const version = known?.[pkg];
    if (typeof version !== 'string') continue;
    const proxy = answer('proxy-env', pkg, version);
    const noProxy = answer('no-proxy-env', pkg, version);
    if (!proxy) continue;
    clients.push({
      package: pkg,
      version,
      honoursProxy: proxy.answer,
      honoursNoProxy: !!noProxy?.answer,
      cidrs: pkg === 'kubernetes' ? 'ipv4' : 'none',
      because: [proxy, ...(proxy.answer && noProxy ? [noProxy] : [])].map((r) => `${r.detail} (${r.source})`),
    });
  }
  if (clients.length) return { clients };
  const why =
    installed && 'skipped' in installed
      ? installed.skipped
      : "no kubernetes or kubernetes_asyncio package found by the pod's python3";
  return {
    clients: [
      {
        package: 'kubernetes',
        version: 'unknown',
        honoursProxy: true,
        honoursNoProxy: true,
        cidrs: 'ipv4',
        because: [],
      },
    ],
    assumed: `client versions unknown (${why}): assumed a client that honours HTTPS_PROXY and NO_PROXY, as kubernetes >= 36.0.0 does`,
  };
}

/** Who runs the KubernetesExecutor's watcher and kube client: apache-airflow, or the provider. */
export type ExecutorHome = 'apache-airflow' | 'apache-airflow-providers-cncf-kubernetes';

export interface ExecutorAnswer {
  /** The package whose executor code the answer was read from; undefined when none holds it. */
  home?: ExecutorHome;
  version?: string;
  /** undefined: no row covers the installed versions. */
  answer?: boolean;
  /** The rows' details with their sources, or why no row applies. */
  because: string[];
  /** What was assumed where a version is unknown. */
  assumed?: string;
}

/** Airflow 2.7.0 is the first core without the executor; provider 7.4.0 the first with it. */
const CORE_WITHOUT_EXECUTOR = '2.7.0';
const PROVIDER_WITH_EXECUTOR = '7.4.0';
const PROVIDER = 'apache-airflow-providers-cncf-kubernetes';

/**
 * What the KubernetesExecutor does about a question (watch-410, tcp-keepalive) for the installed
 * versions. The executor lived in apache-airflow until 2.7.0 and in the provider from 7.4.0, so
 * the Airflow version picks the package whose row answers; tcp-keepalive also needs urllib3 < 2.0,
 * because Airflow sets keepalive by patching urllib3's default_socket_options. Unknown versions
 * are assumed to be the newest (the provider's executor, an urllib3 the patch reaches) and said so.
 */
export function executorAnswer(
  question: 'watch-410' | 'tcp-keepalive',
  installed: InstalledClients,
  table: ClientRow[] = clientRows(),
): ExecutorAnswer {
  const known = installed && !('skipped' in installed) ? installed : undefined;
  const why = installed && 'skipped' in installed ? installed.skipped : undefined;
  const airflow = known?.['apache-airflow'];
  const provider = known?.[PROVIDER];
  const assumed: string[] = [];
  const fmt = (r: ClientRow) => `${r.detail} (${r.source})`;

  let home: ExecutorHome;
  let version: string;
  if (typeof airflow === 'string' && compareVersions(airflow, CORE_WITHOUT_EXECUTOR) < 0) {
    // before 2.7.0 the KubernetesExecutor alias loads the core class, whatever provider is installed
    // (apache/airflow airflow/executors/executor_loader.py ExecutorLoader.executors in a 2.x copy:
    // KUBERNETES_EXECUTOR -> airflow.executors.kubernetes_executor; later copies name the provider's)
    home = 'apache-airflow';
    version = airflow;
  } else if (typeof provider === 'string') {
    home = PROVIDER;
    version = provider;
    if (typeof airflow !== 'string')
      assumed.push(
        `apache-airflow version unknown (${why ?? "not found by the pod's python3"}): assumed Airflow >= ${CORE_WITHOUT_EXECUTOR}, whose KubernetesExecutor is the provider's (${PROVIDER} ${provider})`,
      );
  } else if (typeof airflow === 'string') {
    return {
      home: undefined,
      because: [
        `apache-airflow ${airflow} has no KubernetesExecutor of its own (moved to ${PROVIDER} ${PROVIDER_WITH_EXECUTOR}, used from Airflow ${CORE_WITHOUT_EXECUTOR}) and ${PROVIDER} is ${provider === null ? 'not installed' : 'of unknown version'}`,
      ],
    };
  } else {
    // nothing known: the newest executor, whose rows are open-ended
    home = PROVIDER;
    version = '';
    assumed.push(
      `Airflow versions unknown (${why ?? "apache-airflow and the provider not found by the pod's python3"}): assumed the newest KubernetesExecutor, ${PROVIDER} >= ${PROVIDER_WITH_EXECUTOR}`,
    );
  }

  const row = version
    ? answer(question, home, version, table)
    : table.find((r) => r.question === question && r.package === home && !r.versions.includes('<'));
  if (!row)
    return {
      home,
      version: version || undefined,
      because: [`no row for ${question} in ${home} ${version || '(unknown)'}: the executor is not in that release`],
      ...(assumed.length ? { assumed: assumed.join('; ') } : {}),
    };
  const because = [fmt(row)];
  let result = row.answer;
  if (question === 'tcp-keepalive' && row.answer) {
    const urllib3 = known?.['urllib3'];
    const u = typeof urllib3 === 'string' ? answer('tcp-keepalive', 'urllib3', urllib3, table) : undefined;
    if (u) {
      because.push(`urllib3 ${urllib3}: ${fmt(u)}`);
      result = u.answer;
    } else
      assumed.push(
        `urllib3 version unknown: assumed one before 2.0.0, where Airflow's keepalive patch reaches new connections`,
      );
  }
  return {
    home,
    version: version || undefined,
    answer: result,
    because,
    ...(assumed.length ? { assumed: assumed.join('; ') } : {}),
  };
}
