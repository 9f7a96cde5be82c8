// Pure: the merged kubeconfig + kubectl's override flags -> the one cluster, user, namespace and
// impersonation a run uses (client-go clientcmd.DirectClientConfig semantics).
import { UsageError } from '../base/errors.ts';
import type { MergedKubeconfig } from './kubeconfig.ts';

type Obj = Record<string, unknown>;

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  as?: string;
  asGroup?: string[];
  asUid?: string;
  requestTimeout?: string;
  server?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  certificateAuthority?: string;
  maxInFlight?: number;
}

export interface Impersonation {
  user: string;
  groups?: string[];
  uid?: string;
}

export interface ResolvedConfig {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  namespace: string;
  /** true when -n was given (kubectl: explicit namespace). */
  namespaceFromFlag: boolean;
  impersonation?: Impersonation;
  /** One-context kubeconfig for client-node (credentials, CA, exec plugin). */
  kubeconfig: MergedKubeconfig;
}

function find(list: Array<{ name: string; [k: string]: unknown }>, name: string): Obj | undefined {
  return list.find((x) => x.name === name) as Obj | undefined;
}

export function resolveConfig(merged: MergedKubeconfig, flags: ConnectionFlags): ResolvedConfig {
  const contextName = flags.context || merged['current-context'] || '';
  let ctx: Obj = {};
  if (contextName) {
    const found = find(merged.contexts, contextName);
    if (!found)
      throw new UsageError(
        `context "${contextName}" does not exist in the kubeconfig (kubectl config get-contexts lists them)`,
      );
    ctx = (found.context as Obj) ?? {};
  } else if (!flags.server) {
    throw new UsageError(
      'no current context in the kubeconfig: pass --context, or --kubeconfig / KUBECONFIG pointing at a kubeconfig',
    );
  }
  const clusterName = flags.cluster || (ctx.cluster as string) || '';
  const userName = flags.user || (ctx.user as string) || '';
  const clusterEntry = clusterName ? find(merged.clusters, clusterName) : undefined;
  if (clusterName && !clusterEntry && !flags.server)
    throw new UsageError(`cluster "${clusterName}" does not exist in the kubeconfig`);
  const userEntry = userName ? find(merged.users, userName) : undefined;
  if (flags.user && !userEntry) throw new UsageError(`user "${flags.user}" does not exist in the kubeconfig`);

  const cluster: Obj = structuredClone((clusterEntry?.cluster as Obj) ?? {});
  const user: Obj = structuredClone((userEntry?.user as Obj) ?? {});
  if (flags.server) cluster.server = flags.server;
  if (!cluster.server) throw new UsageError(`cluster "${clusterName}" has no server address: pass --server`);
  cluster.server = serverURL(
    String(cluster.server),
    flags.server ? '--server' : `the server of cluster "${clusterName}" in the kubeconfig`,
  );
  if (flags.certificateAuthority) {
    cluster['certificate-authority'] = flags.certificateAuthority;
    delete cluster['certificate-authority-data'];
  }
  if (flags.insecureSkipTlsVerify) {
    // client-go refuses a CA together with insecure; kubectl's flag wins by dropping the CA.
    cluster['insecure-skip-tls-verify'] = true;
    delete cluster['certificate-authority'];
    delete cluster['certificate-authority-data'];
  }
  if (flags.token) {
    user.token = flags.token;
    delete user.tokenFile;
    delete user.exec;
    delete user['auth-provider'];
  } else if (typeof user.tokenFile === 'string') {
    user['token-file'] = user.tokenFile; // client-node reads the hyphenated key
  }
  // Impersonation: flags beat the kubeconfig's as/as-groups/as-uid. We send the headers ourselves
  // so each request can choose its own identity; client-node must not add its own.
  const asUser = flags.as || (user.as as string) || '';
  const asGroups = flags.asGroup?.length ? flags.asGroup : ((user['as-groups'] as string[]) ?? []);
  const asUid = flags.asUid || (user['as-uid'] as string) || '';
  delete user.as;
  delete user['as-groups'];
  delete user['as-uid'];
  if (!asUser && (asGroups.length || asUid))
    throw new UsageError('--as-group and --as-uid need --as (the user to impersonate)');
  // each becomes an HTTP header value: a newline there would end the header (Node refuses it)
  headerSafe(asUser, flags.as ? '--as' : "the kubeconfig user's as");
  for (const g of asGroups) headerSafe(g, flags.asGroup?.length ? '--as-group' : "the kubeconfig user's as-groups");
  headerSafe(asUid, flags.asUid ? '--as-uid' : "the kubeconfig user's as-uid");
  if (typeof user.token === 'string')
    headerSafe(user.token, flags.token ? '--token' : "the kubeconfig user's token", true);
  const impersonation: Impersonation | undefined = asUser
    ? { user: asUser, ...(asGroups.length ? { groups: asGroups } : {}), ...(asUid ? { uid: asUid } : {}) }
    : undefined;

  const nsFlag = flags.namespace;
  const namespace = nsFlag || (ctx.namespace as string) || 'default';
  const name = contextName || 'kubectl-airflow';
  const cn = clusterName || 'kubectl-airflow';
  const un = userName || 'kubectl-airflow';
  return {
    contextName: name,
    clusterName: cn,
    userName: un,
    server: String(cluster.server).replace(/\/+$/, ''),
    namespace,
    namespaceFromFlag: !!nsFlag,
    impersonation,
    kubeconfig: {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: cn, cluster }],
      users: [{ name: un, user }],
      contexts: [{ name, context: { cluster: cn, user: un, namespace } }],
      'current-context': name,
      preferences: {},
    },
  };
}

