// The LimitRanger admission plugin for pods (kubernetes plugin/pkg/admission/limitranger/admission.go):
// Admit fills each container's missing requests and limits from the namespace's LimitRanges
// (defaultContainerResourceRequirements, mergePodResourceRequirements), Validate enforces min and max
// per Container and per Pod (PodValidateLimitFunc, minConstraint, maxConstraint).
// The LimitRange item defaults come first (pkg/apis/core/v1/defaults.go SetDefaults_LimitRangeItem):
// a missing default limit is the max, a missing default request is the default limit, else the min.
import type { KubeObject } from '../types.ts';
import { allContainers, specOf, type Container } from './pod.ts';
import {
  add,
  cmp,
  formatQuantity,
  maxOf,
  parseQuantity,
  resourceList,
  zero,
  type Quantity,
  type ResourceList,
} from './quantity.ts';

interface LimitRangeItem {
  type?: string;
  min?: Record<string, string>;
  max?: Record<string, string>;
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
}

function items(lr: KubeObject): LimitRangeItem[] {
  return (lr.spec as { limits?: LimitRangeItem[] } | undefined)?.limits ?? [];
}

/** SetDefaults_LimitRangeItem for a Container item: [default limits, default requests]. */
function containerDefaults(item: LimitRangeItem): [Record<string, string>, Record<string, string>] {
  const limits = { ...(item.max ?? {}), ...(item.default ?? {}) };
  const requests = { ...(item.min ?? {}), ...limits, ...(item.defaultRequest ?? {}) };
  return [limits, requests];
}

function fill(c: Container, limits: Record<string, string>, requests: Record<string, string>): Container {
  const res = { ...(c.resources ?? {}) };
  const l = { ...(res.limits ?? {}) };
  const r = { ...(res.requests ?? {}) };
  for (const [k, v] of Object.entries(limits)) if (!(k in l)) l[k] = v;
  for (const [k, v] of Object.entries(requests)) if (!(k in r)) r[k] = v;
  if (Object.keys(l).length) res.limits = l;
  if (Object.keys(r).length) res.requests = r;
  return { ...c, resources: res };
}

/**
 * The mutating half: a copy of the pod with container (and init container) defaults applied.
 * With several LimitRanges the first one naming a resource wins, as the plugin merges them in list order.
 */
export function applyLimitRangeDefaults(pod: KubeObject, limitRanges: KubeObject[]): KubeObject {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  for (const lr of limitRanges) {
    for (const item of items(lr)) {
      if (item.type !== 'Container') continue;
      const [l, r] = containerDefaults(item);
      for (const [k, v] of Object.entries(l)) limits[k] ??= v;
      for (const [k, v] of Object.entries(r)) requests[k] ??= v;
    }
  }
  if (!Object.keys(limits).length && !Object.keys(requests).length) return pod;
  const spec = { ...specOf(pod) };
  if (spec.containers) spec.containers = spec.containers.map((c) => fill(c, limits, requests));
  if (spec.initContainers) spec.initContainers = spec.initContainers.map((c) => fill(c, limits, requests));
  return { ...pod, spec };
}

function minConstraint(
  limitType: string,
  name: string,
  enforced: string,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const e = parseQuantity(enforced);
  const req = request[name];
  const lim = limit[name];
  if (!req) return `minimum ${name} usage per ${limitType} is ${formatQuantity(e)}.  No request is specified`;
  if (cmp(req, e) < 0)
    return `minimum ${name} usage per ${limitType} is ${formatQuantity(e)}, but request is ${formatQuantity(req)}`;
  if (lim && cmp(lim, e) < 0)
    return `minimum ${name} usage per ${limitType} is ${formatQuantity(e)}, but limit is ${formatQuantity(lim)}`;
  return undefined;
}

function maxConstraint(
  limitType: string,
  name: string,
  enforced: string,
  request: ResourceList,
  limit: ResourceList,
): string | undefined {
  const e = parseQuantity(enforced);
  const req = request[name];
  const lim = limit[name];
  if (!lim) return `maximum ${name} usage per ${limitType} is ${formatQuantity(e)}.  No limit is specified`;
  if (cmp(lim, e) > 0)
    return `maximum ${name} usage per ${limitType} is ${formatQuantity(e)}, but limit is ${formatQuantity(lim)}`;
  if (req && cmp(req, e) > 0)
    return `maximum ${name} usage per ${limitType} is ${formatQuantity(e)}, but request is ${formatQuantity(req)}`;
  return undefined;
}

function sum(lists: ResourceList[]): ResourceList {
  const out: ResourceList = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = out[k] ? add(out[k], v) : v;
  return out;
}

/** Pod totals as the Pod item sees them: the containers' sum, or the largest init container if bigger. */
function podTotals(containers: Container[], init: Container[], kind: 'requests' | 'limits'): ResourceList {
  const total = sum(containers.map((c) => resourceList(c.resources?.[kind])));
  for (const c of init) {
    for (const [k, v] of Object.entries(resourceList(c.resources?.[kind]))) total[k] = maxOf(total[k] ?? zero(), v);
  }
  return total;
}

const sorted = (o: Record<string, string> | undefined): [string, string][] =>
  Object.entries(o ?? {}).sort(([a], [b]) => a.localeCompare(b));

/**
 * The validating half: the error text (without the `pods "x" is forbidden: ` prefix), or undefined.
 * Go walks the min/max maps in random order; the sim sorts the resource names so runs repeat.
 */
export function validateLimitRanges(pod: KubeObject, limitRanges: KubeObject[]): string | undefined {
  const spec = specOf(pod);
  const errs: string[] = [];
  for (const lr of limitRanges) {
    const perRange: string[] = [];
    for (const item of items(lr)) {
      if (item.type === 'Container') {
        for (const c of allContainers(spec).filter((x) => !(spec.ephemeralContainers ?? []).includes(x))) {
          const req = resourceList(c.resources?.requests);
          const lim = resourceList(c.resources?.limits);
          for (const [k, v] of sorted(item.min)) {
            const e = minConstraint('Container', k, v, req, lim);
            if (e) perRange.push(e);
          }
          for (const [k, v] of sorted(item.max)) {
            const e = maxConstraint('Container', k, v, req, lim);
            if (e) perRange.push(e);
          }
        }
      } else if (item.type === 'Pod') {
        const req = podTotals(spec.containers ?? [], spec.initContainers ?? [], 'requests');
        const lim = podTotals(spec.containers ?? [], spec.initContainers ?? [], 'limits');
        for (const [k, v] of sorted(item.min)) {
          const e = minConstraint('Pod', k, v, req, lim);
          if (e) perRange.push(e);
        }
        for (const [k, v] of sorted(item.max)) {
          const e = maxConstraint('Pod', k, v, req, lim);
          if (e) perRange.push(e);
        }
      }
    }
    if (perRange.length) errs.push(aggregate(perRange));
  }
  return errs.length ? aggregate(errs) : undefined;
}

/** utilerrors.NewAggregate(errs).Error(): one error as is, several as `[a, b]`. */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

export type { Quantity };
