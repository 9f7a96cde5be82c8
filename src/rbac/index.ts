// `rbac`: the auth can-i matrix for Airflow's ServiceAccounts, with the reason and the fix.
// fetch (the release, the server's review answers, bindings to explain denials) -> decide (plan.ts,
// required.ts, matrix.ts, hints.ts) -> render (render.ts, fix.ts). runRbac is the entry the CLI
// and doctor call.
import type { LoadedRelease } from '../airflow/discover.ts';
import { apiNamespace, isClusterWide } from '../airflow/namespaces.ts';
import { launchNamespaceFinding } from '../airflow/clients.ts';
import { launchNamespaces } from '../airflow/airflow-cfg.ts';
import { builtinRequirements } from '../airflow/requirements.ts';
import { versionsLine } from '../airflow/versions.ts';
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
import { misboundSubjects, type MisboundSubject } from './remedy.ts';
import type { PolicyRule } from '../airflow/profiles.ts';
import { danglingRefs, rootCauseHints, type BindingLike, type DanglingRef, type Hint } from './hints.ts';
import {
  buildPermissions,
  permissionRecord,
  missingPermissions,
  summarize,
  warningPermissions,
  type Summary,
} from './matrix.ts';
import {
  bindingNamespaces,
  namespacesToAsk,
  planForAccounts,
  planForRelease,
  releaseIsOptional,
  splitList,
  UNKNOWN_VERSIONS,
  type Plan,
} from './plan.ts';
import { renderMatrix } from './render.ts';
import { cellsToAsk, matrixLayout, modelRequired, parseResource, uniqueAccounts, type Layout } from './required.ts';
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
  const all = builtinRequirements();
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
  const loaded =
    preloaded ??
    (await loadRelease(conn, namespace, opts.release).catch(async (e: unknown) => {
      // the release's own advice names -n; rbac alone has another way out
      const { NoReleaseError } = await import('../airflow/release.ts');
      throw e instanceof NoReleaseError ? e.or('--sa NS:NAME') : e;
    }));
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
  /** Denied cells an optional feature needs, or that the unknown version may need: WARN. */
  warnings: Permission[];
  hints: Hint[];
  dangling: DanglingRef[];
  /** Bindings naming a failing account in another namespace: --fix corrects them. */
  misbound: MisboundSubject[];
  /** Rows the detected versions do not make (said, so nobody wonders why they are not asked). */
  skipped: Array<{ row: string; why: string }>;
  mode: ReviewResult['mode'];
}

/**
 * fetch -> decide for `rbac`, without printing (doctor runs the same layer). `preloaded`: a release
 * the caller already loaded, so it is not read twice.
 */
export async function runRbac(conn: Connection, opts: RbacOptions, preloaded?: LoadedRelease): Promise<RbacResult> {
  const p = await plan(conn, opts, preloaded);

  // decide what to ask
  const model = modelRequired({
    rows: p.rows,
    executors: p.config?.executors ?? [],
    versions: p.versions,
    components: p.components,
    namespaces: p.namespaces,
    extraResources: splitList(opts.resources),
    extraVerbs: splitList(opts.verbs),
  });
  const required = model.cells;
  const fallback = () =>
    modelRequired({
      rows: builtinRequirements().filter((x) => x.profile === 'kubernetes-pod-operator'),
      executors: [],
      versions: UNKNOWN_VERSIONS,
      components: p.components.map((c) => ({ ...c, component: '*' })),
      namespaces: p.namespaces,
    }).cells;
  const layoutSource = required.length ? required : fallback();
  const layout = matrixLayout(layoutSource);
  const accounts = uniqueAccounts(p.components);
  const askNamespaces = namespacesToAsk(p);
  const cells = cellsToAsk(accounts, askNamespaces, layout);
  // only a denial that matters (required, or an optional feature's) is confirmed by an access review
  const requiredKeys = new Set(required.filter((c) => c.level !== 'unused').map(cellKey));

  // fetch: the server's answers
  const { reviewCells } = await import('./ask.ts');
  const wantReasons = opts.wantReasons;
  const t0 = performance.now();
  // the bindings explain denials: read beside the confirmations of likely ones, not after them
  let bindingsRead: Promise<BindingsRead> | undefined;
  const bindingsOnce = () => {
    if (!bindingsRead) {
      bindingsRead = readBindings(conn, askNamespaces, opts.debug);
      bindingsRead.catch(() => undefined); // awaited below when something is missing; else moot
    }
    return bindingsRead;
  };
  const review = await reviewCells(conn, cells, {
    isRequired: (c) => requiredKeys.has(cellKey(c)),
    wantReason: () => wantReasons,
    debug: (m) => opts.debug(1, m),
    onRequiredDenial: () => void bindingsOnce(),
  });
  opts.debug(
    1,
    `asked ${cells.length} cells with ${review.requests.rulesReviews} rules reviews, ${review.requests.accessReviews} access reviews, ${review.requests.subjectAccessReviews} subject access reviews in ${Math.round(performance.now() - t0)} ms (${conn.stats.retries} retries, at most ${conn.stats.maxInFlight} in flight)`,
  );

  // decide
  const permissions = buildPermissions(cells, required, review.answers);
  const summary = summarize(permissions);
  const missing = missingPermissions(permissions);
  const warned = warningPermissions(permissions);
  let bindings: BindingLike[] = [];
  let dangling: DanglingRef[] = [];
  let misbound: MisboundSubject[] = [];
  if (missing.length || warned.length) {
    const read = await bindingsOnce();
    bindings = read.bindings;
    const failing = uniqueAccounts(
      [...missing, ...warned].map((c) => ({ component: '*', account: c.account, source: '', automount: true })),
    );
    dangling = danglingRefs(bindings, failing, read.roleExists);
    misbound = misboundSubjects(bindings, failing, read.roleRules);
  }
  const hints = rootCauseHints({
    permissions,
    components: p.components,
    bindings,
    dangling,
    misbound,
    launch: launchCause(p),
  });
  return {
    plan: p,
    accounts,
    askNamespaces,
    layout,
    permissions,
    summary,
    missing,
    warnings: warned,
    hints,
    dangling,
    misbound,
    skipped: model.skipped,
    mode: review.mode,
  };
}

