// How an API-server identity Lease is tied to an endpoint. Facts from kubernetes/kubernetes:
// - staging/src/k8s.io/apiserver/pkg/server/config.go: the server's ID, and so the Lease name, is
//   "apiserver-" + lowercase unpadded base32 of the first 16 bytes of sha256(u16len(hostname) ||
//   hostname || u16len("kube-apiserver") || "kube-apiserver").
// - pkg/controlplane/apiserver/server.go: the Lease in kube-system carries the labels
//   `apiserver.kubernetes.io/identity=kube-apiserver` and `kubernetes.io/hostname=<os.Hostname()>`,
//   holderIdentity `<id>_<uuid>`, leaseDurationSeconds 3600 (used only by the garbage collector),
//   renewed every 10 s; with the (alpha) peer proxy it is annotated with the peer address.
// The API server runs host-networked on its node, so its hostname is the node's hostname and the
// endpoint IP is one of the node's addresses: endpoint IP -> Node (by address) -> hostname -> Lease.
import { createHash } from 'node:crypto';
import { toDate, type Lease, type Node } from './model.ts';

export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
export const PEER_ADDRESS_ANNOTATION = 'kube-apiserver.alpha.kubernetes.io/peer-advertise-address';
/** The server renews every 10 s; four missed renewals mean it is gone (its 3600 s duration is only for GC). */
export const LIVE_WITHIN_SECONDS = 40;

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32NoPad(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function lengthPrefixed(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

/** The identity Lease name kube-apiserver uses on a host with this hostname. */
export function leaseNameForHostname(hostname: string): string {
  const hash = createHash('sha256')
    .update(Buffer.concat([lengthPrefixed(hostname), lengthPrefixed('kube-apiserver')]))
    .digest();
  return 'apiserver-' + base32NoPad(hash.subarray(0, 16));
}

export interface LeaseInfo {
  name: string;
  holder: string;
  hostname?: string;
  peerAddress?: string;
  renewTime?: Date;
  /** Seconds since the last renewal (undefined when never renewed). */
  sinceRenewSeconds?: number;
  ageSeconds?: number;
  live: boolean;
}

export function leaseInfo(lease: Lease, now: Date): LeaseInfo {
  const renew = toDate(lease.spec?.renewTime) ?? toDate(lease.spec?.acquireTime);
  const created = toDate(lease.metadata?.creationTimestamp);
  const since = renew ? Math.max(0, (now.getTime() - renew.getTime()) / 1000) : undefined;
  const peer = lease.metadata?.annotations?.[PEER_ADDRESS_ANNOTATION];
  return {
    name: lease.metadata?.name ?? '',
    holder: lease.spec?.holderIdentity ?? '',
    hostname: lease.metadata?.labels?.[HOSTNAME_LABEL],
    peerAddress: peer ? peer.replace(/^\[?([^\]]*?)\]?(?::\d+)?$/, '$1') : undefined,
    renewTime: renew,
    sinceRenewSeconds: since,
    ageSeconds: created ? Math.max(0, (now.getTime() - created.getTime()) / 1000) : undefined,
    live: since !== undefined && since <= LIVE_WITHIN_SECONDS,
  };
}

/** The names a node is known by as a host: its hostname label, Hostname addresses, and its name. */
export function nodeHostnames(node: Node): string[] {
  const names = new Set<string>();
  const label = node.metadata?.labels?.[HOSTNAME_LABEL];
  if (label) names.add(label);
  for (const a of node.status?.addresses ?? []) if (a.type === 'Hostname') names.add(a.address);
  if (node.metadata?.name) names.add(node.metadata.name);
  return [...names];
}

export function nodeAddresses(node: Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type !== 'Hostname').map((a) => a.address);
}

export type LeaseMatch = 'peer-address' | 'hostname-label' | 'lease-name';

/** The Lease that belongs to the API server on this node, and how it was matched. */
export function leaseForNode(
  node: Node,
  leases: LeaseInfo[],
  endpointIP: string,
): { lease: LeaseInfo; by: LeaseMatch } | undefined {
  const byPeer = leases.find((l) => l.peerAddress === endpointIP);
  if (byPeer) return { lease: byPeer, by: 'peer-address' };
  const hosts = nodeHostnames(node);
  const byLabel = leases.find((l) => l.hostname !== undefined && hosts.includes(l.hostname));
  if (byLabel) return { lease: byLabel, by: 'hostname-label' };
  const names = new Set(hosts.map(leaseNameForHostname));
  const byName = leases.find((l) => names.has(l.name));
  if (byName) return { lease: byName, by: 'lease-name' };
  return undefined;
}
