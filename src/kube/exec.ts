// One command in a pod's container over WebSocket, collected to strings. The exec subresource's
// channel protocol is spoken here (v5.channel.k8s.io, else v4: every binary frame starts with its
// stream, 1 stdout, 2 stderr, 3 the metav1.Status that ends the command; v5 adds 255, the close of
// a stream), as client-go's remotecommand and client-node's Exec speak it, so a run whose
// credentials need no plugin never loads client-node (about 0.1 s of CPU in the bundle). The
// impersonation headers are ours (client-node's kubeconfig-user path knows only Impersonate-User).
// An exec holds one slot of the connection's --max-in-flight bound from before the upgrade until
// its socket closes, so the bound covers everything the plugin holds open against the API server.
// What the command does inside the pod (the probe's requests with the pod's own ServiceAccount
// token) is the pod's traffic, not the plugin's: no slot bounds it.
import { Writable } from 'node:stream';
import type { Connection, Impersonation } from './connection.ts';
import { ClusterError, fromCredentialError, fromNetworkError, fromStatus } from '../base/errors.ts';
import type { ExecResult } from '../base/exec-result.ts';
import { parseRetryAfter, retryDelay } from './pool.ts';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  /** The whole exec, from connect to status; on expiry the socket is closed and timedOut is set. */
  timeoutMs: number;
  /** undefined: the run's --as; null: none. */
  impersonate?: Impersonation | null;
  /** Output beyond this many bytes per stream is dropped (a runaway command cannot fill memory). */
  maxOutputBytes?: number;
  /** Called once, when the exec's socket has been created: its connection is under way. */
  onSocket?: () => void;
}

export type { ExecResult } from '../base/exec-result.ts';
export { isMissingExecutable } from '../base/exec-result.ts';

export interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** Exit code and message from the channel-3 Status (pure). */
export function exitFromStatus(st: ExecStatus | undefined): {
  exitCode: number | null;
  message?: string;
  reason?: string;
} {
  if (!st) return { exitCode: null, message: 'the connection closed without an exit status' };
  if (st.status === 'Success') return { exitCode: 0 };
  const cause = st.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = cause?.message !== undefined ? Number.parseInt(cause.message, 10) : NaN;
  if (st.reason === 'NonZeroExitCode' && Number.isInteger(n))
    return { exitCode: n, message: st.message, reason: st.reason };
  return { exitCode: null, message: st.message ?? 'exec failed', reason: st.reason };
}

