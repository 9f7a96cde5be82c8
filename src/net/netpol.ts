// NetworkPolicy egress evaluation for the path pod -> API server, and DNS egress. Pure.
// Semantics (networking.k8s.io/v1): a pod is isolated for egress when some policy in its namespace
// selects it and has Egress in policyTypes (policyTypes absent: Egress when spec.egress exists).
// Then a connection is allowed when any egress rule of any such policy allows it: a rule with no
// `to` allows every destination, with no `ports` every port. Policies are evaluated, in practice,
// after kube-proxy's DNAT: they see the endpoint IP and the target port (6443), not
// ClusterIP:443. The API server is host-networked, so pod/namespace selectors never match it;
// only ipBlock can. Named ports resolve against the destination pod's container ports, so they
// cannot match the API server either.

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface PolicyPeer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
}

export interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    egress?: Array<{ to?: PolicyPeer[]; ports?: PolicyPort[] }>;
    ingress?: unknown[];
  };
}

export interface Destination {
  ip: string;
  port: number;
}

export interface DestinationVerdict extends Destination {
  allowed: boolean;
  /** `policy/name rule #n` entries that allow it. */
  allowedBy: string[];
}

export interface EgressEvaluation {
  /** Names of the policies that select the pod and restrict egress. */
  selecting: string[];
  isolated: boolean;
  endpoints: DestinationVerdict[];
  /** Policies that allow the service ClusterIP:port but not every endpoint IP:target port. */
  clusterIpOnly: string[];
  /** Notes on rules that cannot match the API server (selectors, named ports). */
  notes: string[];
  dns: { udp: boolean; tcp: boolean; allowedBy: string[] };
}

export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
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

