// What a dry run cannot show: whether the quota left holds as many task pods as Airflow may run at
// once ([core] parallelism). A pod is charged as kube-apiserver's pod evaluator charges it
// (kubernetes pkg/quota/v1/evaluator/core/pods.go PodUsageFunc: the containers' requests and limits
// summed, an init container counted when it is bigger; `pods` and `count/pods` one each), against
// the quota's status.hard - status.used (what the quota controller and admission keep current).
import type { Finding, PodManifest, ResourceQuota } from './model.ts';
import { isBytes, milli, show } from './quantity.ts';
import { byText } from '../base/order.ts';

/** Usage of one task pod per quota resource name. */
export function podUsage(pod: PodManifest): Record<string, bigint> {
  const out: Record<string, bigint> = { pods: 1000n, 'count/pods': 1000n };
  const sum = (kind: 'requests' | 'limits') => {
    const total: Record<string, bigint> = {};
    for (const c of pod.spec?.containers ?? []) {
      for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) total[k] = (total[k] ?? 0n) + (milli(v) ?? 0n);
    }
    for (const c of pod.spec?.initContainers ?? []) {
      for (const [k, v] of Object.entries(c.resources?.[kind] ?? {})) {
        const q = milli(v) ?? 0n;
        if (c.restartPolicy === 'Always') total[k] = (total[k] ?? 0n) + q;
        else if (q > (total[k] ?? 0n)) total[k] = q;
      }
    }
    return total;
  };
  const requests = sum('requests');
  const limits = sum('limits');
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r] !== undefined) {
      out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (limits[r] !== undefined) out[`limits.${r}`] = limits[r];
  }
  return out;
}

export interface QuotaRoom {
  quota: string;
  /** The resource that runs out first. */
  resource: string;
  left: bigint;
  perPod: bigint;
  /** How many more task pods fit. */
  pods: number;
}

/** The tightest resource of each quota that charges the pod; quotas with scopes or no usage are left out. */
export function quotaRoom(pod: PodManifest, quotas: ResourceQuota[]): { rooms: QuotaRoom[]; unknown: string[] } {
  const usage = podUsage(pod);
  const rooms: QuotaRoom[] = [];
  const unknown: string[] = [];
  for (const q of [...quotas].sort((a, b) => byText(a.metadata.name, b.metadata.name))) {
    if (q.spec?.scopes?.length) continue;
    const hard = q.status?.hard ?? q.spec?.hard ?? {};
    const used = q.status?.used;
    let tightest: QuotaRoom | undefined;
    for (const [r, h] of Object.entries(hard).sort(([a], [b]) => byText(a, b))) {
      const per = usage[r];
      if (!per) continue;
      if (!used || used[r] === undefined) {
        unknown.push(q.metadata.name);
        tightest = undefined;
        break;
      }
      const left = (milli(h) ?? 0n) - (milli(used[r]) ?? 0n);
      const pods = left <= 0n ? 0 : Number(left / per);
      if (!tightest || pods < tightest.pods)
        tightest = { quota: q.metadata.name, resource: r, left: left < 0n ? 0n : left, perPod: per, pods };
    }
    if (tightest) rooms.push(tightest);
  }
  return { rooms, unknown: [...new Set(unknown)] };
}

export function quotaFindings(
  namespace: string,
  pod: PodManifest,
  quotas: ResourceQuota[],
  parallelism: number,
  parallelismSource: string,
): Finding[] {
  const { rooms, unknown } = quotaRoom(pod, quotas);
  const out: Finding[] = rooms.map((r) => {
    const each = `${show(r.left, isBytes(r.resource))} of ${r.resource} left, ${show(r.perPod, isBytes(r.resource))} per task pod`;
    if (r.pods >= parallelism) {
      return {
        namespace,
        check: 'quota',
        verdict: 'OK',
        message: `ResourceQuota ${r.quota}: room for ${r.pods} task pods (${each}); parallelism is ${parallelism}`,
      };
    }
    return {
      namespace,
      check: 'quota',
      verdict: 'FAIL',
      message: `ResourceQuota ${r.quota}: room for ${r.pods} task pods at once (${each}), but parallelism is ${parallelism} (${parallelismSource}); the next pod is refused with "exceeded quota: ${r.quota}"`,
      fix: `raise ResourceQuota ${r.quota} spec.hard ${r.resource} by ${show(r.perPod * BigInt(parallelism) - r.left, isBytes(r.resource))}, lower the task pod's ${r.resource}, or set [core] parallelism to ${r.pods}`,
      source: 'kubernetes pkg/quota/v1/evaluator/core/pods.go (PodUsageFunc); apache/airflow config [core] parallelism',
    };
  });
  for (const q of unknown)
    out.push({
      namespace,
      check: 'quota',
      verdict: 'WARN',
      message: `ResourceQuota ${q} reports no status.used yet: its room cannot be predicted`,
    });
  return out;
}
