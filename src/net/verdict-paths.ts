// TLS, HTTP and the permissions, decided from every path the probe tried (the service address and
// each endpoint directly): an attempt that never connected belongs to TCP, not here. Pure.
import { layer, skipped } from './layer.ts';
import { grantRemedy } from '../rbac/remedy.ts';
import type { AccessAnswer, ClusterFacts, HttpAnswer, Layer, PathResult, ProbeDoc, StepError } from './model.ts';

/** Every target the probe tried past TCP: the service path and each endpoint (schema 2), else the service alone. */
function pathsOf(doc: ProbeDoc): PathResult[] | undefined {
  if (Array.isArray(doc.paths)) return doc.paths;
  return undefined;
}

const targetLabel = (p: PathResult) =>
  p.target === 'service' ? `service ${p.host}:${p.port}` : `endpoint ${p.host}:${p.port}`;

function tlsRemedy(t: StepError & { serverName?: string; host?: string }): string {
  switch (t.error) {
    case 'unknown-authority':
      return 'the server certificate is not signed by the mounted ca.crt: a TLS-intercepting proxy in the path, or the cluster CA was rotated (recreate the pod to mount the current kube-root-ca.crt)';
    case 'name-mismatch':
      return `the API server certificate is not valid for ${t.serverName ?? t.host}: add the service IP to the serving certificate's SANs (kube-apiserver certificate / --apiserver-cert-extra-sans)`;
    case 'expired':
      return 'the API server certificate has expired: renew the control-plane certificates';
    case 'timeout':
      return 'TCP connected but the TLS handshake got no answer: something in the path holds the connection (a proxy, an MTU problem dropping large packets)';
    case 'reset':
      return 'TCP connected, then the connection was closed or reset before the handshake completed: a load balancer or proxy without a live backend, or a listener that is not the API server';
    default:
      return 'the TLS handshake failed: check for a proxy or a non-TLS listener at that address';
  }
}

/**
 * TLS: a verified handshake through the service and with each endpoint directly, each verified as
 * the service IP. Only attempts that connected count: one that did not is a TCP finding.
 */
export function tlsLayer(doc: ProbeDoc): Layer {
  const paths = pathsOf(doc);
  const t = doc.tls ?? {};
  if (!paths) {
    const why = skipped(doc.paths) ?? t.skipped;
    if (why) return layer('tls', 'SKIP', [`not checked: ${why}`]);
    // one handshake through the service (a probe without paths)
    const target = `${t.host ?? '?'}:${t.port ?? '?'} as ${t.serverName ?? t.host ?? '?'}`;
    if (t.ok) return layer('tls', 'OK', [`handshake with ${target} verified against the mounted ca.crt`]);
    if (t.step === 'tcp')
      return layer('tls', 'SKIP', [`not checked: no TCP connection (${t.error ?? 'failed'}; see TCP)`]);
    return layer(
      'tls',
      'FAIL',
      [`handshake with ${target}: ${t.error ?? 'failed'}${t.detail ? ` (${t.detail})` : ''}`],
      tlsRemedy(t),
    );
  }
  const reached = paths.filter((p) => p.connect?.ok && p.tls);
  const notConnected = paths.filter((p) => !p.connect?.ok);
  if (reached.length === 0) {
    const why = paths.find((p) => p.skipped)?.skipped;
    return layer('tls', 'SKIP', [
      `not checked: ${why ?? 'no TCP connection to the service or any endpoint (see TCP)'}`,
    ]);
  }
  const good = reached.filter((p) => p.tls?.ok);
  const bad = reached.filter((p) => !p.tls?.ok);
  const serverName = paths[0]?.serverName ?? paths[0]?.host;
  const ev: string[] = [];
  const remedies: string[] = [];
  for (const p of bad) {
    const x = p.tls!;
    ev.push(
      `handshake with ${targetLabel(p)} as ${p.serverName ?? p.host}: ${x.error ?? 'failed'}${x.detail ? ` (${x.detail})` : ''}`,
    );
    const r = tlsRemedy({ ...x, serverName: p.serverName, host: p.host });
    if (!remedies.includes(r)) remedies.push(r);
  }
  if (good.length) {
    const svc = good.find((p) => p.target === 'service');
    const eps = good.filter((p) => p.target === 'endpoint');
    const head = svc
      ? `handshake with ${svc.host}:${svc.port} as ${svc.serverName ?? svc.host}`
      : `handshake as ${serverName}`;
    ev.push(
      `${head} verified against the mounted ca.crt${eps.length ? `${svc ? ', and' : ' with'} ${eps.length} endpoint(s) directly (${eps.map((p) => `${p.host}:${p.port}`).join(', ')})` : ''}`,
    );
  }
  if (notConnected.length)
    ev.push(`not counted here (no TCP connection, see TCP): ${notConnected.map(targetLabel).join(', ')}`);
  return layer('tls', bad.length ? 'FAIL' : 'OK', ev, remedies.join('; '));
}

