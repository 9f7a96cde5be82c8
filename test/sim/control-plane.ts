// Derives the objects kube-apiserver itself maintains for its own Service from a scenario's
// `spec.controlPlane`: the default/kubernetes Service, its Endpoints and EndpointSlice(s), the
// API-server identity Leases in kube-system, and (for self-managed control planes) the control-plane
// Nodes and kube-apiserver mirror pods. Pure: same input, same output (`now` is a parameter).
//
// Sources: pkg/controlplane/reconcilers (lease.go, mastercount.go, endpointsadapter.go),
// pkg/controlplane/controller/apiserverleasegc and the identity lease controller (KEP-1965).

import { createHash } from 'node:crypto';
import type { KubeObject } from './types.ts';

export interface ReplicaSpec {
  /** kube-apiserver instance name, e.g. kube-apiserver-cp-1 */
  name: string;
  /** advertise address: what the reconciler writes into Endpoints */
  address: string;
  /** secure port the replica really listens on (default 6443) */
  port?: number;
  /** hostname/node of the replica; absent on managed control planes (no visible node) */
  node?: string;
  alive?: boolean;
  /** how a connection to a dead replica fails: timeout | refused | reset (used by the exec/network side) */
  failure?: string;
  /** identity lease: fresh (renewed at the last 10 s tick), stale (its renewals stopped), absent.
   *  Default: fresh when alive, stale when dead. */
  lease?: 'fresh' | 'stale' | 'absent';
  /** How long ago a dead replica (or a stale lease) stopped renewing, in minutes; default 20. Past the
   *  lease's 3600 s the apiserver-lease GC has deleted the identity Lease (absent). */
  deadForMinutes?: number;
}

export interface ControlPlaneKnobs {
  /** addresses kept in Endpoints and EndpointSlice although no live replica backs them */
  staleEndpoints?: string[];
  /** when set, the EndpointSlice lists exactly these addresses (it disagrees with Endpoints) */
  endpointSliceAddresses?: string[];
  /** address -> port written into Endpoints/EndpointSlice instead of the replica's port */
  endpointPorts?: Record<string, number>;
}

export interface ControlPlaneSpec {
  serviceIP?: string;
  servicePort?: number;
  /** lease (default since 1.11) rewrites Endpoints to the live set; master-count never removes a dead server */
  reconciler?: 'lease' | 'master-count';
  replicas?: ReplicaSpec[];
  knobs?: ControlPlaneKnobs;
}

export const DEFAULT_SERVICE_IP = '10.96.0.1';
export const DEFAULT_SECURE_PORT = 6443;
/** identity leases: renewed every 10 s, leaseDurationSeconds 3600 (KEP-1965) */
export const IDENTITY_LEASE_DURATION_SECONDS = 3600;
export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';

// A fixed creation time keeps the output deterministic relative to `now` (30 days old cluster).
const CLUSTER_AGE_MS = 30 * 24 * 3600 * 1000;
const FRESH_RENEW_AGE_MS = 4_000;
/** "stale": the holder died 20 minutes ago, long past the 15 s the reconciler waits, well within the 1 h GC. */
export const STALE_RENEW_AGE_MS = 20 * 60 * 1000;
/** Identity leases and kubelet heartbeats are renewed every 10 s (KEP-1965; kubelet nodeLeaseDurationSeconds/4). */
export const RENEW_INTERVAL_MS = 10_000;
/** node-monitor-grace-period: how long the node lifecycle controller waits before marking a silent node Unknown. */
const NODE_GRACE_MS = 40_000;

/** The identity lease name kube-apiserver uses on a host (apiserver/pkg/server/config.go):
 *  "apiserver-" + lowercase unpadded base32 of the first 16 bytes of
 *  sha256(u16len(hostname) || hostname || u16len("kube-apiserver") || "kube-apiserver"). */
export function identityLeaseName(hostname: string): string {
  const prefixed = (s: string) => {
    const body = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(body.length);
    return Buffer.concat([len, body]);
  };
  const hash = createHash('sha256')
    .update(Buffer.concat([prefixed(hostname), prefixed('kube-apiserver')]))
    .digest()
    .subarray(0, 16);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of hash) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return 'apiserver-' + out;
}

function uuidFrom(seed: string): string {
  const h = createHash('sha256')
    .update('holder:' + seed)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function ipKey(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + (Number(part) || 0), 0);
}

