// The HTTPS server and its request pipeline, in kube-apiserver's filter order:
// log -> faults -> authentication (401) -> impersonation -> request attributes -> authorization (403)
// -> handler (discovery, reviews, reads, exec upgrade).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimContext } from './context.ts';
import { discovery, type Reply } from './discovery.ts';
import { impersonate } from './impersonation.ts';
import type { ExecUpgradeArgs } from './exec/index.ts';
import type { LogEntry } from './log.ts';
import { handleResource, NOT_FOUND_PAGE } from './reads.ts';
import { queryBool, requestInfo, type RequestInfo } from './request-info.ts';
import { minorVersion } from './scenario.ts';
import { badRequest, forbidden, internalError, notFound, unauthorized } from './status.ts';
import type { KubeObject, Status } from './types.ts';
import type { ResourceType } from './resources.ts';
import { followLog, readLog, type LogLine } from './pod-log.ts';
import { parseQuery } from './query.ts';
import { prepareWatch, serveWatch, type WatchFault, type WatchRequest } from './watch.ts';

const statusReply = (s: Status, headers?: Record<string, string>): Reply => ({
  code: s.code,
  contentType: 'application/json',
  body: JSON.stringify(s),
  headers,
});

/**
 * A connection reset. resetAndDestroy() throws ERR_INVALID_HANDLE_TYPE on a TLSSocket (its handle is
 * TLSWrap, not TCP), which left the connection open and the client hanging: reset the TCP socket
 * underneath when there is one, else destroy.
 */
function resetSocket(socket: Duplex): void {
  const tls = socket as TLSSocket & { _parent?: { resetAndDestroy?: () => void } };
  try {
    if (tls._parent?.resetAndDestroy) tls._parent.resetAndDestroy();
    else tls.resetAndDestroy();
  } catch {
    // fall through to destroy
  }
  socket.destroy();
}

/** How a pipeline run ends: an HTTP reply, a reset, a hang, or an upgrade handed over to exec. */
type Outcome =
  | { kind: 'reply'; reply: Reply }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'upgrade'; run: () => Promise<void> }
  | { kind: 'watch'; resource: ResourceType; request: WatchRequest; fault?: WatchFault }
  | { kind: 'follow'; pod: KubeObject; answer: { container: string; body: string; lines: LogLine[] } };

type ExecHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, args: ExecUpgradeArgs) => void | Promise<void>;

