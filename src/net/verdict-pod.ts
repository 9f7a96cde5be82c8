// The layers inside the pod itself: the service environment and the ServiceAccount files. Pure.
import { answer, proxyClients } from './clients.ts';
import { layer } from './layer.ts';
import type { ClusterFacts, Layer, ProbeDoc } from './model.ts';
import { cidrContains, sameIp } from './netpol.ts';

function envGet(env: Record<string, string>, name: string): string | undefined {
  return env[name] ?? env[name.toLowerCase()];
}

/** Whether NO_PROXY (Go/curl/requests semantics: exact, domain suffix, leading dot, `*`, CIDR) covers host; IPv4 and IPv6. */
export function noProxyCovers(noProxy: string, host: string, cidrs: 'all' | 'ipv4' | 'none' = 'all'): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(',')) {
    let e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e === '*') return true;
    if (e.includes('/')) {
      // which CIDRs a client reads depends on it (requests: IPv4 only; urllib: none)
      const usable = cidrs === 'all' || (cidrs === 'ipv4' && !e.includes(':'));
      if (usable && cidrContains(e.replace(/^\[|\](?=\/)/g, ''), h)) return true;
      continue;
    }
    // host:port and [v6]:port name the host; a bare IPv6 literal has several colons and no port
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(e);
    if (bracketed) e = bracketed[1];
    else if (/^[^:]+:\d+$/.test(e)) e = e.replace(/:\d+$/, '');
    if (h === e || h === e.replace(/^\./, '') || (e.includes(':') && sameIp(h, e))) return true;
    const suffix = e.startsWith('.') ? e : `.${e}`;
    if (h.endsWith(suffix)) return true;
  }
  return false;
}

export function envLayer(doc: ProbeDoc): Layer {
  const env = doc.env ?? {};
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const ev: string[] = [];
  const problems: string[] = [];
  const remedies: string[] = [];
  if (!host || !port) {
    problems.push(
      `KUBERNETES_SERVICE_HOST/PORT ${host === undefined && port === undefined ? 'not set' : 'empty or missing'}: in-cluster config fails with "Service host/port is not set."`,
    );
    remedies.push(
      'do not override KUBERNETES_SERVICE_HOST/PORT in the pod spec (the kubelet injects them), or configure Airflow with a kubeconfig (in_cluster = False)',
    );
  } else {
    ev.push(`KUBERNETES_SERVICE_HOST=${host} KUBERNETES_SERVICE_PORT=${port}`);
  }
  const proxy = envGet(env, 'HTTPS_PROXY') ?? envGet(env, 'HTTP_PROXY') ?? envGet(env, 'ALL_PROXY');
  if (proxy) {
    const noProxy = envGet(env, 'NO_PROXY') ?? '';
    ev.push(`proxy ${proxy}; NO_PROXY=${noProxy || '(unset)'}`);
    const missing: string[] = [];
    if (host && !noProxyCovers(noProxy, host)) missing.push(host);
    if (!noProxyCovers(noProxy, 'kubernetes.default.svc')) missing.push('.svc');
    if (!noProxyCovers(noProxy, 'kubernetes.default.svc.cluster.local')) missing.push('.cluster.local');
    // whether the proxy matters depends on the client in the pod (src/net/clients.json)
    const { clients, assumed } = proxyClients(doc.clients);
    if (assumed) ev.push(assumed);
    for (const c of clients) {
      const name = c.version === 'unknown' ? 'the client' : `${c.package} ${c.version}`;
      if (!c.honoursProxy) {
        ev.push(`${name} ignores the proxy variables: its API calls go direct (${c.because[0] ?? ''})`);
      } else if (!c.honoursNoProxy) {
        problems.push(`${name} honours HTTPS_PROXY/HTTP_PROXY and ignores NO_PROXY: every API call goes to the proxy`);
        ev.push(...c.because);
        remedies.push(
          `install a ${c.package} that honours NO_PROXY (kubernetes >= 36.0.0) or one before 34.1.0, or remove HTTPS_PROXY/HTTP_PROXY from the env of Airflow's pods`,
        );
      } else if (host && !noProxyCovers(noProxy, host, c.cidrs)) {
        const byCidr = missing.length === 0 || !missing.includes(host);
        problems.push(
          byCidr
            ? `${name} does not read the CIDR in NO_PROXY that covers ${host} (${c.cidrs === 'none' ? 'no CIDRs' : 'IPv4 CIDRs only'}): API traffic goes to the proxy`
            : `HTTPS_PROXY/HTTP_PROXY set but NO_PROXY lacks ${missing.join(', ')}: ${c.version === 'unknown' ? 'clients that honour proxy variables send' : `${name} sends`} API traffic to the proxy`,
        );
        remedies.push(`add ${byCidr ? host : missing.join(',')} to NO_PROXY (and no_proxy) in the pod's env`);
      } else if (missing.length) {
        ev.push(
          `NO_PROXY covers ${host}, which ${name} connects to; it lacks ${missing.join(', ')} (only names in a kubeconfig use those)`,
        );
      }
    }
    if (doc.proxy) {
      const p = doc.proxy;
      ev.push(
        p.status
          ? `through the proxy, CONNECT ${p.target} answered ${p.status}${p.status === 407 ? ' (Proxy Authentication Required)' : ''}`
          : `through the proxy, CONNECT ${p.target} failed: ${p.error ?? 'no answer'}${p.detail ? ` (${p.detail})` : ''}`,
      );
    }
  }
  ev.unshift(...new Set(problems));
  return layer('env', problems.length ? 'FAIL' : 'OK', ev, [...new Set(remedies)].join('; '));
}