class Sink extends Writable {
  chunks: Buffer[] = [];
  bytes = 0;
  readonly limit: number;
  constructor(limit: number) {
    super();
    this.limit = limit;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.bytes < this.limit) this.chunks.push(chunk.subarray(0, this.limit - this.bytes));
    this.bytes += chunk.length;
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Thrown when the server refused the upgrade; carries its Status (404 pod, 400 container, 403). */
class UpgradeRefused extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter?: string | string[];
  constructor(status: number, body: unknown, retryAfter?: string | string[]) {
    super(`exec refused: HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

type WsModule = typeof import('ws');
type Socket = InstanceType<WsModule['default']>;

/**
 * A query value as client-go writes it (url.Values.Encode: a space as "+", every other byte but
 * A-Z a-z 0-9 - _ . ~ percent-encoded), except that ! ' ( ) * stay as they are: RFC 3986 allows them
 * in a query and every server (Go's url.ParseQuery, the sim's) reads them the same. Built on
 * encodeURIComponent, which runs natively: URLSearchParams encodes in JavaScript (about 9 ms for a
 * 64 KB probe program on a cold start) and escaping those five characters too costs 2 ms more, on
 * the way to every probe's exec (pure).
 */
export function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

/** The exec subresource's path and query, in the order kubectl and client-node send them (pure). */
export function execPath(req: Pick<ExecRequest, 'namespace' | 'pod' | 'container' | 'command'>): string {
  const q = ['stdout=true', 'stderr=true', 'stdin=false', 'tty=false'];
  for (const c of req.command) q.push(`command=${queryEscape(c)}`);
  if (req.container) q.push(`container=${queryEscape(req.container)}`);
  const seg = encodeURIComponent;
  return `/api/v1/namespaces/${seg(req.namespace)}/pods/${seg(req.pod)}/exec?${q.join('&')}`;
}

/**
 * Opens the exec WebSocket with the connection's TLS, credentials and impersonation headers;
 * resolves when it is open, rejects with the refused upgrade's Status (404 pod, 400 container, 403).
 * Every binary frame goes to onFrame as (stream, payload).
 */
async function openExecSocket(
  conn: Connection,
  WebSocket: WsModule['default'],
  path: string,
  imp: Impersonation | undefined | null,
  onSocket: (ws: Socket) => void,
  onFrame: (stream: number, data: Buffer) => void,
): Promise<Socket> {
  const o = await conn.upgradeOptions(imp).catch((e: unknown) => Promise.reject(fromCredentialError(e)));
  const base = conn.server.replace(/\/$/, '').replace(/^http/, 'ws');
  const ws = new WebSocket(base + path, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
    ...(o.agent ? { agent: o.agent } : (o.tls as import('ws').ClientOptions)),
    // ws hands headers to http.request, which sends an array (Impersonate-Group) as repeated headers
    headers: o.headers as Record<string, string>,
  });
  onSocket(ws);
  return new Promise<Socket>((resolve, reject) => {
    let open = false;
    ws.on('unexpected-response', (_r, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: unknown = Buffer.concat(chunks).toString('utf8');
        try {
          body = JSON.parse(body as string);
        } catch {
          /* not JSON: keep the text */
        }
        reject(new UpgradeRefused(res.statusCode ?? 0, body, res.headers['retry-after']));
      });
      res.on('error', () => reject(new UpgradeRefused(res.statusCode ?? 0, '')));
    });
    ws.on('error', (e) => {
      if (!open) reject(e);
    });
    ws.on('open', () => {
      open = true;
      resolve(ws);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || !Buffer.isBuffer(data) || data.length < 1) return;
      onFrame(data[0]!, data.subarray(1));
    });
  });
}

/** The Status frame's text: JSON as the server writes it; anything else is kept as its message. */
export function parseExecStatus(text: string): ExecStatus {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object') return v as ExecStatus;
  } catch {
    /* not JSON */
  }
  return { status: 'Failure', message: text.trim() || 'exec failed' };
}

/**
 * Loads the WebSocket library ahead of the first exec, while the command waits on its first reads:
 * after a turn of the event loop, since the reads' sockets connect from Node's tick queue, which
 * runs only once every queued microtask (this import included) has.
 */
export function prepareExec(): void {
  setImmediate(() => void import('ws').catch(() => undefined));
}

export async function execInPod(conn: Connection, req: ExecRequest): Promise<ExecResult> {
  const wsMod = await import('ws');
  const imp = req.impersonate === undefined ? conn.impersonation : req.impersonate;
  const t0 = Date.now();
  // the upgrade is a request like any other: --request-timeout bounds it, retries included
  const deadline = conn.requestTimeoutMs > 0 ? t0 + conn.requestTimeoutMs : undefined;
  const what = `exec into pod ${req.namespace}/${req.pod}`;
  const limit = req.maxOutputBytes ?? 4 << 20;
  const out = new Sink(limit);
  const err = new Sink(limit);
  let socket: Socket | undefined;
  const release = await conn.hold();
  let over = false;
  let opened = false;
  const onSocket = (ws: Socket) => {
    if (!socket) req.onSocket?.();
    socket = ws;
    ws.once('close', release);
    ws.once('open', () => (opened = true));
    if (over) ws.terminate(); // timed out before the socket was opened: it holds no slot
  };
  /** The slot goes back when the socket has closed; one the server leaves open after the status is cut. */
  const releaseWhenClosed = () => {
    const ws = socket;
    if (!ws || ws.readyState === ws.CLOSED) return release();
    const cut = setTimeout(() => ws.terminate(), 2000);
    ws.once('close', () => clearTimeout(cut));
  };

  return new Promise<ExecResult>((resolve, reject) => {
    let status: ExecStatus | undefined;
    let settled = false;
    let attempt = 0;
    let retryTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      settled = true;
      over = true;
      clearTimeout(timer);
      clearTimeout(upgradeTimer);
      clearTimeout(retryTimer);
      forget();
    };
    const finish = (timedOut: boolean) => {
      if (settled) return;
      stop();
      releaseWhenClosed();
      const ex = timedOut
        ? { exitCode: null, message: `no exit status within ${req.timeoutMs / 1000}s` }
        : exitFromStatus(status);
      resolve({ stdout: out.text(), stderr: err.text(), ...ex, timedOut, ms: Date.now() - t0 });
    };
    const fail = (e: unknown) => {
      if (settled) return;
      stop();
      // refused upgrade or no connection: nothing stays open
      try {
        socket?.terminate();
      } catch {
        /* already closed */
      }
      release();
      if (e instanceof UpgradeRefused) {
        reject(fromStatus(e.status, e.body, what));
        return;
      }
      reject(e instanceof ClusterError ? e : (fromNetworkError(e, conn.server) ?? e));
    };
    /** A refused or broken upgrade: retried by the connection's policy, else the failure. */
    const failed = (e: unknown) => {
      if (settled) return;
      const refused = e instanceof UpgradeRefused ? e : undefined;
      const wait = retryDelay(
        {
          attempt,
          status: refused?.status,
          error: refused ? undefined : e,
          retryAfterSeconds: refused ? parseRetryAfter(refused.retryAfter) : undefined,
          now: Date.now(),
          deadline,
        },
        conn.retryPolicy,
      );
      if (wait === undefined) return fail(e);
      attempt++;
      const old = socket;
      if (old) {
        old.off('close', release); // the slot stays with this exec
        old.terminate();
      }
      socket = undefined;
      retryTimer = setTimeout(start, wait);
    };
    const upgradeUnanswered = () =>
      new ClusterError(
        'timeout',
        `${what}: the API server did not answer the upgrade within ${Math.min(req.timeoutMs, conn.requestTimeoutMs || Infinity) / 1000}s`,
      );
    const timer = setTimeout(() => {
      // never opened: the API server did not answer, which is not a command that ran too long
      if (!opened) return fail(upgradeUnanswered());
      try {
        socket?.terminate();
      } catch {
        /* already closed */
      }
      finish(true);
    }, req.timeoutMs);
    const upgradeTimer =
      deadline !== undefined && deadline - t0 < req.timeoutMs
        ? setTimeout(() => {
            if (!opened) fail(upgradeUnanswered());
          }, deadline - t0)
        : undefined;
    const forget = conn.whenClosed(() => fail(new ClusterError('timeout', `${what} cut: the command already ended`)));

    function start(): void {
      const onFrame = (stream: number, data: Buffer) => {
        if (stream === 1) out.write(data);
        else if (stream === 2) err.write(data);
        else if (stream === 3) {
          // the Status ends the command (client-go remotecommand: the error stream is read to its end)
          status = parseExecStatus(data.toString('utf8'));
          socket?.close();
          setImmediate(() => finish(false));
        }
        // 255 (v5): a stream closed; the status frame still ends the command
      };
      openExecSocket(conn, wsMod.default, execPath(req), imp, onSocket, onFrame)
        .then((ws) => {
          // no status before the close: the server (or a proxy) ended the stream early (a frame
          // still being delivered gets 20 ms); after the status there is nothing to wait for
          ws.on('close', () => {
            if (!settled) setTimeout(() => finish(false), 20);
          });
        })
        .catch(failed);
    }
    start();
  });
}
