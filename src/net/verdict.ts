// From what the probe saw in the pod (ProbeDoc) and what the cluster says (ClusterFacts), one
// verdict per layer with its evidence and remedy. Pure: unit-tested without a server.
import { redact } from '../render/redact.ts';
import type { ClusterFacts, DnsAnswer, Layer, NetReport, ProbeDoc, StepError, TcpTarget } from './model.ts';
import { egressFixManifest } from './egress-fix.ts';
import { hostNetworkEgress, sameIp } from './netpol.ts';
import { layer, ORDER, skipped } from './layer.ts';
import { envLayer, filesLayer } from './verdict-pod.ts';
import { accessLayer, httpLayer, tlsLayer } from './verdict-paths.ts';

export { envLayer, filesLayer, noProxyCovers } from './verdict-pod.ts';
export { accessLayer, httpLayer, tlsLayer } from './verdict-paths.ts';

export function dnsLayer(doc: ProbeDoc, facts: Pick<ClusterFacts, 'podNetwork'> = {}): Layer {
  const r = doc.resolv;
  const ev: string[] = [];
  const resolvLine: string[] = [];
  if (r)
    resolvLine.push(
      `resolv.conf: nameserver ${r.nameservers.join(' ') || '(none)'}; search ${r.search.join(' ') || '(none)'}; ndots ${r.ndots ?? '(default 1)'}`,
    );
  const why = skipped(doc.dns);
  if (why || !Array.isArray(doc.dns)) return layer('dns', 'SKIP', [`not checked: ${why ?? 'no data'}`, ...resolvLine]);
  const answers = doc.dns as DnsAnswer[];
  if (answers.every((a) => a.skipped))
    return layer('dns', 'SKIP', [`not checked: ${answers[0]?.skipped ?? 'no data'}`, ...resolvLine]);
  const host = doc.env?.KUBERNETES_SERVICE_HOST;
  const problems: string[] = [];
  let kind = '';
  for (const a of answers) {
    if (a.skipped) continue;
    if (a.addresses && a.addresses.length) {
      const same = !host || a.addresses.some((x) => sameIp(x, host));
      ev.push(`${a.name} -> ${a.addresses.join(', ')}${same ? '' : ` (env says ${host})`}`);
      if (!same) {
        problems.push(`${a.name} resolves to ${a.addresses.join(', ')}, not the service IP ${host}`);
        kind ||= 'mismatch';
      }
    } else {
      const what =
        a.error === 'nxdomain'
          ? 'NXDOMAIN (no such name)'
          : a.error === 'timeout'
            ? 'no answer (timeout)'
            : a.error === 'notfound'
              ? 'not resolved (getent cannot tell NXDOMAIN from an unreachable nameserver)'
              : `lookup failed${a.detail ? `: ${a.detail}` : ''}`;
      problems.push(`${a.name}: ${what}`);
      kind ||= a.error ?? 'other';
    }
  }
  ev.unshift(...problems);
  ev.push(...resolvLine);
  // a hostNetwork pod resolves with the node's resolv.conf unless it asks for cluster DNS
  const hostDns = facts.podNetwork?.hostNetwork && facts.podNetwork.dnsPolicy !== 'ClusterFirstWithHostNet';
  if (hostDns)
    ev.push(
      `hostNetwork pod with dnsPolicy ${facts.podNetwork?.dnsPolicy ?? 'ClusterFirst'}: it uses the node's DNS, not the cluster's`,
    );
  const remedy = hostDns
    ? 'set dnsPolicy: ClusterFirstWithHostNet on this hostNetwork pod so it resolves cluster names'
    : kind === 'timeout'
      ? `the nameserver ${r?.nameservers[0] ?? ''} does not answer: allow egress to DNS (UDP and TCP 53 to the kube-dns pods) and check CoreDNS (kubectl -n kube-system get pods -l k8s-app=kube-dns)`
      : kind === 'nxdomain'
        ? "the cluster domain or the search list is wrong: check dnsPolicy/dnsConfig of the pod and CoreDNS's kubernetes plugin zone"
        : kind === 'notfound'
          ? `either the nameserver ${r?.nameservers[0] ?? ''} is unreachable (allow DNS egress, UDP and TCP 53; check CoreDNS) or the name does not exist in the cluster domain (check dnsPolicy/dnsConfig)`
          : kind === 'mismatch'
            ? 'a hostAliases entry or a custom DNS answers for the service name: remove it'
            : "check the pod's dnsPolicy and CoreDNS";
  return layer(
    'dns',
    problems.length ? 'FAIL' : 'OK',
    ev,
    remedy + (host ? ` (clients use the env IP ${host}, so the API may still be reachable)` : ''),
  );
}

