// `rbac`: the auth can-i matrix for Airflow's ServiceAccounts, with the reason and the fix.
// fetch (the release, the server's review answers, bindings to explain denials) -> decide (plan.ts,
// required.ts, matrix.ts, hints.ts) -> render (render.ts, fix.ts). runRbac is the entry the CLI
// and doctor call.
import type { LoadedRelease } from '../airflow/discover.ts';
import { apiNamespace, isClusterWide } from '../airflow/namespaces.ts';
import { builtinProfiles } from '../airflow/profiles.ts';
import { parseSaFlag, type Account } from '../airflow/release.ts';
import type { Debug } from '../base/debug.ts';
import { ExitCode } from '../base/exit-codes.ts';
import { fetchedValue } from '../base/fetched.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { listObjects } from '../kube/reads.ts';
import type { Palette } from '../render/colour.ts';
import { renderData } from '../render/data.ts';
import { isMachine, type OutputFormat } from '../render/output.ts';
import type { ReviewResult } from './ask.ts';
import { fixObjects, fixYaml } from './fix.ts';
import { rootCauseHints, type BindingLike, type Hint } from './hints.ts';
import { buildPermissions, permissionRecord, missingPermissions, summarize, type Summary } from './matrix.ts';
import { bindingNamespaces, namespacesToAsk, planForAccounts, planForRelease, releaseIsOptional, splitList, type Plan } from './plan.ts';
import { renderMatrix } from './render.ts';
import { cellsToAsk, matrixLayout, parseResource, requiredRules, uniqueAccounts, type Layout } from './required.ts';
import { cellKey, username, type Permission } from './types.ts';

export type { Plan } from './plan.ts';

export interface RbacOptions {
  release?: string;
  sa?: string[];
  profile?: string[];
  verbs?: string[];
  resources?: string[];
  /** Ask the server for the binding behind every required cell (-o wide/json/yaml). */
  wantReasons: boolean;
  debug: Debug;
}

/** The flags' own checks, before anything is asked. */
export function validateRbac(opts: Pick<RbacOptions, 'resources'>): void {
  splitList(opts.resources).forEach(parseResource);
}

async function plan(conn: Connection, opts: RbacOptions, preloaded?: LoadedRelease): Promise<Plan> {
  const namespace = conn.namespace;
  const all = builtinProfiles();
  const explicit = splitList(opts.profile);
  const { loadRelease } = await import('../airflow/discover.ts');
  if (opts.sa?.length) {
    const accounts = opts.sa.map((s) => parseSaFlag(s, namespace));
    let loaded: LoadedRelease | undefined;
    try {
      loaded = await loadRelease(conn, namespace, opts.release);
    } catch (e) {
      if (!releaseIsOptional(e, opts.release)) throw e;
      opts.debug(1, `no release context for --sa: ${(e as Error).message}`);
    }
    return planForAccounts({ namespace, accounts, all, explicit, loaded });
  }
  const loaded = preloaded ?? (await loadRelease(conn, namespace, opts.release));
  return planForRelease({ namespace, all, explicit, loaded });
}

/** Everything `rbac` decides, before rendering (doctor reuses it). */
export interface RbacResult {
  plan: Plan;
  accounts: Account[];
  askNamespaces: string[];
  layout: Layout;
  permissions: Permission[];
  summary: Summary;
  missing: Permission[];
  hints: Hint[];
  mode: ReviewResult['mode'];
}

/**
 * fetch -> decide for `rbac`, without printing (doctor runs the same layer). `preloaded`: a release
 * the caller already loaded, so it is not read twice.
 */
export async function runRbac(conn: Connection, opts: RbacOptions, preloaded?: LoadedRelease): Promise<RbacResult> {
  const p = await plan(conn, opts, preloaded);

  // decide what to ask
  const required = requiredRules({
    profiles: p.profiles,
    components: p.components,
    namespaces: p.namespaces,
    extraResources: splitList(opts.resources),
    extraVerbs: splitList(opts.verbs),
  });
  const layoutSource = required.length ? required : requiredRules({ profiles: builtinProfiles().filter((x) => x.name === 'kubernetes-pod-operator'), components: p.components.map((c) => ({ ...c, component: '*' })), namespaces: p.namespaces });
  const layout = matrixLayout(layoutSource);
  const accounts = uniqueAccounts(p.components);
  const askNamespaces = namespacesToAsk(p);
  const cells = cellsToAsk(accounts, askNamespaces, layout);
  const requiredKeys = new Set(required.map(cellKey));

  // fetch: the server's answers
  const { reviewCells } = await import('./ask.ts');
  const wantReasons = opts.wantReasons;
  const t0 = performance.now();
  const review = await reviewCells(conn, cells, {
    isRequired: (c) => requiredKeys.has(cellKey(c)),
    wantReason: () => wantReasons,
    debug: (m) => opts.debug(1, m),
  });
  opts.debug(1, `asked ${cells.length} cells with ${review.requests.rulesReviews} rules reviews, ${review.requests.accessReviews} access reviews, ${review.requests.subjectAccessReviews} subject access reviews in ${Math.round(performance.now() - t0)} ms (${conn.stats.retries} retries, at most ${conn.stats.maxInFlight} in flight)`);

  // decide
  const permissions = buildPermissions(cells, required, review.answers);
  const summary = summarize(permissions);
  const missing = missingPermissions(permissions);
  let bindings: BindingLike[] = [];
  if (missing.length) bindings = await readBindings(conn, askNamespaces, opts.debug);
  const hints = rootCauseHints({ permissions, components: p.components, bindings });
  return { plan: p, accounts, askNamespaces, layout, permissions, summary, missing, hints, mode: review.mode };
}

