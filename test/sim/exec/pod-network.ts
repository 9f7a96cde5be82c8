// The network a pod's exec sees: its own network namespace holding the cluster as the pod would
// see it. Every pod is on the pod network (as in a cluster): the ClusterIP and the API-server
// addresses exist, kube-proxy's DNAT for the ClusterIP (statistic random over the endpoints),
// NetworkPolicy egress enforced on the translated destination (filter INPUT: everything is local,
// packets loop through lo after nat OUTPUT; dropping there is silent like a CNI dropping on the host
// side, where an OUTPUT drop would hand the sender EPERM at once), dead replicas that refuse, reset or
// drop, and cluster DNS. A `hostNetwork: true` pod gets the node's view instead: the node's address,
// the same endpoints and kube-proxy DNAT (kube-proxy programs the node's own OUTPUT chain too), no
// NetworkPolicy (policies select pods on the pod network only), and the node's resolver unless its
// dnsPolicy asks for cluster DNS. Addresses outside the scenario's plan are unroutable (ENETUNREACH
// at once): nothing a pod does leaves the machine.
//
// planNetwork/renderIptables are pure (unit-tested). startPodNetwork runs netns-agent.ts inside a new
// network namespace (`unshare --net`): the namespace lives exactly as long as that agent process.

import { spawn, type ChildProcess } from 'node:child_process';
import { Server, type Socket } from 'node:net';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stop as stopEsbuild, transform } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../types.ts';
import {
  CLUSTER_DOMAIN,
  annotation,
  podNetworkKind,
  podResolvConf,
  type NodeResolver,
  type ObjectLookup,
} from './pod-files.ts';
import { scratchDir } from './scratch.ts';

export interface ReplicaView {
  name?: string;
  address: string;
  port?: number;
  alive?: boolean;
  failure?: string;
}
export interface ControlPlaneView {
  serviceIP?: string;
  servicePort?: number;
  replicas?: ReplicaView[];
}

export interface Listener {
  address: string;
  port: number;
  action: 'forward' | 'reset';
}
/** A DNS server in the pod's view: cluster DNS (Services) or the node's resolver (node names). */
export interface DnsServer {
  ip: string;
  mode: 'ok' | 'nxdomain';
  records: Record<string, string>;
}
export interface NetworkPlan {
  /** pod: the pod network; host: the node's network (hostNetwork: true) */
  kind: 'pod' | 'host';
  addresses: string[];
  dnsIP: string;
  dnsMode: 'ok' | 'nxdomain' | 'broken';
  /** cluster DNS Service records (FQDN -> ClusterIP) */
  records: Record<string, string>;
  dnsServers: DnsServer[];
  /** /etc/resolv.conf as the kubelet writes it for this pod */
  resolvConf: string;
  listeners: Listener[];
  serviceIP: string;
  servicePort: number;
  /** DNAT targets of default/kubernetes, in rule order */
  endpoints: { address: string; port: number }[];
  iptables: string;
}

export const DEFAULT_DNS_IP = '10.96.0.10';
/** The node's upstream resolver (a VPC's resolver at the subnet's .2, as on EKS): what kubelet's
 *  --resolv-conf names on every node of the sim. It knows node names, not cluster names. */
export const NODE_RESOLVER: NodeResolver = { nameservers: ['10.0.0.2'], searches: [] };

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !vals.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface PolicyPeer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}
interface EgressRule {
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}
interface PolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  egress?: EgressRule[];
}

/** Policies in the pod's namespace that select it and include Egress (policyTypes, or an egress section when unset). */
export function egressPolicies(pod: KubeObject, policies: KubeObject[]): KubeObject[] {
  return policies.filter((p) => {
    if (p.metadata.namespace !== pod.metadata.namespace) return false;
    const spec = (p.spec ?? {}) as PolicySpec;
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return types.includes('Egress') && selectorMatches(spec.podSelector ?? {}, pod.metadata.labels);
  });
}

/** A destination that a pod/namespace selector can match: cluster DNS pods (CoreDNS) and store pods with an IP. */
interface PodDestination {
  ip: string;
  namespace: string;
  labels: Record<string, string>;
  namedPorts: Record<string, { port: number; protocol: string }>;
}