let execHandler: Promise<ExecHandler> | undefined;
/** exec/ is loaded on first use (it pulls in ws and esbuild); a failed load is reported and retried next time. */
function loadExec(): Promise<ExecHandler> {
  const specifier = './exec/index.ts';
  execHandler ??= import(specifier).then((m: { handleExecUpgrade?: ExecHandler }) => {
    if (typeof m.handleExecUpgrade !== 'function') throw new Error('exec/index.ts does not export handleExecUpgrade');
    return m.handleExecUpgrade;
  });
  execHandler.catch(() => {
    execHandler = undefined;
  });
  return execHandler;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class SimServer {
  readonly server: Server;
  private ctx!: SimContext;
  private hung = new Set<{ destroy(): void }>();

  constructor(tls: { key: string; cert: string; ca: string }) {
    // kube-apiserver serves with MaxHeaderBytes 1 << 20 (apiserver secure serving); Node's default
    // (16 KiB) answers 431 to real exec URLs, which carry the whole argv (e.g. a probe program).
    this.server = createServer({
      key: tls.key,
      cert: tls.cert,
      ca: [tls.ca],
      requestCert: true,
      rejectUnauthorized: false,
      maxHeaderSize: 1 << 20,
    });
    this.server.on('request', (req, res) => void this.onRequest(req, res));
    this.server.on(
      'upgrade',
      (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head),
    );
    // A client that vanishes mid-handshake must not take the server down.
    this.server.on('tlsClientError', () => {});
  }

  attach(ctx: SimContext): void {
    this.ctx = ctx;
  }

  /** Ends requests left hanging by a `hang` fault (on stop). */
  releaseHung(): void {
    for (const h of this.hung) h.destroy();
    this.hung.clear();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = this.begin(req);
    let outcome: Outcome;
    try {
      outcome = await this.pipeline(req, entry, false);
    } catch (e) {
      outcome = { kind: 'reply', reply: statusReply(internalError((e as Error).message)) };
    }
    if (outcome.kind === 'reset') {
      entry.fault = 'reset';
      this.finish(entry, 0);
      resetSocket(req.socket);
      return;
    }
    if (outcome.kind === 'hang') {
      entry.fault = 'hang';
      const h = { destroy: () => req.socket.destroy() };
      this.hung.add(h);
      req.socket.once('close', () => {
        this.hung.delete(h);
        this.finish(entry, 0);
      });
      return;
    }
    if (outcome.kind === 'upgrade') {
      // Only reachable from onUpgrade.
      return;
    }
    if (outcome.kind === 'follow') {
      followLog(res, this.ctx, outcome.pod, outcome.answer, () => this.finish(entry, 200));
      return;
    }
    if (outcome.kind === 'watch') {
      serveWatch(res, outcome.request, outcome.resource, this.ctx, () => this.finish(entry, 200), outcome.fault);
      return;
    }
    const r = outcome.reply;
    res.writeHead(r.code, {
      'Content-Type': r.contentType,
      'Content-Length': Buffer.byteLength(r.body),
      'Cache-Control': 'no-cache, private',
      'Audit-Id': entry.headers['audit-id'] as string,
      ...(r.headers ?? {}),
    });
    res.end(req.method === 'HEAD' ? undefined : r.body);
    this.finish(entry, r.code);
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const entry = this.begin(req);
    socket.on('error', () => {});
    let outcome: Outcome;
    try {
      outcome = await this.pipeline(req, entry, true, socket, head);
    } catch (e) {
      outcome = { kind: 'reply', reply: statusReply(internalError((e as Error).message)) };
    }
    switch (outcome.kind) {
      case 'reset':
        entry.fault = 'reset';
        this.finish(entry, 0);
        resetSocket(socket);
        return;
      case 'hang': {
        entry.fault = 'hang';
        const h = { destroy: () => socket.destroy() };
        this.hung.add(h);
        socket.once('close', () => {
          this.hung.delete(h);
          this.finish(entry, 0);
        });
        return;
      }
      case 'watch':
      case 'follow':
        socket.destroy();
        this.finish(entry, 0);
        return;
      case 'upgrade':
        this.finish(entry, 101);
        try {
          await outcome.run();
        } catch {
          socket.destroy();
        }
        entry.upgradeMs = Date.now() - entry.start;
        entry.closedAt = performance.now();
        return;
      case 'reply': {
        const r = outcome.reply;
        const headers = {
          'Content-Type': r.contentType,
          'Content-Length': String(Buffer.byteLength(r.body)),
          'Cache-Control': 'no-cache, private',
          Connection: 'close',
          ...(r.headers ?? {}),
        };
        const lines = [
          `HTTP/1.1 ${r.code} ${STATUS_CODES[r.code] ?? ''}`,
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        ];
        socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), Buffer.from(r.body)]));
        this.finish(entry, r.code);
      }
    }
  }

  private begin(req: IncomingMessage): LogEntry {
    this.ctx.log.begin();
    const url = new URL(req.url ?? '/', 'https://sim');
    const headers = { ...req.headers, 'audit-id': randomUUID() };
    return {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      user: '',
      requester: '',
      code: 0,
      ms: 0,
      start: Date.now(),
      startedAt: performance.now(),
      endedAt: 0,
      srcIP: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`,
      headers,
    };
  }

  private finish(entry: LogEntry, code: number): void {
    entry.code = code;
    entry.ms = Date.now() - entry.start;
    entry.endedAt = performance.now();
    this.ctx.log.end(entry);
  }

  private async pipeline(
    req: IncomingMessage,
    entry: LogEntry,
    upgrade: boolean,
    socket?: Duplex,
    head?: Buffer,
  ): Promise<Outcome> {
    const ctx = this.ctx;
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://sim');
    const path = url.pathname;
    const query = parseQuery(url.search.slice(1));

    // faults
    const f = ctx.faults.decide(method, path);
    if (f.latencyMs > 0) {
      entry.fault = 'latency';
      await sleep(f.latencyMs);
    }
    if (f.action) {
      if (f.action.kind === 'reset') return { kind: 'reset' };
      if (f.action.kind === 'hang') return { kind: 'hang' };
      entry.fault = 'status';
      return { kind: 'reply', reply: statusReply(f.action.status, f.action.headers) };
    }

    // authentication
    const authn = ctx.authn.authenticate(req.socket as TLSSocket, req.headers);
    if ('unauthorized' in authn) return { kind: 'reply', reply: statusReply(unauthorized()) };
    entry.requester = authn.user.name;

    // impersonation
    const imp = impersonate(req.headersDistinct, authn.user, (a, u) => ctx.authorize(a, u));
    if ('status' in imp) {
      entry.user = authn.user.name;
      return { kind: 'reply', reply: statusReply(imp.status) };
    }
    const user = imp.user;
    entry.user = user.name;

    // request attributes
    const info: RequestInfo = requestInfo(method, path, query);
    Object.assign(entry, {
      verb: info.verb,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
    });

    // authorization
    const decision = ctx.authorize(info, user);
    if (!decision.allowed) return { kind: 'reply', reply: statusReply(forbidden(info, user.name, decision.reason)) };

    // exec over WebSocket: GET (get pods/exec); from 1.35 the upgrade also needs create.
    const isExec =
      info.resourceRequest &&
      info.resource === 'pods' &&
      (info.subresource === 'exec' || info.subresource === 'attach');
    if (upgrade) {
      if (!isExec || !info.name || !info.namespace) return { kind: 'reply', reply: NOT_FOUND_PAGE };
      if (method === 'GET' && minorVersion(ctx.scenario) >= 35) {
        const createAttrs = { ...info, verb: 'create' };
        const d = ctx.authorize(createAttrs, user);
        if (!d.allowed) return { kind: 'reply', reply: statusReply(forbidden(createAttrs, user.name, d.reason)) };
      }
      const pod = ctx.store.get('pods', info.namespace, info.name);
      if (!pod) return { kind: 'reply', reply: statusReply(notFound('', 'pods', info.name)) };
      let handler: ExecHandler;
      try {
        handler = await loadExec();
      } catch (e) {
        return {
          kind: 'reply',
          reply: statusReply(internalError(`the simulator could not load exec: ${(e as Error).message}`)),
        };
      }
      const args: ExecUpgradeArgs = {
        pod,
        container: query.get('container') ?? undefined,
        command: query.getAll('command'),
        user,
        ctx,
      };
      return { kind: 'upgrade', run: async () => handler(req, socket!, head!, args) };
    }

    if (!info.resourceRequest) {
      if (method !== 'GET' && method !== 'HEAD') return { kind: 'reply', reply: NOT_FOUND_PAGE };
      const host = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
      const reply = discovery(
        path,
        query,
        ctx.scenario,
        `${host}:${req.socket.localPort ?? ctx.port}`,
        String(req.headers.accept ?? ''),
      );
      return { kind: 'reply', reply: reply ?? NOT_FOUND_PAGE };
    }

    if (info.verb === 'watch') {
      const request: WatchRequest = { info, query: query, accept: String(req.headers.accept ?? '') };
      const w = prepareWatch(request);
      if ('error' in w)
        return { kind: 'reply', reply: w.code === 404 ? NOT_FOUND_PAGE : statusReply(badRequest(w.error)) };
      return { kind: 'watch', resource: w.resource, request, fault: f.watch };
    }

    // pods/log?follow streams: answered here, not by a one-shot handler.
    if (
      method === 'GET' &&
      info.resource === 'pods' &&
      info.subresource === 'log' &&
      info.namespace &&
      info.name &&
      queryBool(query, 'follow')
    ) {
      const pod = ctx.store.get('pods', info.namespace, info.name);
      if (!pod) return { kind: 'reply', reply: statusReply(notFound('', 'pods', info.name)) };
      const answer = readLog(pod, query, ctx.store.now());
      if ('status' in answer) return { kind: 'reply', reply: statusReply(answer.status) };
      if (!answer.empty) return { kind: 'follow', pod, answer };
    }

    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readBody(req) : Buffer.alloc(0);
    const reply = handleResource(
      {
        info,
        method,
        query: query,
        body,
        contentType: String(req.headers['content-type'] ?? ''),
        accept: String(req.headers.accept ?? ''),
        user,
      },
      ctx,
    );
    return { kind: 'reply', reply };
  }
}