/** The executor's launch namespace, when it is not where the release and its accounts live. */
function launchCause(p: Plan): { namespace: string; message: string; remedy: string } | undefined {
  if (!p.release || !p.config) return undefined;
  const worker = p.components.find(
    (c) => c.component === 'worker' && !c.source.startsWith('pod/') && c.account.namespace !== p.release!.namespace,
  );
  const f = launchNamespaceFinding({
    config: p.config,
    releaseNamespace: p.release.namespace,
    airflowVersion: p.versions.airflow.value,
    worker: worker && { name: worker.account.name },
  });
  const [launch] = launchNamespaces(p.config, p.release.namespace);
  return f && { namespace: launch, message: f.message, remedy: f.remedy };
}

/** What --fix grants: every denied cell Airflow needs, required or for an optional feature. */
export function fixCells(r: Pick<RbacResult, 'missing' | 'warnings'>): Permission[] {
  return [...r.missing, ...r.warnings];
}

/** The machine-readable document of `rbac -o json|yaml`. */
export function rbacDocument(r: RbacResult, fix: boolean) {
  const p = r.plan;
  return {
    release: p.release ? { name: p.release.name, namespace: p.release.namespace, chart: p.release.chart } : null,
    executor: p.config?.executor.value ?? null,
    versions: {
      airflow: { version: p.versions.airflow.value ?? null, source: p.versions.airflow.source },
      chart: { version: p.versions.chart.value ?? null, source: p.versions.chart.source },
      provider: { version: p.versions.provider.value ?? null, source: p.versions.provider.source },
    },
    namespaces: p.namespaces.map(apiNamespace),
    askedNamespaces: r.askNamespaces.map(apiNamespace),
    profiles: p.profiles.map((x) => x.name),
    method: r.mode,
    accounts: r.accounts.map((a) => ({
      subject: username(a),
      components: p.components
        .filter((c) => c.account.namespace === a.namespace && c.account.name === a.name)
        .map((c) => c.component),
      sources: p.components
        .filter((c) => c.account.namespace === a.namespace && c.account.name === a.name)
        .map((c) => c.source),
    })),
    skipped: r.skipped,
    checks: r.permissions.map(permissionRecord),
    summary: r.summary,
    hints: r.hints.map((h) => ({ kind: h.kind, ...(h.account ? { subject: h.account } : {}), message: h.message })),
    ...(fix ? { fix: fixObjects(fixCells(r), r.dangling, r.misbound) } : {}),
  };
}

export interface RbacRendering {
  stdout: string;
  /** With --fix the matrix goes to stderr, so stdout carries only YAML that pipes into kubectl apply. */
  stderr: string;
}