function sortIPs(ips: string[]): string[] {
  return [...new Set(ips)].sort((a, b) => ipKey(a) - ipKey(b));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** The addresses the reconciler leaves in Endpoints. */
export function endpointAddresses(spec: ControlPlaneSpec): string[] {
  const replicas = spec.replicas ?? [];
  const alive = replicas.filter((r) => r.alive !== false).map((r) => r.address);
  const all = replicas.map((r) => r.address);
  let addrs: string[];
  if ((spec.reconciler ?? 'lease') === 'master-count') {
    // master-count only ever trims to --apiserver-count; a dead server's IP stays.
    addrs = all;
  } else {
    // lease: the live set; it refuses to erase all endpoints when no lease is live,
    // so with every replica dead the last written set (all of them) remains.
    addrs = alive.length > 0 ? alive : all;
  }
  return sortIPs([...addrs, ...(spec.knobs?.staleEndpoints ?? [])]);
}

/** Port written for an address: knob, else the replica's secure port, else 6443. */
export function endpointPort(spec: ControlPlaneSpec, address: string): number {
  const knob = spec.knobs?.endpointPorts?.[address];
  if (knob !== undefined) return knob;
  const replica = (spec.replicas ?? []).find((r) => r.address === address);
  return replica?.port ?? DEFAULT_SECURE_PORT;
}

/** targetPort of the Service: the secure port of the first live replica (the one that wrote last). */
function servicePortTarget(spec: ControlPlaneSpec): number {
  const replicas = spec.replicas ?? [];
  const first = replicas.find((r) => r.alive !== false) ?? replicas[0];
  return first ? endpointPort(spec, first.address) : DEFAULT_SECURE_PORT;
}

/** Group addresses by port, the way EndpointSubsets are repacked. Primary port first. */
function groupByPort(spec: ControlPlaneSpec, addrs: string[], primary: number): { port: number; addrs: string[] }[] {
  const byPort = new Map<number, string[]>();
  for (const a of addrs) {
    const p = endpointPort(spec, a);
    byPort.set(p, [...(byPort.get(p) ?? []), a]);
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => (a === primary ? -1 : b === primary ? 1 : a - b))
    .map(([port, list]) => ({ port, addrs: sortIPs(list) }));
}

/** The time of the last renewal before `now` of a holder that renews every 10 s. */
export function lastRenewal(now: Date): number {
  return Math.floor(now.getTime() / RENEW_INTERVAL_MS) * RENEW_INTERVAL_MS;
}

/** How long ago a replica's renewals stopped (deadForMinutes, default 20 minutes). */
export function staleForMs(r: ReplicaSpec): number {
  return r.deadForMinutes !== undefined ? r.deadForMinutes * 60_000 : STALE_RENEW_AGE_MS;
}

/**
 * The identity lease state of a replica. A lease not renewed for longer than its duration is deleted
 * by the apiserver-lease GC (pkg/controlplane/controller/apiserverleasegc: expired leases go).
 */
export function leaseState(r: ReplicaSpec): 'fresh' | 'stale' | 'absent' {
  const lease = r.lease ?? (r.alive === false ? 'stale' : 'fresh');
  if (lease === 'stale' && staleForMs(r) > IDENTITY_LEASE_DURATION_SECONDS * 1000) return 'absent';
  return lease;
}

/** Each derived identity lease and the state the scenario gives it (fresh: its server renews it; stale: dead). */
export function identityLeaseStates(
  spec: ControlPlaneSpec | undefined,
): { name: string; state: 'fresh' | 'stale'; staleMs: number }[] {
  const out: { name: string; state: 'fresh' | 'stale'; staleMs: number }[] = [];
  for (const r of spec?.replicas ?? []) {
    const state = leaseState(r);
    if (state !== 'absent') out.push({ name: identityLeaseName(r.node ?? r.name), state, staleMs: staleForMs(r) });
  }
  return out;
}

/**
 * An identity lease as read at `now`: a live server renewed it at the last 10 s tick; a dead one's
 * renewal stopped 20 minutes before now. Computed at read time, so a scenario reads the same after hours.
 */
export function refreshIdentityLease(
  lease: KubeObject,
  state: 'fresh' | 'stale',
  now: Date,
  staleMs = STALE_RENEW_AGE_MS,
): KubeObject {
  const renewed = state === 'fresh' ? lastRenewal(now) : now.getTime() - staleMs;
  return { ...lease, spec: { ...(lease.spec as object), renewTime: microTime(renewed) } };
}

/**
 * A Node as read at `now`: a Ready node's kubelet posted its conditions at the last 10 s tick; a
 * node whose Ready is Unknown stopped posting 20 minutes ago (marked after the 40 s grace period).
 */
export function refreshNode(node: KubeObject, now: Date, staleMs = STALE_RENEW_AGE_MS): KubeObject {
  const status = (node.status ?? {}) as { conditions?: Record<string, unknown>[] };
  const conditions = status.conditions;
  if (!Array.isArray(conditions)) return node;
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) return node;
  const posting = ready.status !== 'Unknown';
  const heartbeat = iso(posting ? lastRenewal(now) : now.getTime() - staleMs);
  const next = conditions.map((c) => {
    const out: Record<string, unknown> = { ...c, lastHeartbeatTime: heartbeat };
    if (!posting && c.status === 'Unknown') out.lastTransitionTime = iso(now.getTime() - staleMs + NODE_GRACE_MS);
    return out;
  });
  return { ...node, status: { ...status, conditions: next } };
}