function countErrors(attempts: StepError[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const a of attempts) if (!a.ok) c[a.error ?? 'other'] = (c[a.error ?? 'other'] ?? 0) + 1;
  return c;
}

/**
 * Each way a connection fails, in words, with its likely causes. The errno tells them apart:
 * ENETUNREACH (no route), EHOSTUNREACH (ICMP host unreachable / no ARP answer), ECONNREFUSED (RST
 * to the SYN: the host is up, nothing listens), a timeout (packets dropped), ECONNRESET (accepted,
 * then reset), EPERM (refused by the pod's own stack).
 */
export const CONNECT_FAILURES: Record<string, { what: string; causes: string }> = {
  timeout: {
    what: 'timed out',
    causes:
      'packets are dropped on the way: a NetworkPolicy (also CNI-specific ones) or a firewall/security group between the pod and the control plane, or a machine that is down',
  },
  refused: {
    what: 'refused',
    causes:
      'the host answers but nothing listens on that port: the API server there is down or listens on another port',
  },
  'net-unreachable': {
    what: 'network unreachable',
    causes:
      "the pod has no route to that network: the address is on a network pods cannot reach (node routes, the CNI, the API server's --advertise-address)",
  },
  'host-unreachable': {
    what: 'host unreachable',
    causes:
      'no host answers at that address (down, or gone from its network), or a firewall rejects with ICMP host-unreachable/admin-prohibited',
  },
  unreachable: { what: 'unreachable', causes: 'no route to that address from the pod, or the host is down' },
  reset: {
    what: 'reset',
    causes:
      'something accepted the connection and reset it: a load balancer or proxy without a live backend, or a firewall sending TCP resets',
  },
  blocked: {
    what: 'blocked in the pod (EPERM)',
    causes: "the pod's own network stack refused to send: a firewall rule or a policy enforced inside the pod",
  },
};
const KIND_ORDER = ['timeout', 'refused', 'reset', 'host-unreachable', 'net-unreachable', 'unreachable', 'blocked'];
const failureWords = (kind: string) => CONNECT_FAILURES[kind]?.what ?? kind;

/** The commonest failure kind of some attempts; ties go by KIND_ORDER, so the same counts give the same word. */
function mainKind(attempts: StepError[]): string {
  const errs = countErrors(attempts);
  const rank = (k: string) => KIND_ORDER.indexOf(k) + 1 || 99;
  return Object.entries(errs).sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]))[0]?.[0] ?? 'other';
}

function describeAttempts(t: TcpTarget): string {
  const at = t.attempts ?? [];
  const ok = at.filter((a) => a.ok).length;
  const errs = Object.entries(countErrors(at)).map(([k, v]) => `${v} ${k}`);
  return `${t.target === 'service' ? 'service' : 'endpoint'} ${t.host}:${t.port}: ${ok}/${at.length} connected${errs.length ? ` (${errs.join(', ')})` : ''}`;
}

/**
 * TCP: the service address several times (kube-proxy picks an endpoint per connection) and every
 * endpoint directly. The verdict rests on the endpoints, tried one by one, so it does not change with
 * kube-proxy's random choice; "stale" is said only where the control plane (Leases, nodes) says no
 * live server stands behind the address, otherwise the failure kind names its likely causes.
 */
