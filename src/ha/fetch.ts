// The imperative shell of `ha`: every read at once (one round trip of wall time), each failure kept
// as data so the checks that need it SKIP and the rest still decide.
import { ClusterError, redactUrls } from '../base/errors.ts';
import type { Connection, KubeResponse } from '../kube/connection.ts';
import { failed, fetched } from '../kube/fetched.ts';
import { getObject, listObjects, READYZ_PATH } from '../kube/reads.ts';
import { PERMISSIONS, unusableReads } from './checks.ts';
import { IDENTITY_LABEL } from './identity.ts';
import type {
  ApiserverPod,
  EndpointSlice,
  Endpoints,
  Fetched,
  HaInput,
  Lease,
  Node,
  Readyz,
  Service,
} from './model.ts';

// a read that hangs is kept like one the server refused: its checks SKIP, the others still decide
const read = <T>(p: Promise<T>, permission: string): Promise<Fetched<T>> => fetched(p, { permission, timeouts: true });

async function readyz(conn: Connection): Promise<Fetched<Readyz>> {
  let res: KubeResponse<unknown>;
  try {
    res = await conn.getResponse(READYZ_PATH, { verbose: 'true' });
  } catch (e) {
    return failed(e, { permission: PERMISSIONS.readyz, timeouts: true });
  }
  const body = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  if (res.status === 401 || res.status === 403) {
    const msg = (res.body as { message?: string })?.message ?? `HTTP ${res.status}`;
    return {
      ok: false,
      code: res.status,
      reason: res.status === 403 ? 'forbidden' : 'unauthorized',
      message: msg,
      permission: PERMISSIONS.readyz,
    };
  }
  return { ok: true, value: { status: res.status, body } };
}

export type HaReads = Omit<HaInput, 'now' | 'from'>;

/** The HA reads; each is asked once per command (Connection), so doctor's ha layer and net's stale-endpoint evidence share them. */
export async function fetchHa(conn: Connection): Promise<HaReads> {
  const [service, endpoints, slices, leases, nodes, rz, apiserverPods] = await Promise.all([
    read(getObject<Service>(conn, 'services', { namespace: 'default', name: 'kubernetes' }), PERMISSIONS.service),
    read(getObject<Endpoints>(conn, 'endpoints', { namespace: 'default', name: 'kubernetes' }), PERMISSIONS.endpoints),
    read(
      listObjects<EndpointSlice>(conn, 'endpointslices', {
        namespace: 'default',
        labelSelector: 'kubernetes.io/service-name=kubernetes',
      }),
      PERMISSIONS.slices,
    ),
    read(
      listObjects<Lease>(conn, 'leases', {
        namespace: 'kube-system',
        labelSelector: `${IDENTITY_LABEL}=kube-apiserver`,
      }),
      PERMISSIONS.leases,
    ),
    read(listObjects<Node>(conn, 'nodes'), PERMISSIONS.nodes),
    readyz(conn),
    // the servers' own flags (reconciler type, secure port) where they run as static pods
    read(
      listObjects<ApiserverPod>(conn, 'pods', { namespace: 'kube-system', labelSelector: 'component=kube-apiserver' }),
      PERMISSIONS.apiserverPods,
    ),
  ]);
  const unusable = unusableReads([service, endpoints, slices, leases, nodes]);
  if (unusable?.kind === 'unauthorized')
    throw new ClusterError('unauthorized', unusable.message, { status: unusable.code });
  if (unusable?.kind === 'timeout') throw new ClusterError('timeout', unusable.message);
  if (unusable) {
    throw new ClusterError('unreachable', unusable.message, {
      status: unusable.code,
      remedy: 'the API server is failing every read: check its health (kubectl get --raw /readyz?verbose)',
    });
  }
  // the server as shown (text, json, yaml): a kubeconfig URL may carry a password (userinfo)
  return { service, endpoints, slices, leases, nodes, readyz: rz, apiserverPods, server: redactUrls(conn.server) };
}
