// The shapes of a connection to the API server and of its requests, apart from how they are made
// (connection.ts), so transport users and tests import the types without the request layer.
import type * as http from 'node:http';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RetryPolicy } from './pool.ts';
import type { Impersonation } from './resolve.ts';

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: unknown;
  /** Content-Type of the JSON body (default application/json): a PATCH names its patch type. */
  contentType?: string;
  /** undefined: the run's --as (if any); null: none; else impersonate exactly this identity. */
  impersonate?: Impersonation | null;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
  headers: http.IncomingHttpHeaders;
}

export interface ConnectionStats {
  requests: number;
  attempts: number;
  retries: number;
  /** The most requests and execs held open at once: the pool's own record, not a second count. */
  readonly maxInFlight: number;
}

export interface UpgradeOptions {
  tls: Pick<https.RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  headers: Record<string, string | string[]>;
  /**
   * The requests' keep-alive pool, with the same TLS: the upgrade takes a connection already open
   * when one is idle (HTTP/1.1 upgrades any request), instead of a TCP and TLS handshake of its
   * own; the upgraded socket leaves the pool.
   */
  agent?: http.Agent;
}

export interface Connection {
  readonly server: string;
  readonly contextName: string;
  readonly userName: string;
  /** -n, else the context's namespace, else "default". */
  readonly namespace: string;
  readonly namespaceFromFlag: boolean;
  readonly impersonation?: Impersonation;
  /**
   * client-node's config for this run (for Exec and generated APIs). Loaded on first use: plain
   * certificate/token credentials never load client-node (it costs ~0.5 s to import unbundled).
   */
  kubeConfig(): Promise<KubeConfig>;
  /**
   * TLS options and headers (credentials, impersonation as for a request) for a connection that is
   * not a request (exec's WebSocket upgrade): what the requests use, client-node only for plugin
   * credentials.
   */
  upgradeOptions(impersonate?: Impersonation | null): Promise<UpgradeOptions>;
  readonly stats: ConnectionStats;
  /** Any status; throws only when no answer came (network, TLS, timeout). */
  send<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>>;
  /** 2xx body, else a ClusterError built from the server's Status. */
  request<T = unknown>(req: KubeRequest): Promise<T>;
  /** 2xx body, else a ClusterError; asked once per command (the same answer to the same read). */
  get<T = unknown>(path: string, query?: KubeRequest['query']): Promise<T>;
  /** All items of a list, following `continue`; asked once per command, as get. */
  list<T = unknown>(path: string, query?: KubeRequest['query']): Promise<T[]>;
  /** A GET answered with any status (as send), asked once per command, as get. */
  getResponse<T = unknown>(path: string, query?: KubeRequest['query']): Promise<KubeResponse<T>>;
  /**
   * Takes one slot of the --max-in-flight bound the requests share, for a connection that outlives
   * a request (exec's WebSocket); the returned function gives it back (once, however often called).
   */
  hold(): Promise<() => void>;
  /** --request-timeout in ms (0: none): the bound of every request, all its retries included. */
  readonly requestTimeoutMs: number;
  /** When to retry: the same for requests and exec upgrades (pool.ts retryDelay). */
  readonly retryPolicy: RetryPolicy;
  /** Calls f when the command ends (close); the returned function unregisters it. */
  whenClosed(f: () => void): () => void;
  close(): void;
}

export interface ConnectOptions {
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
  /** Per-attempt timeout when --request-timeout is not given. */
  defaultTimeoutMs?: number;
}
