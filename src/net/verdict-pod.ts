// The layers inside the pod itself: the service environment and the ServiceAccount files. Pure.
import { layer } from './layer.ts';
import type { ClusterFacts, Layer, ProbeDoc } from './model.ts';

function envGet(env: Record<string, string>, name: string): string | undefined {
  return env[name] ?? env[name.toLowerCase()];
}

/** Whether NO_PROXY (Go/curl/requests semantics: exact, domain suffix, leading dot, `*`, CIDR) covers host. */
export function noProxyCovers(noProxy: string, host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(',')) {
    let e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e === '*') return true;
    if (e.includes('/')) {
      if (cidrHas(e, h)) return true;
      continue;
    }
    if (/^[^:]+:\d+$/.test(e)) e = e.replace(/:\d+$/, '');
    if (h === e || h === e.replace(/^\./, '')) return true;
    const suffix = e.startsWith('.') ? e : `.${e}`;
    if (h.endsWith(suffix)) return true;
  }
  return false;
}

function cidrHas(cidr: string, ip: string): boolean {
  const [base, bits] = cidr.split('/');
  const toInt = (s: string) => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
    return m ? m.slice(1).reduce((n, p) => (n << 8) + Number(p), 0) >>> 0 : undefined;
  };
  const b = toInt(base);
  const i = toInt(ip);
  const n = Number(bits);
  if (b === undefined || i === undefined || !(n >= 0 && n <= 32)) return false;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((b & mask) >>> 0) === ((i & mask) >>> 0);
}

export function envLayer(doc: ProbeDoc): Layer {
  const env = doc.env ?? {};
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const ev: string[] = [];
  const problems: string[] = [];
  const remedies: string[] = [];
  if (!host || !port) {
    problems.push(`KUBERNETES_SERVICE_HOST/PORT ${host === undefined && port === undefined ? 'not set' : 'empty or missing'}: in-cluster config fails with "Service host/port is not set."`);
    remedies.push('do not override KUBERNETES_SERVICE_HOST/PORT in the pod spec (the kubelet injects them), or configure Airflow with a kubeconfig (in_cluster = False)');
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
    if (missing.length) {
      problems.push(`HTTPS_PROXY/HTTP_PROXY set but NO_PROXY lacks ${missing.join(', ')}: clients that honour proxy variables send API traffic to the proxy`);
      remedies.push(`add ${missing.join(',')} to NO_PROXY (and no_proxy) in the pod's env`);
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
  ev.unshift(...problems);
  return layer('env', problems.length ? 'FAIL' : 'OK', ev, remedies.join('; '));
}

function fmtAge(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function filesLayer(doc: ProbeDoc, facts: Pick<ClusterFacts, 'automount' | 'now'>): Layer {
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
    ev.push(`no token at ${f?.dir ?? '/var/run/secrets/kubernetes.io/serviceaccount'}: ${who}`, 'in-cluster config fails with "Service token file does not exist."');
    const fix =
      facts.automount.pod === false
        ? 'set spec.automountServiceAccountToken: true on the pod (or its template; the official chart: the component\'s serviceAccount.automountServiceAccountToken / pod template) and recreate the pod'
        : `kubectl patch serviceaccount ${sa} -p '{"automountServiceAccountToken":true}' (or set it on the pod template), then recreate the pod`;
    return layer('files', 'FAIL', ev, fix);
  }
  const problems: string[] = [];
  if (f.token.readable === false) problems.push(`token not readable by the container user${f.token.error ? ` (${f.token.error})` : ''}`);
  const c = f.token.claims;
  if (c) {
    const parts: string[] = [];
    if (typeof c.iss === 'string') parts.push(`issuer ${c.iss}`);
    if (c.aud !== undefined) parts.push(`audience ${Array.isArray(c.aud) ? c.aud.join(',') : c.aud}`);
    if (typeof c.iat === 'number' && now) parts.push(`issued ${fmtAge(now - c.iat)} ago`);
    if (typeof c.exp === 'number' && now) parts.push(c.exp > now ? `expires in ${fmtAge(c.exp - now)}` : `EXPIRED ${fmtAge(now - c.exp)} ago`);
    ev.push(`token: ${parts.join(', ') || 'no standard claims'}`);
    if (typeof c.exp === 'number' && now && c.exp <= now) problems.push('the token has expired: the kubelet did not rotate it (pod stuck, or a copied token)');
  } else if (f.token.readable !== false) {
    if (f.token.claimsSkipped) ev.push(`token present (claims not decoded: ${f.token.claimsSkipped})`);
    else problems.push('the token file is not a JWT');
  }
  const ca = f['ca.crt'];
  if (!ca?.present) problems.push('ca.crt missing: in-cluster config fails with "Service certification file does not exist."');
  else if (ca.readable === false) problems.push('ca.crt not readable by the container user');
  else if (ca.pem === false) problems.push('ca.crt holds no PEM certificate');
  else ev.push(`ca.crt: ${ca.certificates ?? '?'} certificate(s)`);
  const ns = f.namespace;
  if (!ns?.present) problems.push('namespace file missing');
  else if (ns.value !== undefined) ev.push(`namespace: ${ns.value}`);
  ev.unshift(...problems);
  const remedy = problems.some((p) => p.includes('expired'))
    ? 'recreate the pod so the kubelet mounts a fresh token; check the kubelet on the node'
    : problems.some((p) => p.includes('not readable'))
      ? 'run the container with a user/fsGroup that can read the projected volume (the files are 0644/0600 with fsGroup)'
      : 'recreate the pod so the projected ServiceAccount volume is mounted completely';
  return layer('files', problems.length ? 'FAIL' : 'OK', ev, remedy);
}