export function renderRbac(
  r: RbacResult,
  view: { output: OutputFormat; fix: boolean; colour: Palette },
): RbacRendering {
  const { plan: p, permissions, summary, hints, layout, accounts } = r;
  if (isMachine(view.output)) return { stdout: renderData(rbacDocument(r, view.fix), view.output), stderr: '' };
  const header = [
    p.release
      ? `Airflow release ${p.release.name} (${p.release.chart} chart) in namespace ${p.release.namespace}, executor ${p.config?.executor.value ?? '?'}`
      : `ServiceAccounts ${accounts.map((a) => `${a.namespace}/${a.name}`).join(', ')}`,
    `${versionsLine(p.versions)}${p.versions.airflow.value ? '' : ` (${p.versions.airflow.source})`}`,
    `Required in ${p.namespaces.map((n) => (isClusterWide(n) ? 'all namespaces (cluster-wide)' : n)).join(', ')}; profiles: ${p.profiles.map((x) => x.name).join(', ') || 'none'}` +
      (r.mode === 'subject-access-review' ? '; asked with SubjectAccessReview (impersonation not allowed)' : ''),
    ...(p.worker ? [`Worker pods will run as ${p.worker.namespace}/${p.worker.name} (${p.worker.source})`] : []),
  ];
  const text = renderMatrix({
    permissions,
    layout,
    components: p.components,
    summary,
    hints,
    wide: view.output === 'wide',
    colour: view.colour,
    header,
    fixFooter: !view.fix,
    skipped: r.skipped,
  });
  if (!view.fix) return { stdout: text, stderr: '' };
  return {
    stdout: fixYaml(
      fixCells(r),
      hints
        .filter((h) => !['exec-get-only', 'dangling-role-ref', 'bound-in-other-namespace'].includes(h.kind))
        .map((h) => h.message),
      r.dangling,
      r.misbound,
    ),
    stderr: text,
  };
}

export function rbacExitCode(r: RbacResult): number {
  return r.missing.length ? ExitCode.PROBLEMS : ExitCode.OK;
}

interface BindingsRead {
  bindings: BindingLike[];
  /** Whether a role a binding names exists: undefined where its list could not be read. */
  roleExists: (kind: string, name: string, namespace?: string) => boolean | undefined;
  /** The rules of a role, where its list could be read. */
  roleRules: (kind: string, name: string, namespace?: string) => PolicyRule[] | undefined;
}

/**
 * RoleBindings (and ClusterRoleBindings) only to explain denials, never to decide; the Roles and
 * ClusterRoles in the same wave, so a dangling roleRef costs no round trip of its own.
 */
async function readBindings(conn: Connection, namespaces: string[], debug: Debug): Promise<BindingsRead> {
  const list = async <T>(
    resource: 'rolebindings' | 'clusterrolebindings' | 'roles' | 'clusterroles',
    namespace?: string,
  ) => {
    const f = await fetched(listObjects<T>(conn, resource, { namespace }));
    if (!f.ok) debug(1, `cannot list ${resource}${namespace ? ` in ${namespace}` : ''} for hints: ${f.message}`);
    return fetchedValue(f);
  };
  const nss = bindingNamespaces(namespaces);
  type Named = { metadata: { name: string }; rules?: PolicyRule[] | null };
  const [roleBindings, clusterRoleBindings, roles, clusterRoles] = await Promise.all([
    Promise.all(nss.map((n) => list<BindingLike>('rolebindings', n))),
    list<BindingLike>('clusterrolebindings'),
    Promise.all(nss.map((n) => list<Named>('roles', n))),
    list<Named>('clusterroles'),
  ]);
  const bindings = [
    ...roleBindings.flatMap((l) => (l ?? []).map((b) => ({ ...b, kind: 'RoleBinding' }))),
    ...(clusterRoleBindings ?? []).map((b) => ({ ...b, kind: 'ClusterRoleBinding' })),
  ];
  const roleNames = new Map(nss.map((n, i) => [n, roles[i] && new Set(roles[i].map((r) => r.metadata.name))]));
  const clusterRoleNames = clusterRoles && new Set(clusterRoles.map((r) => r.metadata.name));
  const roleExists = (kind: string, name: string, namespace?: string) => {
    const names = kind === 'ClusterRole' ? clusterRoleNames : roleNames.get(namespace ?? '');
    return names ? names.has(name) : undefined;
  };
  const roleRules = (kind: string, name: string, namespace?: string) => {
    const list = kind === 'ClusterRole' ? clusterRoles : roles[nss.indexOf(namespace ?? '')];
    const role = list?.find((r) => r.metadata.name === name);
    return role ? (role.rules ?? []) : undefined;
  };
  return { bindings, roleExists, roleRules };
}