function judgeHttp(a: HttpAnswer): { problem?: string; remedy?: string; line?: string } {
  if (a.status === undefined) {
    return {
      problem: `GET ${a.path}: ${a.error ?? 'no answer'}${a.detail ? ` (${a.detail})` : ''}`,
      remedy: 'the API server did not answer in time: it may be overloaded (kubectl airflow ha)',
    };
  }
  const msg = a.message ? `: ${a.message}` : a.gitVersion ? ` (${a.gitVersion})` : '';
  if (a.status === 401) {
    return {
      problem: `GET ${a.path} -> 401 Unauthorized: the API server rejects the pod's token`,
      remedy:
        'the token is revoked or expired (ServiceAccount deleted and recreated, or issuer/key rotated): recreate the pod to get a fresh token; check that the ServiceAccount still exists',
    };
  }
  if (a.status === 407)
    return {
      problem: `GET ${a.path} -> 407: a proxy answered, not the API server`,
      remedy: 'API traffic goes through a proxy: add the service IP, .svc and .cluster.local to NO_PROXY',
    };
  if (a.status === 403 && a.path.startsWith('/api/v1/namespaces/')) {
    // RBAC: the Permissions layer reports it with the SelfSubjectAccessReviews
    return { line: `GET ${a.path} -> ${a.status}${msg}` };
  }
  if (a.status === 403) {
    return {
      problem: `GET ${a.path} -> 403 Forbidden${msg}`,
      remedy:
        'the default discovery/health roles (system:public-info-viewer, system:discovery) were removed: restore them (kubectl auth reconcile)',
    };
  }
  if (a.status >= 500 || (a.path.startsWith('/readyz') && a.status !== 200)) {
    return {
      problem: `GET ${a.path} -> ${a.status}: the API server is not ready`,
      remedy: 'the API server reports itself unhealthy: kubectl airflow ha, and the API server logs',
    };
  }
  return { line: `GET ${a.path} -> ${a.status}${msg}` };
}

/**
 * HTTP + auth: the GETs on every path that completed TLS. An answer that could not be had because
 * the connection or the handshake failed belongs to TCP or TLS, not here. The same line from every
 * path is shown once; a line some paths gave and others not names the paths.
 */
