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