export function tcpLayer(doc: ProbeDoc, facts: Pick<ClusterFacts, 'policy' | 'controlPlane'>): Layer {
  const why = skipped(doc.tcp);
  if (why || !Array.isArray(doc.tcp)) return layer('tcp', 'SKIP', [`not checked: ${why ?? 'no data'}`]);
  const targets = doc.tcp as TcpTarget[];
  if (targets.length === 0)
    return layer('tcp', 'SKIP', ['not checked: no service address in the env and no endpoints']);
  const ev = targets.map((t) => (t.skipped ? `${t.host}:${t.port}: not checked (${t.skipped})` : describeAttempts(t)));
  const svc = targets.find((t) => t.target === 'service');
  const endpoints = targets.filter((t) => t.target === 'endpoint' && (t.attempts ?? []).length > 0);
  const dead = endpoints.filter((t) => (t.attempts ?? []).every((a) => !a.ok));
  const svcAttempts = svc?.attempts ?? [];
  const svcOk = svcAttempts.filter((a) => a.ok).length;
  const problems: string[] = [];
  const remedies: string[] = [];
  const blockedBy = facts.policy?.isolated ? facts.policy.endpoints.filter((e) => !e.allowed) : [];
  const policyNames = facts.policy?.selecting.join(', ');
  const policyBlocks = (host: string) => blockedBy.some((e) => sameIp(e.ip, host));
  const staleOf = (host: string) => facts.controlPlane?.stale.find((s) => sameIp(s.address, host));
  const addRemedy = (r: string) => {
    if (!remedies.includes(r)) remedies.push(r);
  };
  const policyRemedy = (eps: string[]) =>
    `NetworkPolicy ${policyNames} selects this pod and does not allow egress to ${eps.join(', ')} (the endpoints, after DNAT): add an egress rule with an ipBlock for the API-server addresses and their target port`;

  if (svc && svcAttempts.length && svcOk === 0) {
    const main = mainKind(svcAttempts);
    problems.push(`no connection to the service ${svc.host}:${svc.port}: ${main}`);
    if (endpoints.length && dead.length === 0) {
      problems.push(`every endpoint connects directly: the ClusterIP ${svc.host}:${svc.port} itself is not forwarded`);
      addRemedy(
        "kube-proxy (or the CNI's service handling) has not programmed the kubernetes Service on this node: check kube-proxy on the pod's node",
      );
    } else if (endpoints.length === 0) {
      // no endpoint to tell by: the service attempts are all there is
      if ((main === 'timeout' || main === 'blocked') && blockedBy.length)
        addRemedy(policyRemedy(blockedBy.map((e) => `${e.ip}:${e.port}`)));
      else
        addRemedy(
          `${failureWords(main)}: ${CONNECT_FAILURES[main]?.causes ?? 'check the route from the pod to the API server'}`,
        );
    }
  } else if (svc && svcOk < svcAttempts.length) {
    const to = dead.length
      ? `: they went to ${dead.map((t) => `${t.host}:${t.port}`).join(', ')}`
      : ': some endpoint behind the service fails';
    problems.push(
      `${svcAttempts.length - svcOk} of ${svcAttempts.length} connections to ${svc.host}:${svc.port} failed${to}`,
    );
  }
  const blockedDead = dead.filter(
    (t) => policyBlocks(t.host) && ['timeout', 'blocked'].includes(mainKind(t.attempts ?? [])),
  );
  if (blockedDead.length) addRemedy(policyRemedy(blockedBy.map((e) => `${e.ip}:${e.port}`)));
  for (const t of dead) {
    const kind = mainKind(t.attempts ?? []);
    const stale = staleOf(t.host);
    const some = dead.length < endpoints.length ? ' (requests through the service fail intermittently)' : '';
    if (stale) {
      problems.push(
        `endpoint ${t.host}:${t.port} never connected (${failureWords(kind)}): a stale endpoint, ${stale.reasons.join('; ')}${some}`,
      );
      addRemedy(
        'remove the stale endpoint or bring its API server back (kubectl airflow ha shows which replica holds a lease); with the master-count reconciler dead servers stay in Endpoints: use --endpoint-reconciler-type=lease',
      );
    } else {
      const control = facts.controlPlane ? ': the control plane shows a live server there' : '';
      problems.push(`endpoint ${t.host}:${t.port} never connected (${failureWords(kind)})${control}${some}`);
      if (!blockedDead.includes(t))
        addRemedy(
          `${t.host}:${t.port} ${failureWords(kind)}: ${CONNECT_FAILURES[kind]?.causes ?? 'check the route from the pod to that address'}`,
        );
    }
  }
  if (!facts.controlPlane && dead.length)
    ev.push(
      'whether a server still runs behind the failing endpoint is unknown: Leases and Nodes not readable (kubectl airflow ha)',
    );
  else if (facts.controlPlane && dead.length) ev.push(`control plane: ${facts.controlPlane.basis}`);
  if (!remedies.length && problems.length)
    addRemedy('some connections fail: run kubectl airflow ha to see which API-server endpoint is stale');
  ev.unshift(...problems);
  return layer('tcp', problems.length ? 'FAIL' : 'OK', ev, remedies.join('; '));
}

