// The layers `doctor` walks, in the order a request from an Airflow pod travels and a human would
// debug it, and the plain data each one ends up as. Pure.
//
// Why this order:
// 1. cluster access: without a working kubeconfig nothing below can even be asked (exit 3).
// 2. release: every later layer is about one Airflow release's pods and ServiceAccounts.
// 3. config: Airflow's own client settings decide where (and whether) a pod connects at all
//    (in_cluster vs a config_file, the namespace it launches into); a wrong setting fails before a
//    single packet leaves the pod.
// 4. network before 5/6: a request goes pod -> Service env -> DNS -> TCP -> TLS -> authentication
//    before the API server ever evaluates RBAC. A pod that cannot reach the server never gets a 403,
//    so fixing RBAC first changes nothing the operator can observe; the other way round, once the
//    network works, the 403s in Airflow's log point straight at layer 6.
// 5. HA is the server side of the same path (Service -> endpoints -> replicas): a stale endpoint is
//    an intermittent network failure, so it sits right after the pod's own view of the network.
// 6. RBAC: authorization is the last step of a request's own path.
// 7. admission after RBAC: a create that RBAC allows can still be refused by admission (ResourceQuota,
//    LimitRange, Pod Security, webhooks): a 403 no can-i check shows; without the permission to
//    create pods nothing ever reaches admission, so RBAC comes first.

export type LayerId = 'cluster' | 'release' | 'config' | 'network' | 'ha' | 'rbac' | 'admission';
export type Verdict = 'OK' | 'WARN' | 'FAIL' | 'SKIP';

export const LAYERS: ReadonlyArray<{ id: LayerId; title: string }> = [
  { id: 'cluster', title: 'cluster access' },
  { id: 'release', title: 'Airflow release' },
  { id: 'config', title: 'Airflow client config' },
  { id: 'network', title: 'network from pod' },
  { id: 'ha', title: 'API-server HA' },
  { id: 'rbac', title: 'RBAC' },
  { id: 'admission', title: 'admission of task pods' },
];

export interface LayerResult {
  id: LayerId;
  verdict: Verdict;
  /** One line for the table. */
  summary: string;
  /** What to do (FAIL, and WARN when there is something to do). */
  remedy?: string;
  /** The command that shows the detail of this layer. */
  command?: string;
  /** The layer's full result, as its own command's -o json prints it (omitted for SKIP). */
  result?: unknown;
  /** The cluster refused to answer this layer's questions (forbidden, unauthorized, unreachable). */
  unasked?: boolean;
}

export function titleOf(id: LayerId): string {
  return LAYERS.find((l) => l.id === id)?.title ?? id;
}
