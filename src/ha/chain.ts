// The chain an in-cluster client follows: KUBERNETES_SERVICE_HOST -> Service default/kubernetes ->
// EndpointSlice(s) and Endpoints -> API-server replicas (identity Leases) -> nodes. Pure: built from
// what was fetched, with holes where a read failed.
import { leaseForNode, leaseInfo, nodeAddresses, type LeaseInfo, type LeaseMatch } from './identity.ts';
import type { ApiserverPod, EndpointSlice, Endpoints, HaInput, Node } from './model.ts';
import { detectPlatform, type Platform } from './platform.ts';
import { byAddress } from '../base/order.ts';

export interface NodeView {
  name: string;
  ready: boolean;
  readyReason?: string;
}

/** What a kube-apiserver mirror pod says about its server: its flags, as kubeadm renders them. */
export interface ApiserverPodView {
  name: string;
  node?: string;
  ready: boolean;
  advertiseAddress?: string;
  securePort?: number;
  /** --endpoint-reconciler-type; undefined when the flag is absent (the default, lease) */
  reconciler?: string;
}

export interface EndpointView {
  address: string;
  /** Ports listed for this address in Endpoints (subset ports) and in the EndpointSlice(s). */
  endpointsPorts: number[];
  slicePorts: number[];
  inEndpoints: boolean;
  inSlices: boolean;
  /** Listed as ready wherever it is listed. */
  ready: boolean;
  node?: NodeView;
  lease?: LeaseInfo & { by: LeaseMatch };
  /** the kube-apiserver pod serving this address, when visible */
  pod?: ApiserverPodView;
}

export interface ServiceView {
  clusterIP?: string;
  port?: number;
  portName?: string;
  targetPort?: number | string;
}

export interface Chain {
  service?: ServiceView;
  endpoints: EndpointView[];
  /** undefined when Leases were not readable */
  leases?: LeaseInfo[];
  /** undefined when Nodes were not readable */
  nodes?: NodeView[];
  /** kube-apiserver pods in kube-system; undefined when not readable or not fetched */
  apiserverPods?: ApiserverPodView[];
  platform: Platform;
  /** host part of the kubeconfig server URL */
  serverHost: string;
  serverPort?: number;
}

function nodeView(n: Node): NodeView {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: n.metadata?.name ?? '',
    ready: ready?.status === 'True',
    readyReason: ready ? ready.reason : 'no Ready condition',
  };
}

function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}`) return argv[i + 1];
  }
  return undefined;
}

const KUBEADM_ENDPOINT = 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint';

export function apiserverPodView(p: ApiserverPod): ApiserverPodView {
  const c = p.spec?.containers?.find((x) => x.name === 'kube-apiserver') ?? p.spec?.containers?.[0];
  const argv = [...(c?.command ?? []), ...(c?.args ?? [])];
  const annotated = p.metadata?.annotations?.[KUBEADM_ENDPOINT];
  const port = flag(argv, 'secure-port') ?? annotated?.replace(/^.*:/, '');
  return {
    name: p.metadata?.name ?? '',
    node: p.spec?.nodeName,
    ready: p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True',
    advertiseAddress:
      flag(argv, 'advertise-address') ?? annotated?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') ?? p.status?.hostIP,
    securePort: port && /^\d+$/.test(port) ? Number(port) : undefined,
    reconciler: flag(argv, 'endpoint-reconciler-type'),
  };
}

function endpointsAddresses(ep: Endpoints | undefined): Map<string, { ports: number[]; ready: boolean }> {
  const out = new Map<string, { ports: number[]; ready: boolean }>();
  for (const subset of ep?.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => p.port);
    const add = (ip: string, ready: boolean) => {
      const cur = out.get(ip) ?? { ports: [], ready: true };
      cur.ports = [...new Set([...cur.ports, ...ports])];
      cur.ready = cur.ready && ready;
      out.set(ip, cur);
    };
    for (const a of subset.addresses ?? []) add(a.ip, true);
    for (const a of subset.notReadyAddresses ?? []) add(a.ip, false);
  }
  return out;
}

function sliceAddresses(slices: EndpointSlice[] | undefined): Map<string, { ports: number[]; ready: boolean }> {
  const out = new Map<string, { ports: number[]; ready: boolean }>();
  for (const s of slices ?? []) {
    const ports = (s.ports ?? []).map((p) => p.port).filter((p): p is number => typeof p === 'number');
    for (const e of s.endpoints ?? []) {
      for (const ip of e.addresses ?? []) {
        const cur = out.get(ip) ?? { ports: [], ready: true };
        cur.ports = [...new Set([...cur.ports, ...ports])];
        // EndpointSlice API: a nil ready condition means unknown and is read as ready.
        cur.ready = cur.ready && e.conditions?.ready !== false;
        out.set(ip, cur);
      }
    }
  }
  return out;
}

export function parseServer(server: string): { host: string; port?: number } {
  try {
    const u = new URL(server);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    return { host, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80 };
  } catch {
    return { host: server };
  }
}

export function buildChain(input: HaInput): Chain {
  const svc = input.service.ok ? input.service.value : undefined;
  const port = svc?.spec?.ports?.find((p) => p.name === 'https') ?? svc?.spec?.ports?.[0];
  const service: ServiceView | undefined = svc
    ? { clusterIP: svc.spec?.clusterIP, port: port?.port, portName: port?.name, targetPort: port?.targetPort }
    : undefined;

  const fromEndpoints = endpointsAddresses(input.endpoints.ok ? input.endpoints.value : undefined);
  const fromSlices = sliceAddresses(input.slices.ok ? input.slices.value : undefined);
  const nodes = input.nodes.ok ? input.nodes.value : undefined;
  const leases = input.leases.ok ? input.leases.value.map((l) => leaseInfo(l, input.now)) : undefined;
  const pods = input.apiserverPods?.ok ? input.apiserverPods.value.map(apiserverPodView) : undefined;

  const addresses = [...new Set([...fromEndpoints.keys(), ...fromSlices.keys()])];
  const endpoints: EndpointView[] = addresses.map((address) => {
    const e = fromEndpoints.get(address);
    const s = fromSlices.get(address);
    const node = nodes?.find((n) => nodeAddresses(n).includes(address));
    let lease: EndpointView['lease'];
    if (leases) {
      const m = node ? leaseForNode(node, leases, address) : undefined;
      const byPeer = leases.find((l) => l.peerAddress === address);
      if (m) lease = { ...m.lease, by: m.by };
      else if (byPeer) lease = { ...byPeer, by: 'peer-address' };
    }
    return {
      address,
      endpointsPorts: e?.ports ?? [],
      slicePorts: s?.ports ?? [],
      inEndpoints: e !== undefined,
      inSlices: s !== undefined,
      ready: (e?.ready ?? true) && (s?.ready ?? true),
      node: node ? nodeView(node) : undefined,
      lease,
      pod:
        pods?.find((p) => p.advertiseAddress === address) ??
        (node ? pods?.find((p) => p.node === node.metadata?.name) : undefined),
    };
  });
  endpoints.sort((a, b) => byAddress(a.address, b.address));

  const onNodes = endpoints.filter((e) => e.node).length;
  const { host, port: serverPort } = parseServer(input.server);
  return {
    service,
    endpoints,
    leases,
    nodes: nodes?.map(nodeView),
    apiserverPods: pods,
    platform: detectPlatform(nodes, onNodes),
    serverHost: host,
    serverPort,
  };
}
