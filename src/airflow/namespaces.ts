// "Cluster-wide", in one representation. Airflow's multi-namespace mode without a namespace list
// launches pods in every namespace: in the plugin's data that is the namespace CLUSTER_WIDE. The
// Kubernetes API spells the same thing as an empty namespace (an access review's
// resourceAttributes.namespace, and our -o json|yaml documents follow it): apiNamespace converts.
export const CLUSTER_WIDE = '*';

export function isClusterWide(namespace: string): boolean {
  return namespace === CLUSTER_WIDE;
}

/** The namespace as the API (and -o json|yaml) spells it: '' for cluster-wide. */
export function apiNamespace(namespace: string): string {
  return isClusterWide(namespace) ? '' : namespace;
}
