// The imperative shell of `ha`: every read at once (one round trip of wall time), each failure kept
// as data so the checks that need it SKIP and the rest still decide.
import type { Connection, KubeResponse } from '../kube/connection.ts';
import { ClusterError, redactUrls } from '../base/errors.ts';
import { PERMISSIONS, unusableReads } from './checks.ts';
import { IDENTITY_LABEL } from './identity.ts';
import type { ApiserverPod, EndpointSlice, Endpoints, Fetched, HaInput, Lease, Node, Readyz, Service } from './model.ts';

/** A read the server answered with an error, kept as data; no answer at all is thrown. */
export function failed(e: unknown, permission: string): Fetched<never> {
  if (e instanceof ClusterError && e.status !== undefined) {
    return { ok: false, code: e.status, reason: e.kind, message: e.message, permission };
  }
  throw e; // no answer at all (network, TLS, timeout): the whole command cannot run
}

async function read<T>(p: Promise<T>, permission: string): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return failed(e, permission);
  }
}

async function readyz(conn: Connection): Promise<Fetched<Readyz>> {
  const res: KubeResponse<unknown> = await conn.send({ path: '/readyz', query: { verbose: 'true' } });
  const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  if (res.status === 401 || res.status === 403) {
    const msg = (res.body as { message?: string })?.message ?? `HTTP ${res.status}`;
    return { ok: false, code: res.status, reason: res.status === 403 ? 'forbidden' : 'unauthorized', message: msg, permission: PERMISSIONS.readyz };
  }
  return { ok: true, value: { status: res.status, body } };
}

export type HaReads = Omit<HaInput, 'now' | 'from'>;

export async function fetchHa(conn: Connection): Promise<HaReads> {
  const [service, endpoints, slices, leases, nodes, rz, apiserverPods] = await Promise.all([
    read(conn.get<Service>('/api/v1/namespaces/default/services/kubernetes'), PERMISSIONS.service),
    read(conn.get<Endpoints>('/api/v1/namespaces/default/endpoints/kubernetes'), PERMISSIONS.endpoints),
    read(conn.list<EndpointSlice>('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { labelSelector: 'kubernetes.io/service-name=kubernetes' }), PERMISSIONS.slices),
    read(conn.list<Lease>('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', { labelSelector: `${IDENTITY_LABEL}=kube-apiserver` }), PERMISSIONS.leases),
    read(conn.list<Node>('/api/v1/nodes'), PERMISSIONS.nodes),
    readyz(conn),
    // the servers' own flags (reconciler type, secure port) where they run as static pods
    read(conn.list<ApiserverPod>('/api/v1/namespaces/kube-system/pods', { labelSelector: 'component=kube-apiserver' }), PERMISSIONS.apiserverPods),
  ]);
  const unusable = unusableReads([service, endpoints, slices, leases, nodes]);
  if (unusable?.kind === 'unauthorized') throw new ClusterError('unauthorized', unusable.message, { status: unusable.code });
  if (unusable) {
    throw new ClusterError('unreachable', unusable.message, { status: unusable.code, remedy: 'the API server is failing every read: check its health (kubectl get --raw /readyz?verbose)' });
  }
  // the server as shown (text, json, yaml): a kubeconfig URL may carry a password (userinfo)
  return { service, endpoints, slices, leases, nodes, readyz: rz, apiserverPods, server: redactUrls(conn.server) };
}
