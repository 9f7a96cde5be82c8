// Flags -> a connection: kubeconfig with kubectl's semantics, credentials through client-node
// (client certs, tokens, exec credential plugins), and a small request layer of our own so we
// control concurrency, retries, timeouts and per-request impersonation.
// client-node is imported lazily here so `--help` and `version` never load it.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';
import { needsClientNode, staticCredentials } from './static-credentials.ts';
import {
  ClusterError,
  RunRefused,
  UsageError,
  fromCredentialError,
  fromNetworkError,
  fromStatus,
} from '../base/errors.ts';
import { boundCredentialPlugin } from './credential-plugin.ts';
import { resolveFromFlags } from './kubeconfig-files.ts';
import { impersonationHeaders, runImpersonationRefused } from './impersonation.ts';
import {
  DEFAULT_RETRY,
  Semaphore,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  withDeadline,
  type RetryPolicy,
} from './pool.ts';
import { parseDuration, type ConnectionFlags, type Impersonation, type ResolvedConfig } from './resolve.ts';

export type { ConnectionFlags, Impersonation } from './resolve.ts';
export { impersonationHeaders } from './impersonation.ts';
export { inClusterKubeconfig, readKubeconfigFiles, resolveFromFlags, SERVICE_ACCOUNT_DIR } from './kubeconfig-files.ts';

export type { Connection, ConnectionStats, ConnectOptions, KubeRequest, KubeResponse } from './connection-types.ts';
import type {
  Connection,
  ConnectionStats,
  ConnectOptions,
  KubeRequest,
  KubeResponse,
  UpgradeOptions,
} from './connection-types.ts';

export async function connect(flags: ConnectionFlags, opts: ConnectOptions = {}): Promise<Connection> {
  const env = opts.env ?? process.env;
  const resolved = resolveFromFlags(flags, env);
  const timeoutMs = parseDuration(flags.requestTimeout) ?? opts.defaultTimeoutMs ?? 30_000;
  const maxInFlight = flags.maxInFlight ?? 16;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
    throw new UsageError('--max-in-flight must be a positive integer');
  return new HttpConnection(resolved, timeoutMs, maxInFlight, opts.retry ?? DEFAULT_RETRY);
}

async function loadKubeConfig(resolved: ResolvedConfig): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(resolved.kubeconfig));
  return kc;
}

/** The TLS part of the request options: what the agent and exec's WebSocket verify and present. */
const tlsOf = (o: https.RequestOptions): UpgradeOptions['tls'] => ({
  ca: o.ca,
  cert: o.cert,
  key: o.key,
  rejectUnauthorized: o.rejectUnauthorized,
  servername: o.servername,
});

class HttpConnection implements Connection {
  readonly server: string;
  readonly contextName: string;
  readonly userName: string;
  readonly namespace: string;
  readonly namespaceFromFlag: boolean;
  readonly impersonation?: Impersonation;
  readonly stats: ConnectionStats;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sem: Semaphore;
  private agent?: http.Agent;
  private readonly url: URL;
  private readonly resolved: ResolvedConfig;
  private kc?: Promise<KubeConfig>;
  private readonly fixed?: ReturnType<typeof staticCredentials>;
  private closed = false;
  private readonly onClose = new Set<() => void>();
  private readonly reads = new Map<string, Promise<unknown>>();

  constructor(r: ResolvedConfig, timeoutMs: number, maxInFlight: number, retry: RetryPolicy) {
    this.resolved = r;
    if (!needsClientNode(r)) this.fixed = staticCredentials(r);
    this.server = r.server;
    this.url = new URL(r.server);
    this.contextName = r.contextName;
    this.userName = r.userName;
    this.namespace = r.namespace;
    this.namespaceFromFlag = r.namespaceFromFlag;
    this.impersonation = r.impersonation;
    this.timeoutMs = timeoutMs;
    this.retry = retry;
    const sem = (this.sem = new Semaphore(maxInFlight));
    this.stats = {
      requests: 0,
      attempts: 0,
      retries: 0,
      get maxInFlight() {
        return sem.maxActive;
      },
    };
  }