/** Control characters cannot travel in an HTTP header value (RFC 9110 field-value; Node's checkInvalidHeaderChar). */
function headerSafe(value: string, what: string, secret = false): void {
  if (!/[^\t\x20-\x7e\x80-\xff]/.test(value)) return;
  const shown = secret ? '' : ` ${JSON.stringify(value)}`;
  throw new UsageError(
    `${what}${shown} contains a newline or another control character: give it on one line, without quotes or escapes`,
  );
}

/**
 * client-go's DefaultServerURL (rest/url_utils.go): an address without a scheme (127.0.0.1:6443, as
 * kubectl takes it) is https://, the scheme of every TLS config; only http and https are spoken.
 */
export function serverURL(raw: string, what: string): string {
  const s = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
  let u: URL | undefined;
  try {
    u = new URL(withScheme);
  } catch {
    u = undefined;
  }
  if (!u || !u.hostname || /\s/.test(s))
    throw new UsageError(`${what} "${raw}" is not an API server address: give https://HOST:PORT`);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new UsageError(
      `${what} "${raw}" uses ${u.protocol.replace(/:$/, '')}: the API server speaks https (give https://HOST:PORT)`,
    );
  return withScheme;
}

export const MAX_REQUEST_TIMEOUT_MS = 24 * 3600e3;

/** kubectl's --request-timeout: "0" = none, a bare integer = seconds, else a Go duration (1h2m3s, 500ms). */
export function parseDuration(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(t))) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600e3 : m[2] === 'm' ? n * 60e3 : m[2] === 's' ? n * 1e3 : n;
    pos = re.lastIndex;
  }
  if (pos !== t.length || pos === 0) {
    throw new UsageError(`invalid --request-timeout "${s}": use a duration like 30s, 1m or 0 for none`);
  }
  // Node's timers hold at most 2^31-1 ms (24.8 days) and fire at once beyond it: refuse, not misbehave
  if (total > MAX_REQUEST_TIMEOUT_MS)
    throw new UsageError(`--request-timeout ${s} is longer than 24h: give a shorter duration, or 0 for none`);
  return total;
}
