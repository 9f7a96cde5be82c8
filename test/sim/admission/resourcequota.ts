// The ResourceQuota admission plugin for pod creates (kubernetes
// staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go checkRequest, and the
// pod evaluator pkg/quota/v1/evaluator/core/pods.go Constraints, PodUsageFunc, podComputeUsageHelper).
// What a quota has used is the sum over the namespace's non-terminal pods that match it, always
// current (quota-controller.ts writes the same into status.used, as kube-controller-manager does).
import type { KubeObject } from '../types.ts';
import { specOf, type Container, type PodSpec } from './pod.ts';
import { add, cmp, formatQuantity, maxOf, parseQuantity, resourceList, zero, type ResourceList } from './quantity.ts';

/** pods.go validationSet: quota on these makes every container state them ("this was a mistake"). */
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** pods.go podResources: what the pod evaluator counts. */
const POD_RESOURCES = new Set([
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
]);

function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: parseQuantity('1') };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r]) {
      out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (limits[r]) out[`limits.${r}`] = limits[r];
  }
  return out;
}

function sum(lists: ResourceList[]): ResourceList {
  const out: ResourceList = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = out[k] ? add(out[k], v) : v;
  return out;
}

/**
 * resourcehelper.PodRequests / PodLimits: the containers' sum plus restartable (sidecar) init
 * containers, or the largest regular init container when that is bigger.
 */
function podTotal(spec: PodSpec, kind: 'requests' | 'limits'): ResourceList {
  const of = (c: Container) => resourceList(c.resources?.[kind]);
  const init = spec.initContainers ?? [];
  const sidecars = init.filter((c) => c.restartPolicy === 'Always');
  const total = sum([...(spec.containers ?? []), ...sidecars].map(of));
  for (const c of init.filter((x) => x.restartPolicy !== 'Always')) {
    for (const [k, v] of Object.entries(of(c))) total[k] = maxOf(total[k] ?? zero(), v);
  }
  return total;
}

/** PodUsageFunc: a terminal pod counts only as an object (count/pods). */
export function podUsage(pod: KubeObject): ResourceList {
  const out: ResourceList = { 'count/pods': parseQuantity('1') };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return out;
  const spec = specOf(pod);
  return { ...out, ...podComputeUsage(podTotal(spec, 'requests'), podTotal(spec, 'limits')) };
}

function isBestEffort(spec: PodSpec): boolean {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])].every((c) => {
    const r = resourceList(c.resources?.requests);
    const l = resourceList(c.resources?.limits);
    return !r.cpu && !r.memory && !l.cpu && !l.memory;
  });
}

interface QuotaSpec {
  hard?: Record<string, string>;
  scopes?: string[];
}

function hardOf(q: KubeObject): ResourceList {
  const hard: ResourceList = {};
  for (const [k, v] of Object.entries((q.spec as QuotaSpec | undefined)?.hard ?? {})) hard[k] = parseQuantity(v);
  return hard;
}

/** generic.Matches: the quota counts a pod resource and every scope it names matches the pod. */
export function quotaMatches(q: KubeObject, pod: KubeObject): boolean {
  const hard = Object.keys(hardOf(q));
  if (!hard.some((k) => POD_RESOURCES.has(k))) return false;
  const spec = specOf(pod);
  const terminating = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
  for (const scope of (q.spec as QuotaSpec | undefined)?.scopes ?? []) {
    if (scope === 'BestEffort' && !isBestEffort(spec)) return false;
    if (scope === 'NotBestEffort' && isBestEffort(spec)) return false;
    if (scope === 'Terminating' && !terminating) return false;
    if (scope === 'NotTerminating' && terminating) return false;
  }
  return true;
}

/** status.used as the quota controller computes it: the sum over matching pods. */
export function quotaUsed(q: KubeObject, podsInNamespace: KubeObject[]): ResourceList {
  const hard = hardOf(q);
  const used: ResourceList = {};
  for (const k of Object.keys(hard)) used[k] = zero();
  for (const p of podsInNamespace) {
    if (!quotaMatches(q, p)) continue;
    for (const [k, v] of Object.entries(podUsage(p))) if (k in hard) used[k] = add(used[k], v);
  }
  return used;
}

/** Constraints: `must specify limits.memory for: base; requests.cpu for: base,init`. */
function constraints(requiredHard: string[], spec: PodSpec): string | undefined {
  const required = requiredHard.filter((r) => VALIDATION_SET.includes(r));
  const missing = new Map<string, Set<string>>();
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const have = podComputeUsage(resourceList(c.resources?.requests), resourceList(c.resources?.limits));
    for (const r of required) {
      if (r in have) continue;
      if (!missing.has(r)) missing.set(r, new Set());
      missing.get(r)!.add(c.name);
    }
  }
  if (!missing.size) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** prettyPrint: `a=1,b=2Gi`, keys sorted. */
function prettyPrint(l: ResourceList): string {
  return Object.keys(l)
    .sort()
    .map((k) => `${k}=${formatQuantity(l[k])}`)
    .join(',');
}

function mask(l: ResourceList, keys: string[]): ResourceList {
  const out: ResourceList = {};
  for (const k of keys) if (l[k]) out[k] = l[k];
  return out;
}

/**
 * checkRequest for a pod create: the error text (without the `pods "x" is forbidden: ` prefix), or
 * undefined when every matching quota has room. Quotas are taken in name order.
 */
export function checkQuotas(pod: KubeObject, quotas: KubeObject[], podsInNamespace: KubeObject[]): string | undefined {
  const spec = specOf(pod);
  const matching = [...quotas]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .filter((q) => quotaMatches(q, pod));
  for (const q of matching) {
    const err = constraints(Object.keys(hardOf(q)), spec);
    if (err) return `failed quota: ${q.metadata.name}: ${err}`;
  }
  const delta = podUsage(pod);
  for (const q of matching) {
    const hard = hardOf(q);
    const used = quotaUsed(q, podsInNamespace);
    const requested = mask(delta, Object.keys(hard));
    const exceeded = Object.keys(requested).filter((k) => cmp(add(used[k] ?? zero(), requested[k]), hard[k]) > 0);
    if (exceeded.length) {
      return `exceeded quota: ${q.metadata.name}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`;
    }
  }
  return undefined;
}