function nsLabels(ns: string, namespaces: KubeObject[]): Record<string, string> {
  const o = namespaces.find((n) => n.metadata.name === ns);
  return { ...(o?.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns };
}

function peerMatches(peer: PolicyPeer, policyNs: string, dest: PodDestination, namespaces: KubeObject[]): boolean {
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, nsLabels(dest.namespace, namespaces))) return false;
  } else if (dest.namespace !== policyNs) return false;
  return peer.podSelector ? selectorMatches(peer.podSelector, dest.labels) : true;
}

function portMatches(ports: PolicyPort[] | undefined, dest?: PodDestination): string[] | undefined {
  // undefined: every port; [] : nothing; otherwise iptables match fragments
  if (!ports || ports.length === 0) return undefined;
  const out: string[] = [];
  for (const p of ports) {
    let proto = (p.protocol ?? 'TCP').toLowerCase();
    let port = p.port;
    if (typeof port === 'string' && !/^\d+$/.test(port)) {
      // A named port resolves against the destination pod's containers only; host-network API servers have none.
      const np = dest?.namedPorts[port];
      if (!np) continue;
      port = np.port;
      proto = np.protocol.toLowerCase();
    }
    if (port === undefined) out.push(`-p ${proto}`);
    else out.push(`-p ${proto} -m ${proto} --dport ${port}${p.endPort ? `:${p.endPort}` : ''}`);
  }
  return out;
}

/** The filter chain of NetworkPolicy egress, evaluated on the DNATed destination (as CNIs do). */
export function renderEgressChain(
  pod: KubeObject,
  policies: KubeObject[],
  dests: PodDestination[],
  namespaces: KubeObject[],
): string[] {
  const selected = egressPolicies(pod, policies);
  if (selected.length === 0) return [];
  const lines: string[] = [':KAF-EGRESS - [0:0]', '-A INPUT -j KAF-EGRESS', '-A KAF-EGRESS -d 127.0.0.0/8 -j ACCEPT'];
  let n = 0;
  for (const pol of selected) {
    const spec = (pol.spec ?? {}) as PolicySpec;
    for (const rule of spec.egress ?? []) {
      const peers = rule.to && rule.to.length > 0 ? rule.to : [undefined];
      for (const peer of peers) {
        if (peer === undefined) {
          for (const m of portMatches(rule.ports) ?? [''])
            lines.push(`-A KAF-EGRESS ${m} -j ACCEPT`.replace(/\s+/g, ' '));
          continue;
        }
        if (peer.ipBlock) {
          const chain = `KAF-E${n++}`;
          lines.push(`:${chain} - [0:0]`, `-A KAF-EGRESS -j ${chain}`);
          for (const ex of peer.ipBlock.except ?? []) lines.push(`-A ${chain} -d ${ex} -j RETURN`);
          for (const m of portMatches(rule.ports) ?? [''])
            lines.push(`-A ${chain} -d ${peer.ipBlock.cidr} ${m} -j ACCEPT`.replace(/\s+/g, ' ').trim());
          continue;
        }
        for (const d of dests) {
          if (!peerMatches(peer, pol.metadata.namespace ?? '', d, namespaces)) continue;
          for (const m of portMatches(rule.ports, d) ?? [''])
            lines.push(`-A KAF-EGRESS -d ${d.ip}/32 ${m} -j ACCEPT`.replace(/\s+/g, ' ').trim());
        }
      }
    }
  }
  lines.push('-A KAF-EGRESS -j DROP');
  return lines;
}