/** The machine-readable document of `rbac -o json|yaml`. */
export function rbacDocument(r: RbacResult, fix: boolean) {
  const p = r.plan;
  return {
    release: p.release ? { name: p.release.name, namespace: p.release.namespace, chart: p.release.chart } : null,
    executor: p.config?.executor.value ?? null,
    namespaces: p.namespaces.map(apiNamespace),
    askedNamespaces: r.askNamespaces.map(apiNamespace),
    profiles: p.profiles.map((x) => x.name),
    method: r.mode,
    accounts: r.accounts.map((a) => ({
      subject: username(a),
      components: p.components.filter((c) => c.account.namespace === a.namespace && c.account.name === a.name).map((c) => c.component),
    })),
    checks: r.permissions.map(permissionRecord),
    summary: r.summary,
    hints: r.hints.map((h) => ({ kind: h.kind, ...(h.account ? { subject: h.account } : {}), message: h.message })),
    ...(fix ? { fix: fixObjects(r.missing) } : {}),
  };
}

export interface RbacRendering {
  stdout: string;
  /** With --fix the matrix goes to stderr, so stdout carries only YAML that pipes into kubectl apply. */
  stderr: string;
}

export function renderRbac(r: RbacResult, view: { output: OutputFormat; fix: boolean; colour: Palette }): RbacRendering {
  const { plan: p, permissions, summary, missing, hints, layout, accounts } = r;
  if (isMachine(view.output)) return { stdout: renderData(rbacDocument(r, view.fix), view.output), stderr: '' };
  const header = [
    p.release
      ? `Airflow release ${p.release.name} (${p.release.chart} chart) in namespace ${p.release.namespace}, executor ${p.config?.executor.value ?? '?'}`
      : `ServiceAccounts ${accounts.map((a) => `${a.namespace}/${a.name}`).join(', ')}`,
    `Required in ${p.namespaces.map((n) => (isClusterWide(n) ? 'all namespaces (cluster-wide)' : n)).join(', ')}; profiles: ${p.profiles.map((x) => x.name).join(', ') || 'none'}` +
      (r.mode === 'subject-access-review' ? '; asked with SubjectAccessReview (impersonation not allowed)' : ''),
  ];
  const text = renderMatrix({ permissions, layout, components: p.components, summary, hints, wide: view.output === 'wide', colour: view.colour, header, fixFooter: !view.fix });
  if (!view.fix) return { stdout: text, stderr: '' };
  return { stdout: fixYaml(missing, hints.filter((h) => h.kind !== 'exec-get-only').map((h) => h.message)), stderr: text };
}

export function rbacExitCode(r: RbacResult): number {
  return r.missing.length ? ExitCode.PROBLEMS : ExitCode.OK;
}

/** RoleBindings (and ClusterRoleBindings) only to explain denials; never to decide. */
async function readBindings(conn: Connection, namespaces: string[], debug: Debug): Promise<BindingLike[]> {
  const read = async (kind: 'RoleBinding' | 'ClusterRoleBinding', namespace?: string) => {
    const f = await fetched(listObjects<BindingLike>(conn, kind === 'RoleBinding' ? 'rolebindings' : 'clusterrolebindings', { namespace }));
    if (!f.ok) debug(1, `cannot list ${kind}s${namespace ? ` in ${namespace}` : ''} for hints: ${f.message}`);
    return (fetchedValue(f) ?? []).map((b) => ({ ...b, kind }));
  };
  const lists = await Promise.all([...bindingNamespaces(namespaces).map((n) => read('RoleBinding', n)), read('ClusterRoleBinding')]);
  return lists.flat();
}