function fmtAge(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** A bound token the kubelet rotates within about an hour (kube-apiserver without extended expiry). */
const SHORT_TOKEN_SECONDS = 2 * 3600;

function tokenReaders(installed: ProbeDoc['clients']): Array<{ name: string; package: string; rereads: boolean }> {
  if (!installed || 'skipped' in installed) return [];
  const out: Array<{ name: string; package: string; rereads: boolean }> = [];
  for (const pkg of ['kubernetes', 'kubernetes_asyncio']) {
    const v = installed[pkg];
    const row = typeof v === 'string' ? answer('token-reread', pkg, v) : undefined;
    if (row && typeof v === 'string') out.push({ name: `${pkg} ${v}`, package: pkg, rereads: row.answer });
  }
  return out;
}

export function filesLayer(doc: ProbeDoc, facts: Pick<ClusterFacts, 'automount' | 'now'>): Layer {
  let staleClient: { package: string } | undefined;
  const f = doc.files;
  const ev: string[] = [];
  const sa = facts.automount.serviceAccountName;
  const now = doc.now ?? facts.now;
  if (!f || !f.token?.present) {
    const who =
      facts.automount.pod === false
        ? 'the pod sets automountServiceAccountToken: false'
        : facts.automount.serviceAccount === false
          ? `ServiceAccount ${sa} sets automountServiceAccountToken: false (the pod does not override it)`
          : 'no projected token volume is mounted';
    ev.push(
      `no token at ${f?.dir ?? '/var/run/secrets/kubernetes.io/serviceaccount'}: ${who}`,
      'in-cluster config fails with "Service token file does not exist."',
    );
    const fix =
      facts.automount.pod === false
        ? "set spec.automountServiceAccountToken: true on the pod (or its template; the official chart: the component's serviceAccount.automountServiceAccountToken / pod template) and recreate the pod"
        : `kubectl patch serviceaccount ${sa} -p '{"automountServiceAccountToken":true}' (or set it on the pod template), then recreate the pod`;
    return layer('files', 'FAIL', ev, fix);
  }
  const problems: string[] = [];
  if (f.token.readable === false)
    problems.push(`token not readable by the container user${f.token.error ? ` (${f.token.error})` : ''}`);
  const c = f.token.claims;
  if (c) {
    const parts: string[] = [];
    if (typeof c.iss === 'string') parts.push(`issuer ${c.iss}`);
    if (c.aud !== undefined) parts.push(`audience ${Array.isArray(c.aud) ? c.aud.join(',') : c.aud}`);
    if (typeof c.iat === 'number' && now) parts.push(`issued ${fmtAge(now - c.iat)} ago`);
    if (typeof c.exp === 'number' && now)
      parts.push(c.exp > now ? `expires in ${fmtAge(c.exp - now)}` : `EXPIRED ${fmtAge(now - c.exp)} ago`);
    ev.push(`token: ${parts.join(', ') || 'no standard claims'}`);
    if (typeof c.exp === 'number' && now && c.exp <= now)
      problems.push('the token has expired: the kubelet did not rotate it (pod stuck, or a copied token)');
    // a short-lived bound token (no extended expiry) is rotated by the kubelet before it expires: a
    // client that read it once gets 401 after that (src/net/clients.json, token-reread)
    const lifetime = typeof c.exp === 'number' && typeof c.iat === 'number' ? c.exp - c.iat : undefined;
    for (const s of tokenReaders(doc.clients)) {
      if (s.rereads) continue;
      if (lifetime !== undefined && lifetime <= SHORT_TOKEN_SECONDS) {
        problems.push(
          `${s.name} reads the token once, and this token lives ${fmtAge(lifetime)}: its calls get 401 Unauthorized once the kubelet has rotated it`,
        );
        staleClient = s;
      } else
        ev.push(
          `${s.name} reads the token once: it keeps working only while the first token stays valid (${lifetime === undefined ? 'lifetime unknown' : `it lives ${fmtAge(lifetime)}`})`,
        );
    }
  } else if (f.token.readable !== false) {
    if (f.token.claimsSkipped) ev.push(`token present (claims not decoded: ${f.token.claimsSkipped})`);
    else problems.push('the token file is not a JWT');
  }
  const ca = f['ca.crt'];
  if (!ca?.present)
    problems.push('ca.crt missing: in-cluster config fails with "Service certification file does not exist."');
  else if (ca.readable === false) problems.push('ca.crt not readable by the container user');
  else if (ca.pem === false) problems.push('ca.crt holds no PEM certificate');
  else ev.push(`ca.crt: ${ca.certificates ?? '?'} certificate(s)`);
  const ns = f.namespace;
  if (!ns?.present) problems.push('namespace file missing');
  else if (ns.value !== undefined) ev.push(`namespace: ${ns.value}`);
  ev.unshift(...problems);
  const remedy = staleClient
    ? `install a ${staleClient.package} that re-reads the token (${staleClient.package === 'kubernetes' ? '>= 12.0.0' : '>= 23.6.0'}), or restart the component before the token expires`
    : problems.some((p) => p.includes('expired'))
      ? 'recreate the pod so the kubelet mounts a fresh token; check the kubelet on the node'
      : problems.some((p) => p.includes('not readable'))
        ? 'run the container with a user/fsGroup that can read the projected volume (the files are 0644/0600 with fsGroup)'
        : 'recreate the pod so the projected ServiceAccount volume is mounted completely';
  return layer('files', problems.length ? 'FAIL' : 'OK', ev, remedy);
}
