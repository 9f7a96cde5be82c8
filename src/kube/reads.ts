// Typed reads: every API path the plugin asks for is built here, each name URL-encoded, so no
// other module writes a path by hand. The resources are the ones the features read.
import type { Connection, KubeRequest } from './connection.ts';

export interface ResourceType {
  /** '' for the core group (/api/v1), else /apis/<group>/<version>. */
  group: string;
  version: string;
  resource: string;
}

export const RESOURCES = {
  pods: { group: '', version: 'v1', resource: 'pods' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  networkpolicies: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
  rolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings' },
  clusterrolebindings: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' },
  roles: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles' },
  clusterroles: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' },
} as const satisfies Record<string, ResourceType>;

export type Resource = keyof typeof RESOURCES;

export interface ObjectRef {
  /** Omitted for a cluster-scoped resource, or to list across namespaces. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The URL path of a resource, a namespace's collection or one object (and its subresource). */
export function resourcePath(type: ResourceType, ref: ObjectRef = {}): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = ref.namespace !== undefined ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name !== undefined ? `/${encodeURIComponent(ref.name)}` : '';
  const sub = ref.name !== undefined && ref.subresource ? `/${ref.subresource}` : '';
  return `${base}${ns}/${type.resource}${name}${sub}`;
}

export function getObject<T>(conn: Connection, resource: Resource, ref: ObjectRef & { name: string }): Promise<T> {
  return conn.get<T>(resourcePath(RESOURCES[resource], ref));
}

/** Every item, following `continue`. */
export function listObjects<T>(
  conn: Connection,
  resource: Resource,
  ref: { namespace?: string; labelSelector?: string } = {},
): Promise<T[]> {
  const query: KubeRequest['query'] = ref.labelSelector ? { labelSelector: ref.labelSelector } : undefined;
  return conn.list<T>(resourcePath(RESOURCES[resource], { namespace: ref.namespace }), query);
}

/** One page as the server sends it (a List object), e.g. to read an EndpointSlice list whole. */
export function getList<T>(
  conn: Connection,
  resource: Resource,
  ref: { namespace?: string; labelSelector?: string } = {},
): Promise<T> {
  const query: KubeRequest['query'] = ref.labelSelector ? { labelSelector: ref.labelSelector } : undefined;
  return conn.get<T>(resourcePath(RESOURCES[resource], { namespace: ref.namespace }), query);
}

/** A PATCH of an object's subresource with the given patch type (kubectl debug's ephemeral containers). */
export function patchSubresource<T>(
  conn: Connection,
  resource: Resource,
  ref: ObjectRef & { name: string; subresource: string },
  body: unknown,
  contentType: string,
) {
  return conn.send<T>({ method: 'PATCH', path: resourcePath(RESOURCES[resource], ref), body, contentType });
}

/** Non-resource paths the plugin reads. */
export const VERSION_PATH = '/version';
export const READYZ_PATH = '/readyz';