export function httpLayer(doc: ProbeDoc): Layer {
  const paths = pathsOf(doc);
  let answers: Array<HttpAnswer & { via: string }>;
  let total = 1;
  const pathsSkipped = skipped(doc.paths);
  if (pathsSkipped) return layer('http', 'SKIP', [`not checked: ${pathsSkipped}`]);
  if (paths) {
    const withHttp = paths.filter((p) => Array.isArray(p.http));
    if (withHttp.length === 0) {
      const why =
        skipped(doc.http) ??
        (paths.some((p) => p.tls?.ok) ? 'no token' : 'TLS not verified on any path: the token is not sent');
      return layer('http', 'SKIP', [`not checked: ${why}`]);
    }
    total = withHttp.length;
    answers = withHttp.flatMap((p) =>
      (p.http ?? [])
        .filter((a) => a && !a.skipped && a.step !== 'tcp' && a.step !== 'tls')
        .map((a) => ({ ...a, via: targetLabel(p) })),
    );
  } else {
    const why = skipped(doc.http);
    if (why || !Array.isArray(doc.http)) return layer('http', 'SKIP', [`not checked: ${why ?? 'no data'}`]);
    answers = (doc.http as Array<HttpAnswer | null>)
      .filter((a): a is HttpAnswer => !!a)
      .map((a) => ({ ...a, via: 'service' }));
  }
  const problems = new Map<string, string[]>();
  const lines = new Map<string, string[]>();
  const remedies: string[] = [];
  for (const a of answers) {
    const j = judgeHttp(a);
    const key = j.problem ?? j.line ?? '';
    const into = j.problem ? problems : lines;
    into.set(key, [...(into.get(key) ?? []), a.via]);
    if (j.remedy && !remedies.includes(j.remedy)) remedies.push(j.remedy);
  }
  const where = (vias: string[]) => (total > 1 && vias.length < total ? ` [${vias.join(', ')}]` : '');
  const ev = [...[...problems].map(([k, v]) => `${k}${where(v)}`), ...[...lines].map(([k, v]) => `${k}${where(v)}`)];
  if (total > 1) ev.push(`asked through the service and at ${total - 1} endpoint(s) directly`);
  return layer('http', problems.size ? 'FAIL' : 'OK', ev, remedies.join('; '));
}

function accessName(a: AccessAnswer): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return `${a.verb} ${a.group ? `${res}.${a.group}` : res}`;
}

const nsLabel = (ns: string) => (ns === '' ? 'all namespaces (cluster-wide)' : ns);

const askKey = (a: AccessAnswer) => `${a.verb}|${a.group}|${a.resource}|${a.subresource ?? ''}|${a.namespace}`;

/**
 * One answer per permission from every path that asked it: the first path that got an answer (the
 * service first), else the first failure after the handshake; a review that never got past TCP or
 * TLS is not a Permissions finding. Replicas answering differently are named.
 */
function mergeAccess(doc: ProbeDoc): { answers: AccessAnswer[]; disagree: string[] } | { skipped: string } | undefined {
  const paths = pathsOf(doc);
  const pathsSkipped = skipped(doc.paths);
  if (pathsSkipped) return { skipped: pathsSkipped };
  if (!paths) {
    if (doc.access === undefined) return undefined;
    const why = skipped(doc.access);
    if (why || !Array.isArray(doc.access)) return { skipped: why ?? 'no data' };
    return { answers: doc.access as AccessAnswer[], disagree: [] };
  }
  const asked = paths.filter((p) => Array.isArray(p.access));
  // each permission asked once over any path (doctor): the answers stand apart from the paths
  if (asked.length === 0)
    return Array.isArray(doc.access) ? { answers: doc.access as AccessAnswer[], disagree: [] } : undefined;
  const order: string[] = [];
  const by = new Map<string, Array<AccessAnswer & { via: string }>>();
  for (const p of asked) {
    for (const a of p.access ?? []) {
      const k = askKey(a);
      if (!by.has(k)) {
        by.set(k, []);
        order.push(k);
      }
      by.get(k)!.push({ ...a, via: targetLabel(p) });
    }
  }
  const answers: AccessAnswer[] = [];
  const disagree: string[] = [];
  for (const k of order) {
    const all = by.get(k)!;
    const answered = all.filter((a) => a.allowed !== undefined);
    if (answered.length) {
      answers.push(answered[0]);
      const yes = answered.filter((a) => a.allowed).map((a) => a.via);
      const no = answered.filter((a) => !a.allowed).map((a) => a.via);
      if (yes.length && no.length)
        disagree.push(`${accessName(answered[0])}: allowed by ${yes.join(', ')}, denied by ${no.join(', ')}`);
      continue;
    }
    const failed = all.find((a) => !a.skipped && a.step !== 'tcp' && a.step !== 'tls') ?? all.find((a) => a.skipped);
    if (failed) answers.push(failed);
  }
  if (answers.length === 0) return { skipped: 'no review got past TCP/TLS on any path (see TCP, TLS)' };
  return { answers, disagree };
}