export function policyLayer(facts: Pick<ClusterFacts, 'policy' | 'policyError' | 'pod'>): Layer {
  const p = facts.policy;
  if (!p) return layer('policy', 'SKIP', [`not checked: ${facts.policyError ?? 'NetworkPolicies not read'}`]);
  // notes of a pod no policy isolates say why (a hostNetwork pod); otherwise there are none
  if (!p.isolated)
    return layer(
      'policy',
      'OK',
      p.notes.length ? p.notes : ['no NetworkPolicy with Egress selects this pod: egress is not restricted'],
    );
  const ev: string[] = [`selecting this pod with Egress: ${p.selecting.join(', ')}`];
  const blocked = p.endpoints.filter((e) => !e.allowed);
  for (const e of p.endpoints)
    ev.push(`${e.ip}:${e.port} ${e.allowed ? `allowed by ${e.allowedBy.join(', ')}` : 'NOT allowed'}`);
  const problems: string[] = [];
  if (blocked.length)
    problems.push(`egress to the API server ${blocked.map((e) => `${e.ip}:${e.port}`).join(', ')} is not allowed`);
  if (p.clusterIpOnly.length)
    problems.push(
      `${p.clusterIpOnly.join(', ')} allows the ClusterIP:443 only, but policies see the endpoint IP and target port after DNAT`,
    );
  if (!p.dns.udp || !p.dns.tcp)
    problems.push(
      `DNS egress not allowed on ${[p.dns.udp ? '' : 'UDP 53', p.dns.tcp ? '' : 'TCP 53'].filter(Boolean).join(' and ')}`,
    );
  ev.push(...p.notes);
  ev.unshift(...problems);
  const remedy = blocked.length
    ? `apply this NetworkPolicy (kubectl apply -f -); it adds egress to the API server for this pod beside ${p.selecting.join(', ')}:\n` +
      egressFixManifest({
        namespace: facts.pod?.namespace ?? 'default',
        podLabels: facts.pod?.labels ?? {},
        blocked,
      }).trimEnd()
    : 'allow DNS egress on UDP and TCP 53 to the kube-dns pods';
  return layer('policy', problems.length ? 'FAIL' : 'OK', ev, remedy);
}

/** The whole report for one pod. */
export function diagnose(
  doc: ProbeDoc,
  facts: ClusterFacts,
  who: { pod: string; namespace: string; container: string; serviceAccount: string },
): NetReport {
  const policy = facts.podNetwork?.hostNetwork && facts.policy ? hostNetworkEgress(facts.policy) : facts.policy;
  const seen = { ...facts, policy };
  const layers = [
    envLayer(doc),
    facts.ephemeral
      ? layer('files', 'SKIP', ['not checkable: the ephemeral container mounts nothing of the target container'])
      : filesLayer(doc, seen),
    dnsLayer(doc, seen),
    tcpLayer(doc, seen),
    tlsLayer(doc),
    httpLayer(doc),
    accessLayer(doc, who.serviceAccount, facts.required, who.namespace),
    policyLayer(seen),
  ].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
  if (facts.endpointsError && facts.endpoints.length === 0) {
    layers
      .find((l) => l.id === 'tcp')
      ?.evidence.push(`endpoints not probed: cannot read the kubernetes EndpointSlice (${facts.endpointsError})`);
  }
  const first = layers.find((l) => l.verdict === 'FAIL');
  const missingTools = doc.probe === 'sh' && doc.missing?.length ? { missingTools: doc.missing } : {};
  return {
    ...who,
    probe: doc.probe,
    layers,
    firstFailure: first?.id,
    ok: !first,
    ...missingTools,
    elapsedMs: doc.elapsedMs,
  };
}

/** A pod the probe could not run in (no python3/sh, exec failure): one failing line, no layers. */
export function notProbed(
  who: { pod: string; namespace: string; container: string; serviceAccount: string },
  error: string,
): NetReport {
  return { ...who, probe: 'none', error, layers: [], ok: false };
}

/** Parses the probe's output (the last line that is a JSON object). Throws with a one-line reason. */
export function parseProbeDoc(stdout: string): ProbeDoc {
  const lines = stdout
    .trim()
    .split('\n')
    .filter((l) => l.trim().startsWith('{'));
  const last = lines.at(-1);
  if (!last) throw new Error('the probe printed no JSON document');
  // an older or foreign probe's proxy values are redacted here too, before anything reads them
  const doc = JSON.parse(redact(last)) as ProbeDoc;
  if (doc.mode !== 'net' || typeof doc.schema !== 'number') throw new Error('the probe printed an unexpected document');
  return doc;
}