  kubeConfig(): Promise<KubeConfig> {
    this.kc ??= loadKubeConfig(this.resolved).then((kc) => {
      boundCredentialPlugin(kc, this.timeoutMs, (f) => this.whenClosed(f));
      return kc;
    });
    return this.kc;
  }

  /** The command ended: cut every request in flight and every backoff, start nothing more. */
  close(): void {
    this.closed = true;
    for (const f of [...this.onClose]) f();
    this.onClose.clear();
    this.agent?.destroy();
  }

  async hold(): Promise<() => void> {
    await this.sem.acquire();
    let held = true;
    return () => {
      if (held) this.sem.release();
      held = false;
    };
  }

  /**
   * A read asked once per command: doctor's layers and the features they reuse ask some of the same
   * questions (the kubernetes Service, the Leases, the bindings), and one report must not rest on two
   * answers from different moments. What must see change (a poll) uses request().
   */
  private readOnce<T>(key: string, read: () => Promise<T>): Promise<T> {
    // after close nothing is sent, and nothing is answered from before either
    if (this.closed) return read();
    let p = this.reads.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.reads.set(key, p);
    }
    return p;
  }

  get<T>(path: string, query?: KubeRequest['query']): Promise<T> {
    return this.readOnce(`get ${path} ${JSON.stringify(query ?? {})}`, () => this.request<T>({ path, query }));
  }

  getResponse<T>(path: string, query?: KubeRequest['query']): Promise<KubeResponse<T>> {
    return this.readOnce(`send ${path} ${JSON.stringify(query ?? {})}`, () => this.send<T>({ path, query }));
  }

  list<T>(path: string, query: KubeRequest['query'] = {}): Promise<T[]> {
    return this.readOnce(`list ${path} ${JSON.stringify(query)}`, () => this.allPages<T>(path, query));
  }

  private async allPages<T>(path: string, query: KubeRequest['query']): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.request<{ items?: T[]; metadata?: { continue?: string } }>({
        path,
        query: { limit: 500, ...query, ...(cont ? { continue: cont } : {}) },
      });
      items.push(...(page.items ?? []));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  async request<T>(req: KubeRequest): Promise<T> {
    const res = await this.send<T>(req);
    if (res.status >= 200 && res.status < 300) return res.body;
    throw fromStatus(res.status, res.body, `${req.method ?? 'GET'} ${req.path}`);
  }

  /**
   * One request under the run's policy: --request-timeout bounds it whole (waiting for a slot, every
   * attempt, every backoff), transient failures are retried only while that deadline allows, and a
   * closed connection (the command ended) starts nothing and cuts what is in flight.
   */
  async send<T>(req: KubeRequest): Promise<KubeResponse<T>> {
    this.stats.requests++;
    const what = `${req.method ?? 'GET'} ${req.path}`;
    const deadline = this.timeoutMs > 0 ? Date.now() + this.timeoutMs : undefined;
    for (let attempt = 0; ; attempt++) {
      let res: KubeResponse<T> | undefined;
      let err: unknown;
      await this.sem.acquire();
      try {
        this.checkOpen(what);
        this.stats.attempts++;
        res = await this.once<T>(req, deadline);
      } catch (e) {
        err = e;
      } finally {
        this.sem.release();
      }
      if (res && runImpersonationRefused(res, req.impersonate === undefined ? this.impersonation : undefined)) {
        throw new RunRefused(
          'forbidden',
          `the API server refused to let you act as "${this.impersonation?.user}" (--as): ${(res.body as { message?: string }).message}`,
          {
            status: 403,
            remedy: 'ask a cluster admin for impersonate on that user (and its groups), or run without --as',
          },
        );
      }
      if (res && !isRetryableStatus(res.status)) return res;
      const wait = this.closed
        ? undefined
        : retryDelay(
            {
              attempt,
              status: res?.status,
              error: err,
              retryAfterSeconds: res ? parseRetryAfter(res.headers['retry-after']) : undefined,
              now: Date.now(),
              deadline,
            },
            this.retry,
          );
      if (wait === undefined) {
        if (res) return res;
        throw err instanceof ClusterError ? err : (fromNetworkError(err, this.server) ?? err);
      }
      this.stats.retries++;
      await this.sleep(wait);
    }
  }

  get requestTimeoutMs(): number {
    return this.timeoutMs;
  }

  get retryPolicy(): RetryPolicy {
    return this.retry;
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new ClusterError('timeout', `${what} not sent: the command already ended`);
  }

  /** A backoff the close cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.onClose.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.onClose.add(done);
    });
  }

  whenClosed(f: () => void): () => void {
    this.onClose.add(f);
    return () => void this.onClose.delete(f);
  }

  async upgradeOptions(impersonate?: Impersonation | null): Promise<UpgradeOptions> {
    const o = await this.httpOptions();
    const headers = this.headersFor(o, impersonate);
    if (o.auth) headers.Authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    return { tls: tlsOf(o), headers, agent: this.agent };
  }

  /** The credential headers, with the run's impersonation replaced by the request's (undefined: the run's). */
  private headersFor(o: https.RequestOptions, impersonate: Impersonation | null | undefined) {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(o.headers ?? {}))
      if (v !== undefined && !/^impersonate-/i.test(k)) headers[k] = typeof v === 'number' ? String(v) : v;
    return Object.assign(headers, impersonationHeaders(impersonate === undefined ? this.impersonation : impersonate));
  }

  private async httpOptions(): Promise<https.RequestOptions> {
    const o: https.RequestOptions = {};
    if (this.fixed) {
      Object.assign(o, this.fixed.tls, { headers: { ...this.fixed.headers }, auth: this.fixed.auth });
    } else {
      // exec credential plugins and auth providers: client-node (it caches exec tokens until expiry)
      await (await this.kubeConfig())
        .applyToHTTPSOptions(o)
        .catch((e: unknown) => Promise.reject(fromCredentialError(e)));
    }
    if (!this.agent) {
      // One secure context for every connection: without it, tls.connect builds one per socket
      // (the CA, client certificate and key parsed again each time), on the critical path of a
      // command's first wave of up to 16 connections.
      const secure = tlsOf(o);
      this.agent =
        this.url.protocol === 'http:'
          ? new http.Agent({ keepAlive: true, maxSockets: this.sem.limit })
          : new https.Agent({
              keepAlive: true,
              maxSockets: this.sem.limit,
              ...secure,
              secureContext: tls.createSecureContext(secure),
            });
    }
    return o;
  }

  private async once<T>(req: KubeRequest, deadline: number | undefined): Promise<KubeResponse<T>> {
    const what = `${req.method ?? 'GET'} ${req.path}`;
    const timedOut = () => new ClusterError('timeout', `${what} timed out after ${this.timeoutMs / 1000}s`);
    const o = await withDeadline(this.httpOptions(), deadline, timedOut);
    this.checkOpen(what);
    const left = deadline === undefined ? 0 : deadline - Date.now();
    if (deadline !== undefined && left <= 0) throw timedOut();
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': 'kubectl-airflow',
      ...this.headersFor(o, req.impersonate),
    };
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(JSON.stringify(req.body));
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const u = new URL(this.url.pathname.replace(/\/$/, '') + req.path, this.url);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    const mod = u.protocol === 'http:' ? http : https;
    return new Promise<KubeResponse<T>>((resolve, reject) => {
      const r = mod.request(u, { method: req.method ?? 'GET', headers, agent: this.agent, auth: o.auth }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (text && /json/.test(String(res.headers['content-type'] ?? 'json'))) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: body as T, headers: res.headers });
        });
      });
      const cut = (e: Error) => {
        clearTimeout(timer);
        this.onClose.delete(abort);
        r.destroy();
        reject(e);
      };
      const abort = () => cut(new ClusterError('timeout', `${what} cut: the command already ended`));
      this.onClose.add(abort);
      r.on('close', () => this.onClose.delete(abort));
      const timer = deadline !== undefined ? setTimeout(() => cut(timedOut()), left) : undefined;
      r.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      r.end(payload);
    });
  }
}
