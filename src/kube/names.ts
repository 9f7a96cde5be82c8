// Names to complete a word with: namespaces and pods from the cluster, contexts, clusters and users
// from the kubeconfig. A shell waits on every TAB: one attempt, no retries, and 2 s per request
// unless --request-timeout was given (the commands' default is 8 retries with backoff and 30 s).
import { connect, readKubeconfigFiles, type ConnectionFlags } from './connection.ts';
import { mergeKubeconfigs } from './kubeconfig.ts';
import type { RetryPolicy } from './pool.ts';
import { listObjects } from './reads.ts';

export const COMPLETION_RETRY: RetryPolicy = { maxRetries: 0, baseMs: 0, maxMs: 0, maxRetryAfterMs: 0 };
export const COMPLETION_TIMEOUT_MS = 2000;

export type NameSource = 'namespaces' | 'pods' | 'contexts' | 'clusters' | 'users';

/** Sorted names of the source; pods from the namespace of the flags (else the context's). */
export async function listNames(source: NameSource, flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (source === 'contexts' || source === 'clusters' || source === 'users') {
    const merged = mergeKubeconfigs(readKubeconfigFiles(flags, env));
    return merged[source].map((n) => n.name);
  }
  const conn = await connect(flags, { env, retry: COMPLETION_RETRY, defaultTimeoutMs: COMPLETION_TIMEOUT_MS });
  try {
    const items = await listObjects<{ metadata?: { name?: string } }>(
      conn,
      source,
      source === 'pods' ? { namespace: conn.namespace } : {},
    );
    return items
      .map((i) => i.metadata?.name ?? '')
      .filter(Boolean)
      .sort();
  } finally {
    conn.close();
  }
}