function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function ipv6ToBigInt(ip: string): bigint | undefined {
  if (!ip.includes(':')) return undefined;
  let [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (ip.split('::').length > 2) return undefined;
  const last = (tail !== undefined ? t : h).at(-1);
  const words: string[] = [];
  // embedded IPv4 (::ffff:10.0.0.1)
  const v4 = last && last.includes('.') ? ipv4ToInt(last) : undefined;
  if (last && last.includes('.')) {
    if (v4 === undefined) return undefined;
    (tail !== undefined ? t : h).pop();
    (tail !== undefined ? t : h).push(((v4 >>> 16) & 0xffff).toString(16), (v4 & 0xffff).toString(16));
  }
  const fill = 8 - h.length - t.length;
  if (tail === undefined ? fill !== 0 : fill < 1) return undefined;
  words.push(...h, ...Array(tail === undefined ? 0 : fill).fill('0'), ...t);
  let n = 0n;
  for (const w of words) {
    if (!/^[0-9a-f]{1,4}$/i.test(w)) return undefined;
    n = (n << 16n) | BigInt(parseInt(w, 16));
  }
  head = '';
  return n;
}

/** Whether two address literals are the same address (IPv6 in any spelling: fd00::1 = FD00:0:0::1 = [fd00::1]). */
export function sameIp(a: string, b: string): boolean {
  const x = a.replace(/^\[|\]$/g, '');
  const y = b.replace(/^\[|\]$/g, '');
  if (x === y) return true;
  const [x6, y6] = [ipv6ToBigInt(x), ipv6ToBigInt(y)];
  return x6 !== undefined && x6 === y6;
}

/** The CIDR of one address: /32 for IPv4, /128 for IPv6 (an ipBlock for exactly that endpoint). */
export function hostCidr(ip: string): string {
  return ip.includes(':') ? `${ip.replace(/^\[|\]$/g, '')}/128` : `${ip}/32`;
}

/** Whether `ip` is inside `cidr` (IPv4 or IPv6); false for malformed input. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const v4base = ipv4ToInt(base);
  const v4ip = ipv4ToInt(ip);
  if (v4base !== undefined && v4ip !== undefined) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
    if (bits === 0) return true;
    const mask = (0xffffffff << (32 - bits)) >>> 0;
    return (v4base & mask) >>> 0 === (v4ip & mask) >>> 0;
  }
  const b6 = ipv6ToBigInt(base);
  const i6 = ipv6ToBigInt(ip);
  if (b6 === undefined || i6 === undefined) return false;
  const bits = bitsText === undefined ? 128 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 128) return false;
  const shift = BigInt(128 - bits);
  return b6 >> shift === i6 >> shift;
}

export function restrictsEgress(p: NetworkPolicy): boolean {
  const types = p.spec.policyTypes;
  if (types && types.length) return types.includes('Egress');
  return Array.isArray(p.spec.egress);
}

function portMatches(
  ports: PolicyPort[] | undefined,
  port: number,
  protocol: string,
  notes?: Set<string>,
  who?: string,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((pp) => {
    if ((pp.protocol ?? 'TCP').toUpperCase() !== protocol) return false;
    if (pp.port === undefined || pp.port === null) return true;
    if (typeof pp.port === 'string' && !/^\d+$/.test(pp.port)) {
      notes?.add(
        `${who}: named port "${pp.port}" resolves against a destination pod's container ports: it cannot match the API server`,
      );
      return false;
    }
    const start = Number(pp.port);
    const end = pp.endPort ?? start;
    return port >= start && port <= end;
  });
}

function peerMatchesIp(to: PolicyPeer[] | undefined, ip: string, notes?: Set<string>, who?: string): boolean {
  if (!to || to.length === 0) return true;
  return to.some((peer) => {
    if (peer.ipBlock) {
      if (!cidrContains(peer.ipBlock.cidr, ip)) return false;
      return !(peer.ipBlock.except ?? []).some((ex) => cidrContains(ex, ip));
    }
    if (peer.podSelector || peer.namespaceSelector) {
      notes?.add(`${who}: pod/namespace selectors never match the API server (host network): allow it with an ipBlock`);
    }
    return false;
  });
}

/** A hostNetwork pod is in the node's network namespace: no NetworkPolicy applies to it. */
export function hostNetworkEgress(e: EgressEvaluation): EgressEvaluation {
  return {
    ...e,
    isolated: false,
    selecting: [],
    endpoints: e.endpoints.map((d) => ({ ...d, allowed: true })),
    notes: ['hostNetwork pod: NetworkPolicies do not apply'],
  };
}

/**
 * Evaluates the egress of one pod to the API-server endpoints (after DNAT), to the service
 * ClusterIP:port (to flag policies written for it), and to DNS (port 53).
 */
export function evaluateEgress(
  policies: NetworkPolicy[],
  podLabels: Record<string, string>,
  endpoints: Destination[],
  service?: Destination,
): EgressEvaluation {
  const selecting = policies.filter((p) => selectorMatches(p.spec.podSelector ?? {}, podLabels) && restrictsEgress(p));
  const notes = new Set<string>();
  const isolated = selecting.length > 0;
  const allowers = (d: Destination, protocol = 'TCP', n?: Set<string>): string[] => {
    const by: string[] = [];
    for (const p of selecting) {
      (p.spec.egress ?? []).forEach((rule, i) => {
        const who = `NetworkPolicy ${p.metadata.name} egress rule #${i + 1}`;
        const portOk = portMatches(rule.ports, d.port, protocol, n, who);
        // a selector note matters only for rules whose ports would let the API traffic through
        const peerOk = peerMatchesIp(rule.to, d.ip, portOk ? n : undefined, who);
        if (peerOk && portOk) by.push(`${p.metadata.name} rule #${i + 1}`);
      });
    }
    return by;
  };
  const eps = endpoints.map((d) => {
    const by = isolated ? allowers(d, 'TCP', notes) : [];
    return { ...d, allowed: !isolated || by.length > 0, allowedBy: by };
  });
  const clusterIpOnly: string[] = [];
  if (isolated && service) {
    for (const p of selecting) {
      const svcAllowed = allowers(service).some((b) => b.startsWith(`${p.metadata.name} `));
      const allEndpoints = endpoints.every((d) => allowers(d).some((b) => b.startsWith(`${p.metadata.name} `)));
      if (svcAllowed && !allEndpoints && !eps.every((e) => e.allowed)) clusterIpOnly.push(p.metadata.name);
    }
  }
  // DNS: the destination is a DNS pod we do not resolve here: a rule allows DNS when its ports
  // allow 53 (selectors are assumed to point at the DNS pods; an ipBlock must hold the pod IPs).
  const dnsBy = (protocol: string) => {
    const by: string[] = [];
    for (const p of selecting) {
      (p.spec.egress ?? []).forEach((rule, i) => {
        if (portMatches(rule.ports, 53, protocol)) by.push(`${p.metadata.name} rule #${i + 1}`);
      });
    }
    return by;
  };
  const udp = dnsBy('UDP');
  const tcp = dnsBy('TCP');
  return {
    selecting: selecting.map((p) => p.metadata.name),
    isolated,
    endpoints: eps,
    clusterIpOnly,
    notes: [...notes],
    dns: {
      udp: !isolated || udp.length > 0,
      tcp: !isolated || tcp.length > 0,
      allowedBy: [...new Set([...udp, ...tcp])],
    },
  };
}
