// Objects keyed by group/version/resource, namespace and name, with the metadata the apiserver fills
// (uid, resourceVersion, creationTimestamp) and list semantics (selectors, limit/continue).
import { randomUUID } from 'node:crypto';
import type { KubeObject } from './types.ts';
import { RESOURCES, findByKind, findResource, parseApiVersion, resourceKey, type ResourceType } from './resources.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, validateFields } from './selectors.ts';

export type ResourceRef = ResourceType | string;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export class StoreError extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** `previous`: the object before a MODIFIED change (watches with selectors need it). */
export type StoreEvent = {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: ResourceType;
  object: KubeObject;
  previous?: KubeObject;
};

/** A change as a watch replays it: the store's resourceVersion right after it. */
export interface HistoryEvent extends StoreEvent {
  rv: number;
}

/** How the control plane rewrites an object it keeps fresh (renewals, heartbeats) at the time of reading. */
export type Refresher = (o: KubeObject, now: Date) => KubeObject;

/**
 * Resources whose registry strategy sets metadata.generation to 1 on create and bumps it when the
 * spec changes (PrepareForCreate/PrepareForUpdate in pkg/registry/{apps,batch,networking,policy}/...).
 * Pods join from 1.33 (pkg/registry/core/pod/strategy.go; startSim adds them by version).
 */
export const GENERATION_RESOURCES = [
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  'networking.k8s.io/networkpolicies',
  'networking.k8s.io/ingresses',
  'policy/poddisruptionbudgets',
  'apiextensions.k8s.io/customresourcedefinitions',
];

/** Events kept for watches that resume from a resourceVersion (kube-apiserver's watch cache keeps a bounded window too). */
export const DEFAULT_HISTORY_LIMIT = 1000;

/** 'pods', 'deployments.apps', 'apps/v1/deployments' or a ResourceType. */
export function resolveResource(ref: ResourceRef): ResourceType {
  if (typeof ref !== 'string') return ref;
  const parts = ref.split('/');
  if (parts.length === 3) {
    const r = findResource(parts[0], parts[1], parts[2]);
    if (r) return r;
  }
  const dot = ref.indexOf('.');
  const plural = dot < 0 ? ref : ref.slice(0, dot);
  const group = dot < 0 ? '' : ref.slice(dot + 1);
  const r =
    RESOURCES.find((x) => x.resource === plural && x.group === group) ??
    (dot < 0 ? RESOURCES.find((x) => x.resource === plural) : undefined) ??
    RESOURCES.find((x) => x.kind === ref || x.singular === ref || x.shortNames?.includes(ref));
  if (!r) throw new Error(`unknown resource ${ref}`);
  return r;
}

function clone<T>(o: T): T {
  return structuredClone(o);
}

