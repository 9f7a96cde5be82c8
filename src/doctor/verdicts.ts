// One verdict per layer from the result of the command that owns the layer. Pure: the commands'
// own decisions (net's layers, ha's checks, rbac's summary, config's findings) are taken as they
// are; this only says which of them make the layer OK, WARN, FAIL or SKIP, in one line.
import { accountRemedies } from '../rbac/remedy.ts';
import type { ContainerConfig } from '../config/analyze.ts';
import type { Check as HaCheck } from '../ha/model.ts';
import type { Layer as NetLayer, NetReport } from '../net/model.ts';
import type { Hint } from '../rbac/hints.ts';
import type { Summary } from '../rbac/matrix.ts';
import { resourceLabel, type Permission } from '../rbac/types.ts';
import type { LayerId, LayerResult, Verdict } from './model.ts';
import { isClusterWide } from '../airflow/namespaces.ts';

const more = (n: number) => (n > 0 ? ` (+${n} more)` : '');

export function skipped(id: LayerId, reason: string, remedy?: string): LayerResult {
  return { id, verdict: 'SKIP', summary: reason, ...(remedy ? { remedy } : {}) };
}

// ---- 1. cluster access ----

export interface ClusterAccess {
  server: string;
  context: string;
  /** /version gitVersion. */
  version?: string;
  /** From the SelfSubjectReview; undefined when the server does not serve it (a default server before 1.28). */
  user?: { username: string; groups?: string[] };
}

export function clusterLayer(a: ClusterAccess): LayerResult {
  const who = a.user
    ? `authenticated as ${a.user.username}${a.user.groups?.length ? ` (${a.user.groups.filter((g) => g !== 'system:authenticated').join(', ') || 'system:authenticated'})` : ''}`
    : 'authenticated (SelfSubjectReview not served: user unknown)';
  return {
    id: 'cluster',
    verdict: 'OK',
    summary: `${a.server} (${a.version ?? 'version unknown'}), context ${a.context}, ${who}`,
    result: a,
  };
}

// ---- 2. release ----

export interface ReleaseView {
  name: string;
  namespace: string;
  chart: string;
  executor?: string;
  components: string[];
  pods: number;
  runningPods: number;
  warnings: string[];
}

export function releaseLayer(r: ReleaseView): LayerResult {
  const summary = `${r.name} (${r.chart} chart) in ${r.namespace}, executor ${r.executor ?? '?'}, ${r.runningPods}/${r.pods} pods running`;
  if (r.warnings.length) {
    return {
      id: 'release',
      verdict: 'WARN',
      summary: `${summary}; ${r.warnings[0]}${more(r.warnings.length - 1)}`,
      remedy: 'Grant read access to the objects named, or results of later layers may be partial.',
      result: r,
    };
  }
  return { id: 'release', verdict: 'OK', summary, result: r };
}

/** No Airflow release in the namespace: nothing below it can be checked for a release. */
export function noReleaseLayer(message: string): LayerResult {
  return {
    id: 'release',
    verdict: 'FAIL',
    summary: message,
    remedy: 'Point doctor at the namespace Airflow runs in (-n NAMESPACE), and --release NAME if it holds several.',
  };
}

// ---- 3. Airflow's client config ----

export interface ConfigResult {
  release: string;
  namespace: string;
  chart: string;
  pods: ContainerConfig[];
}

export function configLayer(r: ConfigResult): LayerResult {
  if (r.pods.length === 0)
    return { id: 'config', verdict: 'SKIP', summary: `no running pods of release ${r.release} to inspect`, result: r };
  const all = r.pods.flatMap((c) => c.findings.map((f) => ({ ...f, where: `${c.pod}/${c.container}` })));
  for (const sev of ['error', 'warning'] as const) {
    const fs = all.filter((f) => f.severity === sev);
    if (!fs.length) continue;
    const f = fs[0];
    return {
      id: 'config',
      verdict: sev === 'error' ? 'FAIL' : 'WARN',
      summary: `${f.where}: ${f.message}${more(fs.length - 1)}`,
      ...(f.remedy ? { remedy: f.remedy } : {}),
      result: r,
    };
  }
  const inCluster = [...new Set(r.pods.map((c) => c.settings.in_cluster.value ?? '?'))].join('/');
  return {
    id: 'config',
    verdict: 'OK',
    summary: `${r.pods.length} Airflow containers checked, in_cluster ${inCluster}, no problem found`,
    result: r,
  };
}

// ---- 4. network from one pod ----

/** The net layers a request from the pod crosses before the API server authorizes anything. */
const PATH: ReadonlyArray<NetLayer['id']> = ['env', 'files', 'dns', 'tcp', 'tls', 'http', 'policy', 'remote'];
/** Needed for Airflow's in-cluster client, which connects to KUBERNETES_SERVICE_HOST by IP. */
const BY_IP: ReadonlyArray<NetLayer['id']> = ['env', 'files', 'tcp', 'tls', 'http'];