/** kube-proxy's iptables mode: the i-th of n endpoints is taken with probability 1/(n-i). */
export function renderDnat(
  serviceIP: string,
  servicePort: number,
  endpoints: { address: string; port: number }[],
): string[] {
  const n = endpoints.length;
  return endpoints.map((e, i) => {
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(11)}` : '';
    return `-A OUTPUT -d ${serviceIP}/32 -p tcp -m tcp --dport ${servicePort}${stat} -j DNAT --to-destination ${e.address}:${e.port}`;
  });
}

export function renderIptables(nat: string[], filter: string[]): string {
  return [
    '*nat',
    ':OUTPUT ACCEPT [0:0]',
    ...nat,
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ...filter,
    'COMMIT',
    '',
  ].join('\n');
}

/** The endpoints kube-proxy routes default/kubernetes to: its EndpointSlices (ready endpoints), else Endpoints. */
export function kubernetesEndpoints(lookup: ObjectLookup): { address: string; port: number }[] {
  const out: { address: string; port: number }[] = [];
  const slices = lookup
    .all('endpointslices.discovery.k8s.io', 'default')
    .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'kubernetes');
  if (slices.length > 0) {
    for (const s of slices) {
      const ports = (s.ports as { name?: string; port?: number }[] | undefined) ?? [];
      const port = (ports.find((p) => p.name === 'https') ?? ports[0])?.port;
      if (!port) continue;
      for (const e of (s.endpoints as { addresses: string[]; conditions?: { ready?: boolean } }[] | undefined) ?? []) {
        if (e.conditions?.ready === false) continue;
        for (const a of e.addresses) out.push({ address: a, port });
      }
    }
    return out;
  }
  const ep = lookup.get('endpoints', 'default', 'kubernetes');
  for (const sub of (ep?.subsets as
    | { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }[]
    | undefined) ?? []) {
    const port = ((sub.ports ?? []).find((p) => p.name === 'https') ?? sub.ports?.[0])?.port;
    if (!port) continue;
    for (const a of sub.addresses ?? []) out.push({ address: a.ip, port });
  }
  return out;
}

function serviceRecords(lookup: ObjectLookup, serviceIP: string): Record<string, string> {
  const rec: Record<string, string> = {};
  for (const s of lookup.all('services')) {
    const ip = (s.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (!ip || ip === 'None') continue;
    rec[`${s.metadata.name}.${s.metadata.namespace}.svc.${CLUSTER_DOMAIN}`] = ip;
  }
  rec[`kubernetes.default.svc.${CLUSTER_DOMAIN}`] = serviceIP;
  return rec;
}

function clusterDnsIP(lookup: ObjectLookup): string {
  const svc = lookup.get('services', 'kube-system', 'kube-dns');
  const ip = (svc?.spec as { clusterIP?: string } | undefined)?.clusterIP;
  return ip && ip !== 'None' ? ip : DEFAULT_DNS_IP;
}

/** The node's InternalIP: what a hostNetwork pod's address is (status.hostIP, else the Node's). */
export function nodeAddress(pod: KubeObject, lookup: ObjectLookup): { name: string; ip?: string } {
  const name = (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
  const hostIP = (pod.status as { hostIP?: string } | undefined)?.hostIP;
  if (hostIP) return { name, ip: hostIP };
  const node = name ? lookup.get('nodes', undefined, name) : undefined;
  const addrs = (node?.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? [];
  return { name, ip: addrs.find((a) => a.type === 'InternalIP')?.address };
}

/** What the node's resolver answers: the nodes' names (their InternalIP); nothing of the cluster's. */
function nodeRecords(lookup: ObjectLookup): Record<string, string> {
  const rec: Record<string, string> = {};
  for (const n of lookup.all('nodes')) {
    const ip = ((n.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? []).find(
      (a) => a.type === 'InternalIP',
    )?.address;
    if (ip) rec[n.metadata.name.toLowerCase()] = ip;
  }
  return rec;
}

export function planNetwork(pod: KubeObject, cp: ControlPlaneView | undefined, lookup: ObjectLookup): NetworkPlan {
  const kind = podNetworkKind(pod);
  const serviceIP = cp?.serviceIP ?? '10.96.0.1';
  const servicePort = cp?.servicePort ?? 443;
  const replicas = cp?.replicas ?? [];
  const dnsIP = clusterDnsIP(lookup);
  const dnsAnn = annotation(pod, 'dns');
  const dnsMode = dnsAnn === 'broken' || dnsAnn === 'nxdomain' ? dnsAnn : 'ok';
  const endpoints = kubernetesEndpoints(lookup);
  const resolv = podResolvConf(pod, dnsIP, NODE_RESOLVER);
  const nodeResolverIP = NODE_RESOLVER.nameservers[0];

  // The ClusterIPs are local addresses so that the route lookup before nat OUTPUT succeeds, as
  // kube-proxy's rules make them reachable on every node and from every pod.
  const addresses = new Set<string>([serviceIP, dnsIP, nodeResolverIP]);
  // The pod's own IP exists in its namespace (eth0 in a real pod; lo here); a hostNetwork pod has the node's.
  const podIP = (pod.status as { podIP?: string } | undefined)?.podIP;
  if (kind === 'host') {
    const node = nodeAddress(pod, lookup);
    if (node.ip) addresses.add(node.ip);
  }
  if (podIP) addresses.add(podIP);
  const listeners: Listener[] = [];
  const filter: string[] = [
    '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A INPUT -d 127.0.0.0/8 -j ACCEPT',
  ];
  const drops: string[] = [];
  // `dns: broken` blackholes the nameservers this pod's resolv.conf names; `nxdomain` makes them deny every name.
  if (dnsMode === 'broken') {
    for (const ns of resolv.nameservers)
      drops.push(
        `-A INPUT -d ${ns}/32 -p udp -m udp --dport 53 -j DROP`,
        `-A INPUT -d ${ns}/32 -p tcp -m tcp --dport 53 -j DROP`,
      );
  }
  const modeOf = (ip: string): 'ok' | 'nxdomain' =>
    dnsMode === 'nxdomain' && resolv.nameservers.includes(ip) ? 'nxdomain' : 'ok';
  const records = serviceRecords(lookup, serviceIP);
  const dnsServers: DnsServer[] = [{ ip: dnsIP, mode: modeOf(dnsIP), records }];
  if (nodeResolverIP !== dnsIP)
    dnsServers.push({ ip: nodeResolverIP, mode: modeOf(nodeResolverIP), records: nodeRecords(lookup) });
  const replicaAddrs = new Set<string>();
  for (const r of replicas) {
    addresses.add(r.address);
    replicaAddrs.add(r.address);
    const port = r.port ?? 6443;
    if (r.alive !== false) listeners.push({ address: r.address, port, action: 'forward' });
    else if (r.failure === 'reset') listeners.push({ address: r.address, port, action: 'reset' });
    else if (r.failure !== 'refused') drops.push(`-A INPUT -d ${r.address}/32 -p tcp -m tcp --dport ${port} -j DROP`);
  }
  // Endpoint addresses no replica backs (stale endpoints, slices that disagree): a dead machine, packets vanish.
  for (const e of endpoints) {
    if (replicaAddrs.has(e.address)) continue;
    addresses.add(e.address);
    drops.push(`-A INPUT -d ${e.address}/32 -j DROP`);
    replicaAddrs.add(e.address);
  }

  // NetworkPolicies act on pod-network traffic: the Kubernetes docs (concepts/services-networking/
  // network-policies, "host network") leave hostNetwork pods undefined, and the common CNIs ignore them.
  let policy: string[] = [];
  if (kind === 'pod') {
    const dests: PodDestination[] = [
      {
        ip: dnsIP,
        namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns' },
        namedPorts: {
          dns: { port: 53, protocol: 'UDP' },
          'dns-tcp': { port: 53, protocol: 'TCP' },
          metrics: { port: 9153, protocol: 'TCP' },
        },
      },
    ];
    for (const p of lookup.all('pods')) {
      const ip = (p.status as { podIP?: string } | undefined)?.podIP;
      if (!ip || ip === dnsIP || (p.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork) continue;
      dests.push({ ip, namespace: p.metadata.namespace ?? 'default', labels: p.metadata.labels ?? {}, namedPorts: {} });
    }
    policy = renderEgressChain(pod, lookup.all('networkpolicies.networking.k8s.io'), dests, lookup.all('namespaces'));
  }
  const policyDecls = policy.filter((l) => l.startsWith(':'));
  const policyRules = policy.filter((l) => !l.startsWith(':'));

  const iptables = renderIptables(renderDnat(serviceIP, servicePort, endpoints), [
    ...policyDecls,
    ...filter,
    ...drops,
    ...policyRules,
  ]);
  return {
    kind,
    addresses: [...addresses],
    dnsIP,
    dnsMode,
    records,
    dnsServers,
    resolvConf: resolv.text,
    listeners,
    serviceIP,
    servicePort,
    endpoints,
    iptables,
  };
}

// The imperative side.

/** What a pod's network is made of (its plan's imperative half): the agent's configuration. */
export interface NetworkConfig {
  addresses: string[];
  iptables: string;
  listeners: Listener[];
  dns: DnsServer[];
}

export function networkConfig(plan: NetworkPlan): NetworkConfig {
  return {
    addresses: plan.addresses,
    iptables: plan.iptables,
    listeners: plan.listeners,
    dns: plan.dnsServers,
  };
}

export interface PodNetwork {
  /** /proc/<pid>/ns/net of the agent: `nsenter --net=` this path to join */
  nsPath: string;
  agent: ChildProcess;
  /** stops accepting (the listening sockets in the namespace close) and ends the agent */
  stop(): Promise<void>;
}

const AGENT_SOURCES = ['netns-agent.ts', 'dns.ts'];
let agentPath: Promise<string> | undefined;

/** The agent as plain JavaScript (esbuild, once per process): Node starts a .mjs in ~25 ms,
 *  a .ts file in ~150 ms (the type stripper loads first), and every exec starts one. esbuild's
 *  async API, then stop(): its service process is reaped instead of lingering for the sim's life. */
async function agentScript(): Promise<string> {
  // Rebuilt when its directory went away (a test that points TMPDIR elsewhere and cleans up).
  if (agentPath && existsSync(await agentPath.catch(() => ''))) return agentPath;
  agentPath = (async () => {
    const dir = scratchDir('agent');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const f of AGENT_SOURCES) {
      const src = readFileSync(fileURLToPath(new URL(`./${f}`, import.meta.url)), 'utf8');
      const js = (await transform(src, { loader: 'ts', format: 'esm' })).code.replace(
        /from (["'])\.\/([a-z-]+)\.ts\1/g,
        'from "./$2.mjs"',
      );
      writeFileSync(join(dir, f.replace(/\.ts$/, '.mjs')), js);
    }
    await stopEsbuild();
    return join(dir, 'netns-agent.mjs');
  })();
  return agentPath;
}

interface Spawned {
  proc: ChildProcess;
  exited: Promise<void>;
  err: () => string;
}

async function spawnAgent(): Promise<Spawned> {
  const proc = spawn('unshare', ['--net', '--', process.execPath, '--no-warnings', await agentScript()], {
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  proc.on('error', () => {});
  proc.stdin!.on('error', () => {});
  const exited = new Promise<void>((r) => proc.once('close', () => r()));
  return { proc, exited, err: () => err };
}

function alive(a: Spawned): boolean {
  return a.proc.exitCode === null && a.proc.signalCode === null && a.proc.pid !== undefined;
}

/** One agent started ahead of need (Node's start-up is most of an agent's cost), per simulator. */
export class AgentPool {
  private spare: Spawned | undefined;
  private starting = false;
  private closed = false;

  async take(): Promise<Spawned> {
    const s = this.spare;
    this.spare = undefined;
    return s && alive(s) ? s : spawnAgent();
  }

  /** Starts the next spare (call when the machine is idle again, e.g. after an exec). */
  refill(): void {
    if (this.closed || this.starting || (this.spare && alive(this.spare))) return;
    this.starting = true;
    spawnAgent().then(
      (a) => {
        this.starting = false;
        if (this.closed) a.proc.stdin!.end();
        else this.spare = a;
      },
      () => {
        this.starting = false;
      },
    );
  }

  close(): void {
    this.closed = true;
    this.spare?.proc.stdin!.end();
    this.spare = undefined;
  }
}

/**
 * Configures an agent (a spare or a new one) and waits for its `ready` line and its listening
 * sockets: each alive replica address's, in the pod's namespace, handed over once. This process
 * accepts on them and gives each connection to onConnection (the sim's server), as kube-apiserver
 * accepts the pod's connection behind kube-proxy's DNAT: no message per connection.
 */
export async function startPodNetwork(
  cfg: NetworkConfig,
  onConnection: (s: Socket) => void,
  pool?: AgentPool,
  timeoutMs = 10_000,
): Promise<PodNetwork> {
  const a = pool ? await pool.take() : await spawnAgent();
  const agent = a.proc;
  const wanted = cfg.listeners.filter((l) => l.action === 'forward').length;
  const listeners: Server[] = [];
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    const done = () => {
      if (!ready || listeners.length < wanted) return;
      clearTimeout(timer);
      resolve({
        nsPath: `/proc/${agent.pid}/ns/net`,
        agent,
        stop: async () => {
          for (const l of listeners) l.close();
          if (alive(a)) {
            agent.stdin!.end();
            const t = setTimeout(() => agent.kill('SIGKILL'), 2000);
            await a.exited;
            clearTimeout(t);
          }
        },
      });
    };
    agent.on('message', (_m: unknown, handle?: unknown) => {
      if (!(handle instanceof Server)) return;
      handle.on('connection', onConnection);
      listeners.push(handle);
      done();
    });
    const timer = setTimeout(() => {
      agent.kill('SIGKILL');
      reject(new Error(`network namespace agent not ready after ${timeoutMs} ms: ${a.err().trim()}`));
    }, timeoutMs);
    agent.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    agent.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`network namespace agent exited (${code}): ${a.err().trim()}`));
    });
    agent.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('ready\n')) return;
      ready = true;
      done();
    });
    agent.stdin!.write(JSON.stringify(cfg) + '\n');
  });
}
