// The part of kube-controller-manager's resource quota controller the sim needs
// (kubernetes pkg/controller/resourcequota/resource_quota_controller.go syncResourceQuota): every
// ResourceQuota's status.hard mirrors spec.hard and status.used is the namespace's usage, recomputed
// whenever a pod or a quota of the namespace changes (the real controller also resyncs on a timer and
// the quota admission plugin raises status.used itself on each admitted create).
import type { Store } from '../store.ts';
import { formatQuantity } from './quantity.ts';
import { quotaUsed } from './resourcequota.ts';

function sync(store: Store, namespace: string): void {
  const pods = store.all('pods', namespace);
  for (const q of store.all('resourcequotas', namespace)) {
    const hard = { ...((q.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {}) };
    const used = Object.fromEntries(Object.entries(quotaUsed(q, pods)).map(([k, v]) => [k, formatQuantity(v)]));
    const status = { hard, used };
    if (JSON.stringify(q.status) === JSON.stringify(status)) continue;
    store.apply({ ...q, status });
  }
}

/** Keeps quota status current from now on (and syncs every namespace once). */
export function startQuotaController(store: Store): void {
  for (const ns of store.all('namespaces')) sync(store, ns.metadata.name);
  store.onChange((e) => {
    const r = e.resource.resource;
    if ((r === 'pods' || r === 'resourcequotas') && e.resource.group === '' && e.object.metadata.namespace)
      sync(store, e.object.metadata.namespace);
  });
}
