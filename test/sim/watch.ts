// Watch (GET <collection>?watch=<anything but 0/false>): a stream of {"type","object"} lines, as
// kube-apiserver's watch cache serves it (staging/src/k8s.io/apiserver/pkg/storage/cacher):
// - no resourceVersion, or "0": the current objects first as ADDED, then every change;
// - resourceVersion N: the changes after N from the store's bounded history; N older than the
//   history reaches gives one ERROR event carrying a 410 Expired Status "too old resource version:
//   N (oldest)" (watch_cache.go getAllEventsSinceLocked; cacher.go newErrWatcher) and the end;
// - timeoutSeconds ends the stream (default: the apiserver's --min-request-timeout, 1800 s);
// - allowWatchBookmarks: a BOOKMARK every minute and 2 s before the timeout (cache_watcher.go nextBookmarkTime);
// - a change that moves an object into or out of a selection is ADDED or DELETED for that watch.
// Faults can end a watch early (close) or make it go silent with the connection open (an idle load balancer).
// Tables when the client asks for them (`kubectl get -w`).
import type { ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import { queryBool, type RequestInfo } from './request-info.ts';
import { findResource, gvString, type ResourceType } from './resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, validateFields } from './selectors.ts';
import { failure } from './status.ts';
import { toTable, wantsTable } from './tables.ts';
import type { KubeObject } from './types.ts';

export interface WatchRequest {
  info: RequestInfo;
  query: URLSearchParams;
  accept: string;
}

/** What a fault does to a watch once it is streaming. */
export interface WatchFault {
  /** The server ends the stream after this many seconds. */
  closeAfterSeconds?: number;
  /** After this many seconds nothing more is sent, and the connection stays open. */
  silentAfterSeconds?: number;
}

/** --min-request-timeout: a watch without timeoutSeconds lasts this long (real servers add up to 100% jitter). */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 1800;
const BOOKMARK_EVERY_MS = 60_000;

/** Validates a watch before any byte is written: the error message, or the resource. */
export function prepareWatch(w: WatchRequest): { resource: ResourceType } | { error: string; code: number } {
  const r = findResource(w.info.apiGroup ?? '', w.info.apiVersion ?? '', w.info.resource ?? '');
  if (!r || r.virtual || w.info.subresource) return { error: '404 page not found', code: 404 };
  try {
    parseLabelSelector(w.query.get('labelSelector'));
    validateFields(r.resource, parseFieldSelector(w.query.get('fieldSelector')));
  } catch (e) {
    return { error: (e as Error).message, code: 400 };
  }
  const rv = w.query.get('resourceVersion');
  if (rv && !/^\d+$/.test(rv))
    return { error: `resourceVersion: Invalid value: "${rv}": must be a non-negative integer`, code: 400 };
  const timeout = w.query.get('timeoutSeconds');
  if (timeout && !/^\d+$/.test(timeout))
    return { error: `timeoutSeconds: Invalid value: "${timeout}": must be a non-negative integer`, code: 400 };
  return { resource: r };
}

/** The Status of the ERROR event for a resourceVersion the history no longer reaches. */
export function tooOldStatus(rv: number, oldest: number): ReturnType<typeof failure> {
  return failure(410, 'Expired', `too old resource version: ${rv} (${oldest})`);
}

export function serveWatch(
  res: ServerResponse,
  w: WatchRequest,
  r: ResourceType,
  ctx: SimContext,
  onEnd: () => void,
  fault: WatchFault = {},
): void {
  const labels = parseLabelSelector(w.query.get('labelSelector'));
  const fields = parseFieldSelector(w.query.get('fieldSelector'));
  const ns = r.namespaced ? w.info.namespace : undefined;
  const name = w.info.name;
  const table = wantsTable(w.accept);
  const matches = (o: KubeObject) =>
    (!ns || o.metadata.namespace === ns) &&
    (!name || o.metadata.name === name) &&
    matchesLabels(labels, o.metadata.labels) &&
    matchesFields(fields, o as unknown as Record<string, unknown>);
  const typed = (o: KubeObject): KubeObject => ({ ...o, apiVersion: gvString(r.group, r.version), kind: r.kind });
  const render = (o: KubeObject): unknown => {
    if (!table) return typed(o);
    const t = toTable(r, [typed(o)], o.metadata.resourceVersion ?? ctx.store.resourceVersion, w.query, ctx.store.now());
    return JSON.parse(String(t.body));
  };
  res.writeHead(200, {
    'Content-Type': table ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  // The apiserver flushes the headers at once (watch.go ServeHTTP): a client waits for them before any event.
  res.flushHeaders();
  let silent = false;
  const write = (event: { type: string; object: unknown }) => {
    if (!silent && !res.writableEnded) res.write(JSON.stringify(event) + '\n');
  };
  const send = (type: string, o: KubeObject) => write({ type, object: render(o) });

  // A change that moves an object into or out of the selection is ADDED or DELETED for this watch
  // (cache_watcher.go convertToWatchEvent).
  const deliver = (e: { type: string; object: KubeObject; previous?: KubeObject }) => {
    const now = matches(e.object);
    if (e.type !== 'MODIFIED' || !e.previous) return void (now && send(e.type, e.object));
    const before = matches(e.previous);
    if (now && before) send('MODIFIED', e.object);
    else if (now) send('ADDED', e.object);
    else if (before) send('DELETED', e.object);
  };

  const rvParam = w.query.get('resourceVersion');
  if (!rvParam || rvParam === '0') {
    for (const o of ctx.store.all(r)) if (matches(o)) send('ADDED', o);
  } else {
    const events = ctx.store.eventsAfter(r, Number(rvParam));
    if (events === 'expired') {
      write({ type: 'ERROR', object: tooOldStatus(Number(rvParam), ctx.store.oldestResourceVersion) });
      res.end();
      res.on('close', onEnd);
      return;
    }
    for (const e of events) deliver(e);
  }
  const off = ctx.store.onChange((e) => {
    if (e.resource === r) deliver(e);
  });

  const timers: NodeJS.Timeout[] = [];
  const timeoutSeconds = Number(w.query.get('timeoutSeconds') || DEFAULT_WATCH_TIMEOUT_SECONDS);
  const deadline = Date.now() + timeoutSeconds * 1000;
  if (timeoutSeconds > 0)
    timers.push(
      setTimeout(() => {
        if (!silent) res.end();
      }, timeoutSeconds * 1000),
    );
  if (queryBool(w.query, 'allowWatchBookmarks')) {
    const bookmark = () =>
      write({
        type: 'BOOKMARK',
        object: {
          kind: r.kind,
          apiVersion: gvString(r.group, r.version),
          metadata: { resourceVersion: ctx.store.resourceVersion },
        },
      });
    const schedule = () => {
      const next = Math.min(Date.now() + BOOKMARK_EVERY_MS, deadline - 2_000);
      if (next <= Date.now()) return;
      timers.push(
        setTimeout(() => {
          bookmark();
          schedule();
        }, next - Date.now()),
      );
    };
    schedule();
  }
  if (fault.closeAfterSeconds !== undefined)
    timers.push(
      setTimeout(() => {
        if (!silent) res.end();
      }, fault.closeAfterSeconds * 1000),
    );
  if (fault.silentAfterSeconds !== undefined)
    timers.push(
      setTimeout(() => {
        silent = true;
      }, fault.silentAfterSeconds * 1000),
    );

  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    off();
    for (const t of timers) clearTimeout(t);
    onEnd();
  };
  res.on('close', end);
  res.on('finish', end);
}
