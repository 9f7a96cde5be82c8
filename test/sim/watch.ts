// Watch (GET ...?watch=true): a stream of {"type","object"} lines. Without a resourceVersion (or "0")
// the current objects come first as ADDED, as the watch cache sends them; then every change from the
// store. Tables when the client asks for them (`kubectl get -w`).
import type { ServerResponse } from 'node:http';
import type { SimContext } from './context.ts';
import type { RequestInfo } from './request-info.ts';
import { findResource, gvString, type ResourceType } from './resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, validateFields } from './selectors.ts';
import { toTable, wantsTable } from './tables.ts';
import type { KubeObject } from './types.ts';

export interface WatchRequest {
  info: RequestInfo;
  query: URLSearchParams;
  accept: string;
}

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
  return { resource: r };
}

export function serveWatch(res: ServerResponse, w: WatchRequest, r: ResourceType, ctx: SimContext, onEnd: () => void): void {
  const labels = parseLabelSelector(w.query.get('labelSelector'));
  const fields = parseFieldSelector(w.query.get('fieldSelector'));
  const ns = r.namespaced ? w.info.namespace : undefined;
  const name = w.info.name;
  const table = wantsTable(w.accept);
  const matches = (o: KubeObject) =>
    (!ns || o.metadata.namespace === ns) && (!name || o.metadata.name === name) &&
    matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o as unknown as Record<string, unknown>);
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
  const send = (type: string, o: KubeObject) => res.write(JSON.stringify({ type, object: render(o) }) + '\n');
  const rv = w.query.get('resourceVersion');
  if (!rv || rv === '0') {
    for (const o of ctx.store.all(r)) if (matches(o)) send('ADDED', o);
  }
  const off = ctx.store.onChange((e) => {
    if (e.resource !== r || !matches(e.object)) return;
    send(e.type, e.object);
  });
  const timeout = Number(w.query.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    off();
    if (timer) clearTimeout(timer);
    onEnd();
  };
  res.on('close', end);
  res.on('finish', end);
}
