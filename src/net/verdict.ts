// From what the probe saw in the pod (ProbeDoc) and what the cluster says (ClusterFacts), one
// verdict per layer with its evidence and remedy. Pure: unit-tested without a server.
import { redact } from '../render/redact.ts';
import type { AccessAnswer, ClusterFacts, DnsAnswer, HttpAnswer, Layer, NetReport, ProbeDoc, StepError, TcpTarget } from './model.ts';
import { egressFixManifest } from './egress-fix.ts';
import { hostNetworkEgress } from './netpol.ts';
import { layer, ORDER, skipped } from './layer.ts';
import { envLayer, filesLayer } from './verdict-pod.ts';

export { envLayer, filesLayer, noProxyCovers } from './verdict-pod.ts';

export function dnsLayer(doc: ProbeDoc, facts: Pick<ClusterFacts, 'podNetwork'> = {}): Layer {
  const r = doc.resolv;
  const ev: string[] = [];
  const resolvLine: string[] = [];
  if (r) resolvLine.push(`resolv.conf: nameserver ${r.nameservers.join(' ') || '(none)'}; search ${r.search.join(' ') || '(none)'}; ndots ${r.ndots ?? '(default 1)'}`);
  const why = skipped(doc.dns);
  if (why || !Array.isArray(doc.dns)) return layer('dns', 'SKIP', [`not checked: ${why ?? 'no data'}`, ...resolvLine]);
  const answers = doc.dns as DnsAnswer[];
  if (answers.every((a) => a.skipped)) return layer('dns', 'SKIP', [`not checked: ${answers[0]?.skipped ?? 'no data'}`, ...resolvLine]);
  const host = doc.env?.KUBERNETES_SERVICE_HOST;
  const problems: string[] = [];
  let kind = '';
  for (const a of answers) {
    if (a.skipped) continue;
    if (a.addresses && a.addresses.length) {
      const same = !host || a.addresses.includes(host);
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
  if (hostDns) ev.push(`hostNetwork pod with dnsPolicy ${facts.podNetwork?.dnsPolicy ?? 'ClusterFirst'}: it uses the node's DNS, not the cluster's`);
  const remedy = hostDns
    ? 'set dnsPolicy: ClusterFirstWithHostNet on this hostNetwork pod so it resolves cluster names'
    :
    kind === 'timeout'
      ? `the nameserver ${r?.nameservers[0] ?? ''} does not answer: allow egress to DNS (UDP and TCP 53 to the kube-dns pods) and check CoreDNS (kubectl -n kube-system get pods -l k8s-app=kube-dns)`
      : kind === 'nxdomain'
        ? 'the cluster domain or the search list is wrong: check dnsPolicy/dnsConfig of the pod and CoreDNS\'s kubernetes plugin zone'
        : kind === 'notfound'
          ? `either the nameserver ${r?.nameservers[0] ?? ''} is unreachable (allow DNS egress, UDP and TCP 53; check CoreDNS) or the name does not exist in the cluster domain (check dnsPolicy/dnsConfig)`
          : kind === 'mismatch'
          ? 'a hostAliases entry or a custom DNS answers for the service name: remove it'
          : 'check the pod\'s dnsPolicy and CoreDNS';
  return layer('dns', problems.length ? 'FAIL' : 'OK', ev, remedy + (host ? ` (clients use the env IP ${host}, so the API may still be reachable)` : ''));
}

function countErrors(attempts: StepError[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const a of attempts) if (!a.ok) c[a.error ?? 'other'] = (c[a.error ?? 'other'] ?? 0) + 1;
  return c;
}

function describeAttempts(t: TcpTarget): string {
  const at = t.attempts ?? [];
  const ok = at.filter((a) => a.ok).length;
  const errs = Object.entries(countErrors(at)).map(([k, v]) => `${v} ${k}`);
  return `${t.target === 'service' ? 'service' : 'endpoint'} ${t.host}:${t.port}: ${ok}/${at.length} connected${errs.length ? ` (${errs.join(', ')})` : ''}`;
}

export function tcpLayer(doc: ProbeDoc, facts: Pick<ClusterFacts, 'policy'>): Layer {
  const why = skipped(doc.tcp);
  if (why || !Array.isArray(doc.tcp)) return layer('tcp', 'SKIP', [`not checked: ${why ?? 'no data'}`]);
  const targets = doc.tcp as TcpTarget[];
  if (targets.length === 0) return layer('tcp', 'SKIP', ['not checked: no service address in the env and no endpoints']);
  const ev = targets.map((t) => (t.skipped ? `${t.host}:${t.port}: not checked (${t.skipped})` : describeAttempts(t)));
  const svc = targets.find((t) => t.target === 'service');
  const deadEndpoints = targets.filter((t) => t.target === 'endpoint' && (t.attempts ?? []).length > 0 && (t.attempts ?? []).every((a) => !a.ok));
  const svcAttempts = svc?.attempts ?? [];
  const svcOk = svcAttempts.filter((a) => a.ok).length;
  const problems: string[] = [];
  let remedy = '';
  const blockedBy = facts.policy?.isolated ? facts.policy.endpoints.filter((e) => !e.allowed) : [];
  const policyNames = facts.policy?.selecting.join(', ');
  if (svc && svcAttempts.length && svcOk === 0) {
    const errs = countErrors(svcAttempts);
    const main = Object.entries(errs).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'other';
    problems.push(`no connection to the service ${svc.host}:${svc.port}: ${main}`);
    if ((main === 'timeout' || main === 'blocked') && blockedBy.length) {
      remedy = `NetworkPolicy ${policyNames} selects this pod and does not allow egress to ${blockedBy.map((e) => `${e.ip}:${e.port}`).join(', ')} (the endpoints, after DNAT): add an egress rule with an ipBlock for the API-server addresses and their target port`;
    } else if (main === 'timeout' || main === 'blocked') {
      remedy = 'packets are dropped on the way: check NetworkPolicies (also CNI-specific ones), security groups/firewalls between nodes and the control plane';
    } else if (main === 'refused') {
      remedy = 'nothing listens at the endpoint: check the API servers and the kubernetes Endpoints (kubectl airflow ha)';
    } else {
      remedy = 'no route to the API server: check the node\'s routes and kube-proxy';
    }
  } else if (svc && svcOk < svcAttempts.length) {
    problems.push(`${svcAttempts.length - svcOk} of ${svcAttempts.length} connections to ${svc.host}:${svc.port} failed: some endpoint behind the service is dead or stale`);
  }
  if (deadEndpoints.length) {
    problems.push(`endpoint ${deadEndpoints.map((t) => `${t.host}:${t.port}`).join(', ')} never connected${deadEndpoints.length < targets.filter((t) => t.target === 'endpoint').length ? ': a stale endpoint (requests through the service fail intermittently)' : ''}`);
    if (!remedy) {
      remedy = `remove the stale endpoint or bring its API server back (kubectl airflow ha shows which replica holds a lease); with the master-count reconciler dead servers stay in Endpoints: use --endpoint-reconciler-type=lease`;
    }
  }
  if (!remedy && problems.length) remedy = 'some connections fail: run kubectl airflow ha to see which API-server endpoint is stale';
  ev.unshift(...problems);
  return layer('tcp', problems.length ? 'FAIL' : 'OK', ev, remedy);
}

export function tlsLayer(doc: ProbeDoc): Layer {
  const t = doc.tls ?? {};
  if (t.skipped) return layer('tls', 'SKIP', [`not checked: ${t.skipped}`]);
  const target = `${t.host ?? '?'}:${t.port ?? '?'} as ${t.serverName ?? t.host ?? '?'}`;
  if (t.ok) return layer('tls', 'OK', [`handshake with ${target} verified against the mounted ca.crt`]);
  const ev = [`handshake with ${target}: ${t.error ?? 'failed'}${t.detail ? ` (${t.detail})` : ''}`];
  switch (t.error) {
    case 'unknown-authority':
      return layer('tls', 'FAIL', ev, 'the server certificate is not signed by the mounted ca.crt: a TLS-intercepting proxy in the path, or the cluster CA was rotated (recreate the pod to mount the current kube-root-ca.crt)');
    case 'name-mismatch':
      return layer('tls', 'FAIL', ev, `the API server certificate is not valid for ${t.serverName ?? t.host}: add the service IP to the serving certificate's SANs (kube-apiserver certificate / --apiserver-cert-extra-sans)`);
    case 'expired':
      return layer('tls', 'FAIL', ev, 'the API server certificate has expired: renew the control-plane certificates');
    case 'timeout':
      return layer('tls', 'FAIL', ev, 'TCP connected but the TLS handshake got no answer: something in the path holds the connection (proxy, MTU)');
    default:
      return layer('tls', 'FAIL', ev, 'the TLS handshake failed: check for a proxy or a non-TLS listener at the service address');
  }
}

export function httpLayer(doc: ProbeDoc): Layer {
  const why = skipped(doc.http);
  if (why || !Array.isArray(doc.http)) return layer('http', 'SKIP', [`not checked: ${why ?? 'no data'}`]);
  const answers = (doc.http as Array<HttpAnswer | null>).filter((a): a is HttpAnswer => !!a);
  const ev: string[] = [];
  const problems: string[] = [];
  let remedy = '';
  for (const a of answers) {
    if (a.status === undefined) {
      problems.push(`GET ${a.path}: ${a.error ?? 'no answer'}${a.detail ? ` (${a.detail})` : ''}`);
      remedy ||= 'the API server did not answer in time: it may be overloaded (kubectl airflow ha)';
      continue;
    }
    const msg = a.message ? `: ${a.message}` : a.gitVersion ? ` (${a.gitVersion})` : '';
    const before = problems.length;
    if (a.status === 401) {
      problems.push(`GET ${a.path} -> 401 Unauthorized: the API server rejects the pod's token`);
      remedy ||= 'the token is revoked or expired (ServiceAccount deleted and recreated, or issuer/key rotated): recreate the pod to get a fresh token; check that the ServiceAccount still exists';
    } else if (a.status === 407) {
      problems.push(`GET ${a.path} -> 407: a proxy answered, not the API server`);
      remedy ||= 'API traffic goes through a proxy: add the service IP, .svc and .cluster.local to NO_PROXY';
    } else if (a.status === 403 && a.path.startsWith('/api/v1/namespaces/')) {
      // RBAC: the Permissions layer reports it with the SelfSubjectAccessReviews
    } else if (a.status === 403) {
      problems.push(`GET ${a.path} -> 403 Forbidden${msg}`);
      remedy ||= 'the default discovery/health roles (system:public-info-viewer, system:discovery) were removed: restore them (kubectl auth reconcile)';
    } else if (a.status >= 500 || (a.path.startsWith('/readyz') && a.status !== 200)) {
      problems.push(`GET ${a.path} -> ${a.status}: the API server is not ready`);
      remedy ||= 'the API server reports itself unhealthy: kubectl airflow ha, and the API server logs';
    }
    if (problems.length === before) ev.push(`GET ${a.path} -> ${a.status}${msg}`);
  }
  ev.unshift(...problems);
  return layer('http', problems.length ? 'FAIL' : 'OK', ev, remedy);
}

function accessName(a: AccessAnswer): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return `${a.verb} ${a.group ? `${res}.${a.group}` : res}`;
}

const nsLabel = (ns: string) => (ns === '' ? 'all namespaces (cluster-wide)' : ns);

export function accessLayer(doc: ProbeDoc, sa: string, required?: ClusterFacts['required'], podNamespace?: string): Layer {
  const basis = required ? [required.basis] : [];
  if (required && required.asked === 0) return layer('access', 'OK', basis);
  const why = skipped(doc.access);
  if (doc.access === undefined) return layer('access', 'SKIP', [...basis, 'not checked: the HTTP layer did not run']);
  if (why || !Array.isArray(doc.access)) return layer('access', 'SKIP', [...basis, `not checked: ${why ?? 'no data'}`]);
  const answers = doc.access as AccessAnswer[];
  if (answers.length === 0) return layer('access', 'SKIP', [...basis, 'no permission asked']);
  const namespaces = [...new Set(answers.map((a) => a.namespace))];
  const allowed = answers.filter((a) => a.allowed === true);
  const denied = answers.filter((a) => a.allowed === false);
  const failed = answers.filter((a) => a.allowed === undefined);
  const ev: string[] = [...basis];
  for (const ns of namespaces) {
    const d = denied.filter((a) => a.namespace === ns);
    if (d.length) ev.push(`with the pod's token in ${nsLabel(ns)}: denied ${d.map(accessName).join(', ')} (the pod's calls get 403 Forbidden)`);
  }
  if (failed.length) {
    const why = (a: AccessAnswer) => `${a.httpStatus ? `HTTP ${a.httpStatus}` : (a.error ?? 'error')}${a.message ? `: ${a.message}` : ''}`;
    const reasons = [...new Set(failed.map(why))];
    ev.push(
      reasons.length === 1
        ? `${failed.length === answers.length ? 'every review' : failed.map(accessName).join(', ')} not answered (${reasons[0]})`
        : `not answered: ${failed.map((a) => `${accessName(a)} (${why(a)})`).join(', ')}`,
    );
  }
  for (const ns of namespaces) {
    const ok = allowed.filter((a) => a.namespace === ns);
    if (ok.length) ev.push(`allowed${namespaces.length > 1 ? ` in ${nsLabel(ns)}` : ''}: ${ok.map(accessName).join(', ')}`);
  }
  if (denied.length) {
    const where = [...new Set(denied.map((a) => nsLabel(a.namespace)))].join(', ');
    const home = podNamespace ?? denied[0].namespace;
    const profiles = (required?.profiles ?? []).map((p) => ` --profile ${p}`).join('');
    return layer('access', 'FAIL', ev, `grant ServiceAccount ${sa} the missing verbs in ${where}: kubectl airflow rbac -n ${home} --sa ${home}:${sa}${profiles} --fix | kubectl apply -f -`);
  }
  if (failed.length) {
    const network = failed.every((a) => a.httpStatus === undefined);
    return layer('access', 'FAIL', ev, network ? 'some reviews failed on the way to the API server: see the TCP layer' : 'the SelfSubjectAccessReviews were rejected: see the HTTP layer');
  }
  return layer('access', 'OK', ev);
}

export function policyLayer(facts: Pick<ClusterFacts, 'policy' | 'policyError' | 'pod'>): Layer {
  const p = facts.policy;
  if (!p) return layer('policy', 'SKIP', [`not checked: ${facts.policyError ?? 'NetworkPolicies not read'}`]);
  // notes of a pod no policy isolates say why (a hostNetwork pod); otherwise there are none
  if (!p.isolated) return layer('policy', 'OK', p.notes.length ? p.notes : ['no NetworkPolicy with Egress selects this pod: egress is not restricted']);
  const ev: string[] = [`selecting this pod with Egress: ${p.selecting.join(', ')}`];
  const blocked = p.endpoints.filter((e) => !e.allowed);
  for (const e of p.endpoints) ev.push(`${e.ip}:${e.port} ${e.allowed ? `allowed by ${e.allowedBy.join(', ')}` : 'NOT allowed'}`);
  const problems: string[] = [];
  if (blocked.length) problems.push(`egress to the API server ${blocked.map((e) => `${e.ip}:${e.port}`).join(', ')} is not allowed`);
  if (p.clusterIpOnly.length) problems.push(`${p.clusterIpOnly.join(', ')} allows the ClusterIP:443 only, but policies see the endpoint IP and target port after DNAT`);
  if (!p.dns.udp || !p.dns.tcp) problems.push(`DNS egress not allowed on ${[p.dns.udp ? '' : 'UDP 53', p.dns.tcp ? '' : 'TCP 53'].filter(Boolean).join(' and ')}`);
  ev.push(...p.notes);
  ev.unshift(...problems);
  const remedy = blocked.length
    ? `apply this NetworkPolicy (kubectl apply -f -); it adds egress to the API server for this pod beside ${p.selecting.join(', ')}:\n` +
      egressFixManifest({ namespace: facts.pod?.namespace ?? 'default', podLabels: facts.pod?.labels ?? {}, blocked }).trimEnd()
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
    facts.ephemeral ? layer('files', 'SKIP', ['not checkable: the ephemeral container mounts nothing of the target container']) : filesLayer(doc, seen),
    dnsLayer(doc, seen),
    tcpLayer(doc, seen),
    tlsLayer(doc),
    httpLayer(doc),
    accessLayer(doc, who.serviceAccount, facts.required, who.namespace),
    policyLayer(seen),
  ].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
  if (facts.endpointsError && facts.endpoints.length === 0) {
    layers.find((l) => l.id === 'tcp')?.evidence.push(`endpoints not probed: cannot read the kubernetes EndpointSlice (${facts.endpointsError})`);
  }
  const first = layers.find((l) => l.verdict === 'FAIL');
  const missingTools = doc.probe === 'sh' && doc.missing?.length ? { missingTools: doc.missing } : {};
  return { ...who, probe: doc.probe, layers, firstFailure: first?.id, ok: !first, ...missingTools, elapsedMs: doc.elapsedMs };
}

/** A pod the probe could not run in (no python3/sh, exec failure): one failing line, no layers. */
export function notProbed(who: { pod: string; namespace: string; container: string; serviceAccount: string }, error: string): NetReport {
  return { ...who, probe: 'none', error, layers: [], ok: false };
}

/** Parses the probe's output (the last line that is a JSON object). Throws with a one-line reason. */
export function parseProbeDoc(stdout: string): ProbeDoc {
  const lines = stdout.trim().split('\n').filter((l) => l.trim().startsWith('{'));
  const last = lines.at(-1);
  if (!last) throw new Error('the probe printed no JSON document');
  // an older or foreign probe's proxy values are redacted here too, before anything reads them
  const doc = JSON.parse(redact(last)) as ProbeDoc;
  if (doc.mode !== 'net' || typeof doc.schema !== 'number') throw new Error('the probe printed an unexpected document');
  return doc;
}