function storageKey(ns: string | undefined, name: string): string {
  return ns ? `${ns}/${name}` : name;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: start + '\u0000' })).toString('base64');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { v: string; rv: number; start: string };
    if (c.v !== 'meta.k8s.io/v1' || typeof c.start !== 'string') throw new Error('bad');
    return { rv: c.rv, start: c.start };
  } catch {
    throw new StoreError(
      400,
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

export class Store {
  private data = new Map<string, Map<string, KubeObject>>();
  private rv = 1000;
  private listeners = new Set<(e: StoreEvent) => void>();
  private fresh = new Map<string, Refresher>();
  private history: HistoryEvent[] = [];
  /** The newest resourceVersion whose event is no longer kept: a watch from at or before it is too old. */
  private compactedRv = 0;
  historyLimit = DEFAULT_HISTORY_LIMIT;
  /** "group/resource" ("/pods" for core) of the resources that carry metadata.generation. */
  generationResources = new Set(GENERATION_RESOURCES);
  /** The simulator's clock (startSim sets it from its SimClock); default is the wall clock. */
  now: () => Date = () => new Date();

  get resourceVersion(): string {
    return String(this.rv);
  }

  onChange(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(type: StoreEvent['type'], resource: ResourceType, object: KubeObject, previous?: KubeObject): void {
    this.history.push({
      type,
      resource,
      object: clone(object),
      rv: this.rv,
      ...(previous ? { previous: clone(previous) } : {}),
    });
    while (this.history.length > this.historyLimit) this.compactedRv = this.history.shift()!.rv;
    for (const fn of this.listeners)
      fn({ type, resource, object: clone(object), ...(previous ? { previous: clone(previous) } : {}) });
  }

  /**
   * The changes to a resource after resourceVersion `rv`, oldest first, or 'expired' when some were
   * compacted away (the watch cache answers "too old resource version" then).
   */
  eventsAfter(ref: ResourceRef, rv: number): HistoryEvent[] | 'expired' {
    if (rv < this.compactedRv) return 'expired';
    const r = resolveResource(ref);
    return this.history
      .filter((e) => e.rv > rv && e.resource === r)
      .map((e) => ({ ...e, object: clone(e.object), ...(e.previous ? { previous: clone(e.previous) } : {}) }));
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestResourceVersion(): number {
    return this.compactedRv;
  }

  /** Drops the event history, as an etcd compaction does: older resourceVersions become too old to watch from. */
  compact(): void {
    if (this.history.length) this.compactedRv = this.history[this.history.length - 1].rv;
    this.history = [];
  }

  /**
   * Keeps an object fresh as its writer (kube-apiserver, a kubelet) would, by rewriting it when read.
   * Any later write through the store (a test, a client) takes the object over and ends this.
   */
  keepFresh(ref: ResourceRef, namespace: string | undefined, name: string, fn: Refresher): void {
    const r = resolveResource(ref);
    this.fresh.set(resourceKey(r) + '|' + storageKey(r.namespaced ? namespace || 'default' : undefined, name), fn);
  }

  private view(r: ResourceType, o: KubeObject): KubeObject {
    const c = clone(o);
    const fn = this.fresh.size
      ? this.fresh.get(
          resourceKey(r) + '|' + storageKey(r.namespaced ? o.metadata.namespace : undefined, o.metadata.name),
        )
      : undefined;
    return fn ? fn(c, this.now()) : c;
  }

  private written(r: ResourceType, key: string): void {
    if (this.fresh.size) this.fresh.delete(resourceKey(r) + '|' + key);
  }

  private bucket(r: ResourceType): Map<string, KubeObject> {
    const k = resourceKey(r);
    let b = this.data.get(k);
    if (!b) this.data.set(k, (b = new Map()));
    return b;
  }

  typeOf(obj: KubeObject): ResourceType {
    const r = findByKind(obj.apiVersion ?? '', obj.kind ?? '');
    if (!r) throw new StoreError(400, `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
    return r;
  }

  private fill(r: ResourceType, obj: KubeObject, existing?: KubeObject): KubeObject {
    const o = clone(obj);
    o.metadata = { ...o.metadata };
    if (!r.namespaced) delete o.metadata.namespace;
    else if (!o.metadata.namespace) o.metadata.namespace = 'default';
    o.metadata.uid = existing?.metadata.uid ?? o.metadata.uid ?? randomUUID();
    o.metadata.creationTimestamp =
      existing?.metadata.creationTimestamp ??
      o.metadata.creationTimestamp ??
      this.now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
    o.metadata.resourceVersion = String(++this.rv);
    const generation = this.generationOf(r, o, existing);
    if (generation !== undefined) o.metadata.generation = generation;
    if (r.resource === 'namespaces') {
      o.spec = (o.spec as object | undefined) ?? { finalizers: ['kubernetes'] };
      o.status = (o.status as object | undefined) ?? { phase: 'Active' };
      o.metadata.labels = { 'kubernetes.io/metadata.name': o.metadata.name, ...(o.metadata.labels ?? {}) };
    }
    return o;
  }

  /** metadata.generation as the strategy keeps it: 1 on create, +1 when the spec changed. */
  generationOf(r: ResourceType, o: KubeObject, existing?: KubeObject): number | undefined {
    if (!this.generationResources.has(`${r.group}/${r.resource}`)) return undefined;
    if (!existing) return (o.metadata as { generation?: number }).generation ?? 1;
    const before = (existing.metadata as { generation?: number }).generation ?? 1;
    return JSON.stringify(existing.spec) === JSON.stringify(o.spec) ? before : before + 1;
  }

  /** Create, failing when the object exists. */
  create(obj: KubeObject, ref?: ResourceRef): KubeObject {
    const r = ref ? resolveResource(ref) : this.typeOf(obj);
    if (!obj.metadata?.name) throw new StoreError(422, 'name or generateName is required');
    const b = this.bucket(r);
    const key = storageKey(r.namespaced ? obj.metadata.namespace || 'default' : undefined, obj.metadata.name);
    if (b.has(key)) throw new StoreError(409, 'already exists');
    const o = this.fill(r, obj);
    b.set(key, o);
    this.written(r, key);
    this.emit('ADDED', r, o);
    return clone(o);
  }

  /** Create or replace (what tests and scenario loading use). */
  apply(objects: KubeObject | KubeObject[]): KubeObject[] {
    const list = Array.isArray(objects) ? objects : [objects];
    return list.map((obj) => {
      const r = this.typeOf(obj);
      const b = this.bucket(r);
      const key = storageKey(r.namespaced ? obj.metadata.namespace || 'default' : undefined, obj.metadata.name);
      const existing = b.get(key);
      const o = this.fill(r, obj, existing);
      b.set(key, o);
      this.written(r, key);
      this.emit(existing ? 'MODIFIED' : 'ADDED', r, o, existing);
      return clone(o);
    });
  }

  get(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const r = resolveResource(ref);
    const o = this.bucket(r).get(storageKey(r.namespaced ? namespace || 'default' : undefined, name));
    return o ? this.view(r, o) : undefined;
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject | undefined {
    const r = resolveResource(ref);
    const b = this.bucket(r);
    const key = storageKey(r.namespaced ? namespace || 'default' : undefined, name);
    const found = b.get(key);
    if (!found) return undefined;
    b.delete(key);
    this.written(r, key);
    // The DELETED event carries the revision of the deletion, as etcd's watch does.
    const o = { ...found, metadata: { ...found.metadata, resourceVersion: String(++this.rv) } };
    this.emit('DELETED', r, o);
    return clone(o);
  }

  /** Every object of a resource, in etcd key order (namespace, then name). */
  all(ref: ResourceRef, namespace?: string): KubeObject[] {
    const r = resolveResource(ref);
    const keys = [...this.bucket(r).keys()].sort();
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = this.bucket(r).get(k)!;
      if (namespace && r.namespaced && o.metadata.namespace !== namespace) continue;
      out.push(this.view(r, o));
    }
    return out;
  }

  list(ref: ResourceRef, opts: ListOptions = {}): ListResult {
    const r = resolveResource(ref);
    const labels = parseLabelSelector(opts.labelSelector);
    const fields = parseFieldSelector(opts.fieldSelector);
    validateFields(r.resource, fields);
    const b = this.bucket(r);
    let keys = [...b.keys()].sort();
    let rv = this.rv;
    if (opts.continue) {
      const c = decodeContinue(opts.continue);
      rv = c.rv;
      keys = keys.filter((k) => k >= c.start);
    }
    const matching: [string, KubeObject][] = [];
    for (const k of keys) {
      const o = b.get(k)!;
      if (opts.namespace && r.namespaced && o.metadata.namespace !== opts.namespace) continue;
      if (!matchesLabels(labels, o.metadata.labels)) continue;
      if (!matchesFields(fields, o as unknown as Record<string, unknown>)) continue;
      matching.push([k, o]);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const page = matching.slice(0, limit);
    const result: ListResult = { items: page.map(([, o]) => this.view(r, o)), resourceVersion: String(rv) };
    if (matching.length > page.length) {
      result.continue = encodeContinue(rv, page[page.length - 1][0]);
      // The apiserver only knows the remaining count when no selector filtered the list.
      if (!labels.length && !fields.length) result.remainingItemCount = matching.length - page.length;
    }
    return result;
  }

  /** All objects of every resource (for dumps and derived state). */
  dump(): KubeObject[] {
    const out: KubeObject[] = [];
    for (const r of RESOURCES) if (!r.virtual) out.push(...this.all(r));
    return out;
  }
}

export { parseApiVersion };