export function accessLayer(
  doc: ProbeDoc,
  sa: string,
  required?: ClusterFacts['required'],
  podNamespace?: string,
): Layer {
  const basis = required ? [required.basis] : [];
  if (required && required.asked === 0) return layer('access', 'OK', basis);
  const merged = mergeAccess(doc);
  if (merged === undefined) return layer('access', 'SKIP', [...basis, 'not checked: the HTTP layer did not run']);
  if ('skipped' in merged) return layer('access', 'SKIP', [...basis, `not checked: ${merged.skipped}`]);
  const answers = merged.answers;
  if (answers.length === 0) return layer('access', 'SKIP', [...basis, 'no permission asked']);
  const namespaces = [...new Set(answers.map((a) => a.namespace))];
  const allowed = answers.filter((a) => a.allowed === true);
  const optional = required?.optional ?? {};
  // a denial only an optional feature needs is said, naming the feature, but fails nothing
  const deniedOptional = answers.filter((a) => a.allowed === false && optional[askKey(a)]);
  const denied = answers.filter((a) => a.allowed === false && !optional[askKey(a)]);
  const failed = answers.filter((a) => a.allowed === undefined);
  const ev: string[] = [...basis];
  for (const ns of namespaces) {
    const d = denied.filter((a) => a.namespace === ns);
    if (d.length)
      ev.push(
        `with the pod's token in ${nsLabel(ns)}: denied ${d.map(accessName).join(', ')} (the pod's calls get 403 Forbidden)`,
      );
  }
  if (failed.length) {
    const why = (a: AccessAnswer) =>
      `${a.httpStatus ? `HTTP ${a.httpStatus}` : a.skipped ? `not asked: ${a.skipped}` : (a.error ?? 'error')}${a.message ? `: ${a.message}` : ''}`;
    const reasons = [...new Set(failed.map(why))];
    ev.push(
      reasons.length === 1
        ? `${failed.length === answers.length ? 'every review' : failed.map(accessName).join(', ')} not answered (${reasons[0]})`
        : `not answered: ${failed.map((a) => `${accessName(a)} (${why(a)})`).join(', ')}`,
    );
  }
  for (const ns of namespaces) {
    const ok = allowed.filter((a) => a.namespace === ns);
    if (ok.length)
      ev.push(`allowed${namespaces.length > 1 ? ` in ${nsLabel(ns)}` : ''}: ${ok.map(accessName).join(', ')}`);
  }
  for (const a of deniedOptional)
    ev.push(
      `WARN: denied ${accessName(a)} in ${nsLabel(a.namespace)}, needed only for: ${optional[askKey(a)].join('; ')}`,
    );
  for (const d of merged.disagree) ev.push(`API-server replicas disagree: ${d}`);
  if (denied.length) {
    const home = podNamespace ?? denied[0].namespace;
    const remedy =
      required?.remedy ??
      grantRemedy(
        { namespace: home, name: sa },
        [...new Set(denied.map((a) => a.namespace))],
        required?.profiles ?? [],
      );
    return {
      ...layer('access', 'FAIL', ev, remedy),
      finding: 'denied',
    };
  }
  if (failed.length) {
    const network = failed.every((a) => a.httpStatus === undefined);
    return {
      ...layer(
        'access',
        'FAIL',
        ev,
        network
          ? 'the reviews got no answer after the handshake: the API server did not answer in time (kubectl airflow ha)'
          : 'the SelfSubjectAccessReviews were rejected: see the HTTP layer',
      ),
      finding: 'not-answered',
    };
  }
  if (merged.disagree.length)
    return layer(
      'access',
      'FAIL',
      ev,
      'the API-server replicas authorize differently: compare their --authorization-mode/--authorization-config and webhook settings',
    );
  return layer('access', 'OK', ev);
}