export function deriveControlPlane(
  spec: ControlPlaneSpec | undefined,
  nodes: KubeObject[] = [],
  now: Date = new Date(),
): KubeObject[] {
  const cp: ControlPlaneSpec = spec ?? {};
  const t = now.getTime();
  const created = iso(t - CLUSTER_AGE_MS);
  const serviceIP = cp.serviceIP ?? DEFAULT_SERVICE_IP;
  const servicePort = cp.servicePort ?? 443;
  const targetPort = servicePortTarget(cp);
  const out: KubeObject[] = [];

  out.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
      creationTimestamp: created,
    },
    spec: {
      clusterIP: serviceIP,
      clusterIPs: [serviceIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ name: 'https', port: servicePort, protocol: 'TCP', targetPort }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  });

  const addrs = endpointAddresses(cp);
  const groups = groupByPort(cp, addrs, targetPort);
  out.push({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      creationTimestamp: created,
    },
    subsets: groups.map((g) => ({
      addresses: g.addrs.map((ip) => ({ ip })),
      ports: [{ name: 'https', port: g.port, protocol: 'TCP' }],
    })),
  });

  // One EndpointSlice per port set: the reconciler's slice is named like the Service; a second
  // port set cannot live in it, so it goes to kubernetes-<port>.
  const sliceAddrs = cp.knobs?.endpointSliceAddresses ? sortIPs(cp.knobs.endpointSliceAddresses) : addrs;
  const sliceGroups = groupByPort(cp, sliceAddrs, targetPort);
  if (sliceGroups.length === 0) sliceGroups.push({ port: targetPort, addrs: [] });
  sliceGroups.forEach((g, i) => {
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: i === 0 ? 'kubernetes' : `kubernetes-${g.port}`,
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'kubernetes' },
        creationTimestamp: created,
      },
      addressType: 'IPv4',
      endpoints: g.addrs.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [{ name: 'https', port: g.port, protocol: 'TCP' }],
    });
  });

  for (const r of cp.replicas ?? []) {
    const lease = leaseState(r);
    if (lease === 'absent') continue;
    const hostname = r.node ?? r.name;
    const name = identityLeaseName(hostname);
    const renewAge = lease === 'fresh' ? FRESH_RENEW_AGE_MS : staleForMs(r);
    out.push({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: 'kube-system',
        labels: { [IDENTITY_LABEL]: 'kube-apiserver', 'kubernetes.io/hostname': hostname },
        creationTimestamp: iso(t - CLUSTER_AGE_MS / 2),
      },
      spec: {
        holderIdentity: `${name}_${uuidFrom(r.name)}`,
        leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS,
        renewTime: microTime(t - renewAge),
      },
    });
  }

  // Self-managed control plane: a Node and a kube-apiserver mirror pod per replica with a node,
  // unless the scenario already declares that Node.
  const declared = new Set(nodes.map((n) => n.metadata.name));
  for (const r of cp.replicas ?? []) {
    if (!r.node) continue;
    const alive = r.alive !== false;
    if (!declared.has(r.node)) {
      declared.add(r.node);
      out.push(controlPlaneNode(r, alive, created, t));
    }
    out.push(apiserverPod(r, alive, created, r.port ?? DEFAULT_SECURE_PORT, cp.reconciler ?? 'lease'));
  }
  return out;
}

function controlPlaneNode(r: ReplicaSpec, alive: boolean, created: string, t: number): KubeObject {
  const heartbeat = iso(alive ? t - 10_000 : t - staleForMs(r));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: r.node!,
      labels: {
        'kubernetes.io/hostname': r.node!,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
      creationTimestamp: created,
    },
    spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    status: {
      addresses: [
        { type: 'InternalIP', address: r.address },
        { type: 'Hostname', address: r.node! },
      ],
      conditions: [
        alive
          ? {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: heartbeat,
              lastTransitionTime: created,
            }
          : {
              type: 'Ready',
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
              lastHeartbeatTime: heartbeat,
              lastTransitionTime: heartbeat,
            },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.32.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.22',
        architecture: 'amd64',
        operatingSystem: 'linux',
      },
    },
  };
}

function apiserverPod(r: ReplicaSpec, alive: boolean, created: string, port: number, reconciler: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `kube-apiserver-${r.node}`,
      namespace: 'kube-system',
      labels: { component: 'kube-apiserver', tier: 'control-plane' },
      annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${r.address}:${port}` },
      creationTimestamp: created,
    },
    spec: {
      nodeName: r.node,
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'kube-apiserver',
          image: 'registry.k8s.io/kube-apiserver:v1.32.0',
          command: [
            'kube-apiserver',
            `--advertise-address=${r.address}`,
            `--secure-port=${port}`,
            `--endpoint-reconciler-type=${reconciler}`,
          ],
        },
      ],
    },
    status: {
      phase: 'Running',
      hostIP: r.address,
      podIP: r.address,
      podIPs: [{ ip: r.address }],
      conditions: [{ type: 'Ready', status: alive ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'kube-apiserver',
          ready: alive,
          restartCount: 0,
          started: alive,
          image: 'registry.k8s.io/kube-apiserver:v1.32.0',
          state: alive ? { running: { startedAt: created } } : { waiting: { reason: 'Unknown' } },
        },
      ],
    },
  };
}