export function networkLayer(r: NetReport, document: unknown, component?: string): LayerResult {
  const from = `pod ${r.pod}${component ? ` (${component})` : ''}`;
  if (r.error) return { id: 'network', verdict: 'SKIP', summary: `${from} not probed: ${r.error}`, result: document };
  const by = (id: NetLayer['id']) => r.layers.find((l) => l.id === id);
  const failing = PATH.map(by).filter((l): l is NetLayer => l?.verdict === 'FAIL');
  // DNS alone failing: Airflow's in-cluster client uses the Service IP from the env, so it still
  // works; other clients (kubernetes.default.svc in a kubeconfig) do not. A warning, not the cause.
  const dnsOnly = failing.length === 1 && failing[0].id === 'dns' && BY_IP.every((id) => by(id)?.verdict === 'OK');
  if (failing.length && !dnsOnly) {
    const f = failing[0];
    return {
      id: 'network',
      verdict: 'FAIL',
      summary: `${from}: ${f.title} fails: ${f.evidence[0] ?? ''}`.replace(/: $/, ''),
      ...(f.remedy ? { remedy: f.remedy } : {}),
      result: document,
    };
  }
  if (dnsOnly) {
    const d = failing[0];
    return {
      id: 'network',
      verdict: 'WARN',
      summary: `${from}: DNS fails (${d.evidence[0] ?? ''}), the Service IP works: Airflow's in-cluster client connects`,
      ...(d.remedy ? { remedy: d.remedy } : {}),
      result: document,
    };
  }
  // a kubeconfig Airflow loads that the probe could not check (probe.sh, --debug-image) is unchecked too
  const remote = by('remote');
  const unchecked = [
    ...BY_IP.map(by).filter((l) => !l || l.verdict === 'SKIP'),
    ...(remote?.verdict === 'SKIP' ? [remote] : []),
  ];
  if (unchecked.length) {
    const tools = r.missingTools?.length ? ` (not in the image: ${r.missingTools.join(', ')})` : '';
    return {
      id: 'network',
      verdict: 'WARN',
      summary: `${from}: nothing failed, but not checked: ${unchecked.map((l, i) => l?.title ?? BY_IP[i]).join(', ')}${tools}`,
      result: document,
    };
  }
  // The probe's own permission check (SSAR with the pod's token) belongs to the RBAC layer.
  const access = by('access');
  // worded by what happened: reviews answered "no", or reviews the API server never answered
  const note =
    access?.verdict !== 'FAIL'
      ? ''
      : access.finding === 'not-answered'
        ? `; its permission reviews were not answered (${access.evidence.find((e) => e.includes('not answered')) ?? 'see net'})`
        : '; its token lacks permissions (see RBAC)';
  return {
    id: 'network',
    verdict: 'OK',
    summary: `${from} reaches the API server (Service env, token, TCP, TLS, authenticated call)${remote ? ' and the remote cluster its kubeconfig names' : ''}${note}`,
    result: document,
  };
}

// ---- 5. API-server HA ----

export function haLayer(checks: HaCheck[], endpoints: number, platform: string, document: unknown): LayerResult {
  const verdict: Verdict = checks.some((c) => c.verdict === 'FAIL')
    ? 'FAIL'
    : checks.some((c) => c.verdict === 'WARN')
      ? 'WARN'
      : checks.some((c) => c.verdict === 'OK')
        ? 'OK'
        : 'SKIP';
  const bad = checks.filter((c) => c.verdict === verdict && verdict !== 'OK');
  if (bad.length) {
    const c = bad[0];
    return {
      id: 'ha',
      verdict,
      summary: `${c.title}: ${c.evidence[0] ?? c.verdict}${more(bad.length - 1)}`,
      ...(c.remedy ? { remedy: c.remedy } : {}),
      result: document,
    };
  }
  const skip = checks.filter((c) => c.verdict === 'SKIP').length;
  const eps =
    endpoints === 0 && skip
      ? 'API-server endpoints not readable'
      : `${endpoints} API-server endpoint${endpoints === 1 ? '' : 's'} (${platform})`;
  return {
    id: 'ha',
    verdict,
    summary: `${eps}, ${checks.length - skip} checks OK${skip ? `, ${skip} skipped (not readable)` : ''}`,
    result: document,
  };
}

// ---- 6. RBAC ----

export interface RbacView {
  summary: Summary;
  missing: Permission[];
  hints: Hint[];
}

const shortAccount = (a: { namespace: string; name: string }) => `${a.namespace}/${a.name}`;

export function rbacLayer(v: RbacView, document: unknown): LayerResult {
  const s = v.summary;
  if (s.missing === 0 && s.warnings) {
    return {
      id: 'rbac',
      verdict: 'WARN',
      summary: `${s.required} required permissions granted; ${s.warnings} permission${s.warnings === 1 ? '' : 's'} for optional features missing (kubectl airflow rbac names them)`,
      remedy: v.hints[0]?.message ?? 'Grant them if the features are used (the Role and RoleBinding --fix prints).',
      result: document,
    };
  }
  if (s.missing === 0) {
    return {
      id: 'rbac',
      verdict: 'OK',
      summary: `${s.required} required permissions granted to ${s.accounts} ServiceAccount${s.accounts === 1 ? '' : 's'} in ${s.namespaces} namespace${s.namespaces === 1 ? '' : 's'}`,
      result: document,
    };
  }
  const m = v.missing[0];
  const first = `${shortAccount(m.account)} cannot ${m.verb} ${resourceLabel(m)}${isClusterWide(m.namespace) ? ' cluster-wide' : ` in ${m.namespace}`}`;
  return {
    id: 'rbac',
    verdict: 'FAIL',
    summary: `${s.missing} of ${s.required} required permissions missing: ${first}${more(s.missing - 1)}`,
    // the first failing account's remedy, the same text rbac and net give for its cause
    remedy: v.hints[0]?.message ?? accountRemedies(v.missing, () => undefined)[0],
    result: document,
  };
}

// ---- 7. admission ----

/** admission's own summary (src/admission/layer.ts) as the layer: the server's words and the fix. */
export function admissionLayer(
  a: { verdict: Verdict; summary: string; remedy?: string; unasked: boolean },
  document: unknown,
): LayerResult {
  return {
    id: 'admission',
    verdict: a.verdict,
    summary: a.summary,
    ...(a.remedy && a.verdict !== 'OK' ? { remedy: a.remedy } : {}),
    ...(a.verdict === 'SKIP' ? {} : { result: document }),
    ...(a.unasked ? { unasked: true } : {}),
  };
}
