// `kubectl airflow rbac` (issue 3): the auth can-i matrix for Airflow's ServiceAccounts, with the
// reason and the fix. options -> complete -> validate -> run; run is fetch -> decide -> render.
import type { Argv } from 'yargs';
import { defineCommand, type GlobalArgs, type RunContext } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { ClusterError, UsageError } from '../kube/errors.ts';
import { isMachine, renderData } from '../render/output.ts';
import { launchNamespaces, type AirflowConfig } from '../airflow/config.ts';
import { builtinRequirements, chooseRows, rowComponents, UnknownProfile, type RequirementRow } from '../airflow/requirements.ts';
import { versionsLine, type Versions } from '../airflow/versions.ts';
import { launchNamespaceFinding } from '../airflow/clients.ts';
import { parseSaFlag, type Account, type ComponentAccount, type Release } from '../airflow/release.ts';
import type { LoadedRelease } from '../airflow/discover.ts';
import type { ReviewResult } from '../kube/access-review.ts';
import { cellsToAsk, componentsToCheck, matrixLayout, modelRequired, parseResource, uniqueAccounts, type Layout } from '../rbac/required.ts';
import { buildChecks, checkRecord, missingChecks, summarize, warningChecks, type Summary } from '../rbac/matrix.ts';
import { bindsAccount, danglingRefs, rootCauseHints, type BindingLike, type DanglingRef, type Hint } from '../rbac/hints.ts';
import { fixObjects, fixYaml } from '../rbac/fix.ts';
import { renderMatrix } from '../rbac/render.ts';
import { cellKey, username, type Check } from '../rbac/types.ts';

export interface RbacArgs {
  release?: string;
  sa?: string[];
  profile?: string[];
  verbs?: string[];
  resources?: string[];
  fix: boolean;
}

/** With --sa and no --profile: what an Airflow account that launches pods needs. */
const SA_DEFAULT_PROFILES = ['kubernetes-pod-operator'];

const splitList = (v: string[] | undefined) => (v ?? []).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean);

function builder(y: Argv): Argv {
  return y
    .option('release', { type: 'string', requiresArg: true, describe: 'Airflow release (Helm release name) when the namespace has several' })
    .option('sa', { type: 'string', array: true, requiresArg: true, describe: 'Check this ServiceAccount (NAMESPACE:NAME, repeatable) instead of the release\'s' })
    .option('profile', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: `Required-permission profiles to check (repeatable): ${[...new Set(builtinRequirements().map((r) => r.profile))].join(', ')}`,
    })
    .option('verbs', { type: 'string', array: true, requiresArg: true, describe: 'Extra required verbs (comma-separated or repeated)' })
    .option('resources', { type: 'string', array: true, requiresArg: true, describe: 'Extra required resources: RESOURCE[.GROUP][/SUBRESOURCE]' })
    .option('fix', { type: 'boolean', default: false, describe: 'Print a least-privilege Role + RoleBinding granting exactly what is missing (YAML on stdout)' })
    .example('$0 rbac -n airflow', 'Matrix for the release in namespace airflow')
    .example('$0 rbac -o wide', 'Also show the RoleBinding that grants each required cell')
    .example('$0 rbac --fix | kubectl apply -f -', 'Grant exactly the missing permissions')
    .example('$0 rbac --sa airflow:airflow-worker --profile kubernetes-pod-operator', 'Check one account against one profile');
}

export interface Plan {
  namespace: string;
  release?: Release;
  config?: AirflowConfig;
  /** The requirement rows chosen (before the version filter), and their profile names. */
  rows: RequirementRow[];
  profiles: Array<{ name: string }>;
  versions: Versions;
  components: ComponentAccount[];
  /** The account KubernetesExecutor worker pods will run as, and where that was read. */
  worker?: { namespace: string; name: string; source: string };
  namespaces: string[];
  warnings: string[];
}

const UNKNOWN_VERSIONS: Versions = {
  airflow: { source: 'unknown: no release read; rules for every Airflow version were applied' },
  chart: { source: 'unknown: no release read' },
  provider: { source: 'unknown' },
};

function chosenRows(all: RequirementRow[], input: Parameters<typeof chooseRows>[1]): RequirementRow[] {
  try {
    return chooseRows(all, input);
  } catch (e) {
    if (e instanceof UnknownProfile) throw new UsageError(e.message);
    throw e;
  }
}

const profileNames = (rows: RequirementRow[]) => [...new Set(rows.map((r) => r.profile))].map((name) => ({ name }));

/** The executors that launch worker pods from the pod template. */
const launchesPods = (executors: string[]) => executors.some((e) => ['KubernetesExecutor', 'CeleryKubernetesExecutor', 'LocalKubernetesExecutor'].includes(e));

/**
 * The accounts that will run Airflow code: the release's components, and the KubernetesExecutor's
 * worker account (pod template or worker_service_account_name) even while no worker pod runs.
 */
export function withWorkerAccount(components: ComponentAccount[], loaded: Pick<LoadedRelease, 'workerAccount' | 'config'>): ComponentAccount[] {
  const w = loaded.workerAccount;
  if (!w) return components;
  if (!launchesPods(loaded.config.executors)) return components;
  if (components.some((c) => c.component === 'worker' && c.account.name === w.name && c.account.namespace === w.namespace)) return components;
  return [...components, { component: 'worker', account: { namespace: w.namespace, name: w.name }, source: w.source, automount: w.automount ?? true }];
}

async function plan(args: RbacArgs & GlobalArgs, ctx: RunContext, preloaded?: LoadedRelease): Promise<Plan> {
  const conn = await ctx.connect();
  const namespace = conn.namespace;
  const all = builtinRequirements();
  const explicit = splitList(args.profile);
  const { loadRelease } = await import('../airflow/discover.ts');
  if (args.sa?.length) {
    const accounts = args.sa.map((s) => parseSaFlag(s, namespace));
    // the release (when there is exactly one, or --release) still says where Airflow launches pods
    let loaded: Awaited<ReturnType<typeof loadRelease>> | undefined;
    try {
      loaded = await loadRelease(conn, namespace, args.release);
    } catch (e) {
      // no (single) release here, or we may not list pods: the given accounts are still checked
      const partial = e instanceof UsageError || (e instanceof ClusterError && e.kind === 'forbidden');
      if (!partial || args.release) throw e;
      ctx.debug(1, `no release context for --sa: ${(e as Error).message}`);
    }
    const rows = chosenRows(all, { executors: [], deployed: [], explicit: explicit.length ? explicit : SA_DEFAULT_PROFILES });
    const namespaces = loaded ? launchNamespaces(loaded.config, namespace) : [...new Set(accounts.map((a) => a.namespace))];
    return {
      namespace,
      release: loaded?.release,
      config: loaded?.config,
      rows,
      profiles: profileNames(rows),
      versions: loaded?.versions ?? UNKNOWN_VERSIONS,
      components: accounts.map((account) => ({ component: '*', account, source: '--sa', automount: true })),
      namespaces,
      warnings: loaded?.warnings ?? [],
    };
  }
  const loaded = preloaded ?? (await loadRelease(conn, namespace, args.release));
  const { release, config, warnings } = loaded;
  const components = withWorkerAccount(release.components, loaded);
  const worker = launchesPods(config.executors) ? loaded.workerAccount : undefined;
  const deployed = [...new Set(components.map((c) => c.component))];
  const rows = chosenRows(all, { executors: config.executors, deployed, explicit });
  const named = [...new Set(rows.flatMap((r) => rowComponents(r, config.executors)))];
  return {
    namespace,
    release,
    config,
    rows,
    profiles: profileNames(rows),
    versions: loaded.versions,
    components: componentsToCheck(components, named),
    ...(worker ? { worker } : {}),
    namespaces: launchNamespaces(config, release.namespace),
    warnings,
  };
}

/** Everything `rbac` decides, before rendering (doctor reuses it). */
export interface RbacResult {
  plan: Plan;
  accounts: Account[];
  askNamespaces: string[];
  layout: Layout;
  checks: Check[];
  summary: Summary;
  missing: Check[];
  /** Denied cells an optional feature needs, or that the unknown version may need: WARN. */
  warnings: Check[];
  hints: Hint[];
  dangling: DanglingRef[];
  /** Rows the detected versions do not make (said, so nobody wonders why they are not asked). */
  skipped: Array<{ row: string; why: string }>;
  mode: ReviewResult['mode'];
}

/**
 * fetch -> decide for `rbac`, without printing (doctor runs the same layer). `preloaded`: a release
 * the caller already loaded, so it is not read twice.
 */
export async function collectRbac(args: RbacArgs & GlobalArgs, ctx: RunContext, preloaded?: LoadedRelease): Promise<RbacResult> {
  const conn = await ctx.connect();
  const p = await plan(args, ctx, preloaded);

  // decide what to ask
  const model = modelRequired({
    rows: p.rows,
    executors: p.config?.executors ?? [],
    versions: p.versions,
    components: p.components,
    namespaces: p.namespaces,
    extraResources: splitList(args.resources),
    extraVerbs: splitList(args.verbs),
  });
  const required = model.cells;
  const fallback = () =>
    modelRequired({ rows: builtinRequirements().filter((x) => x.profile === 'kubernetes-pod-operator'), executors: [], versions: UNKNOWN_VERSIONS, components: p.components.map((c) => ({ ...c, component: '*' })), namespaces: p.namespaces }).cells;
  const layoutSource = required.length ? required : fallback();
  const layout = matrixLayout(layoutSource);
  const accounts = uniqueAccounts(p.components);
  // the release namespace is shown too, even where nothing is required there (multi-namespace mode)
  const askNamespaces = [...new Set([...p.namespaces, ...(p.release ? [p.release.namespace] : [])])];
  const cells = cellsToAsk(accounts, askNamespaces, layout);
  // only a denial that matters (required, or an optional feature's) is confirmed by an access review
  const requiredKeys = new Set(required.filter((c) => c.level !== 'unused').map(cellKey));

  // fetch: the server's answers
  const { reviewCells } = await import('../kube/access-review.ts');
  const wantReasons = args.output !== 'table';
  const t0 = performance.now();
  const review = await reviewCells(conn, cells, {
    isRequired: (c) => requiredKeys.has(cellKey(c)),
    wantReason: () => wantReasons,
    debug: (m) => ctx.debug(1, m),
  });
  ctx.debug(1, `asked ${cells.length} cells with ${review.requests.rulesReviews} rules reviews, ${review.requests.accessReviews} access reviews, ${review.requests.subjectAccessReviews} subject access reviews in ${Math.round(performance.now() - t0)} ms (${conn.stats.retries} retries, at most ${conn.stats.maxInFlight} in flight)`);

  // decide
  const checks = buildChecks(cells, required, review.answers);
  const summary = summarize(checks);
  const missing = missingChecks(checks);
  const warned = warningChecks(checks);
  let bindings: BindingLike[] = [];
  let dangling: DanglingRef[] = [];
  if (missing.length || warned.length) {
    bindings = await readBindings(conn, askNamespaces, ctx);
    const failing = uniqueAccounts([...missing, ...warned].map((c) => ({ component: '*', account: c.account, source: '', automount: true })));
    dangling = await findDangling(conn, bindings, failing, ctx);
  }
  const hints = rootCauseHints({ checks, components: p.components, bindings, dangling, launch: launchCause(p) });
  return { plan: p, accounts, askNamespaces, layout, checks, summary, missing, warnings: warned, hints, dangling, skipped: model.skipped, mode: review.mode };
}

/** The executor's launch namespace, when it is not where the release and its accounts live. */
function launchCause(p: Plan): { namespace: string; message: string; remedy: string } | undefined {
  if (!p.release || !p.config) return undefined;
  const worker = p.components.find((c) => c.component === 'worker' && !c.source.startsWith('pod/') && c.account.namespace !== p.release!.namespace);
  const f = launchNamespaceFinding({ config: p.config, releaseNamespace: p.release.namespace, airflowVersion: p.versions.airflow.value, worker: worker && { name: worker.account.name } });
  const [launch] = launchNamespaces(p.config, p.release.namespace);
  return f && { namespace: launch, message: f.message, remedy: f.remedy };
}

/** Bindings of failing accounts whose role is not there: each referenced role is read once (404: dangling; 403: unknown). */
async function findDangling(conn: Awaited<ReturnType<RunContext['connect']>>, bindings: BindingLike[], accounts: Account[], ctx: RunContext): Promise<DanglingRef[]> {
  const wanted = new Map<string, { kind: string; name: string; namespace?: string }>();
  for (const b of bindings) {
    if (!accounts.some((a) => bindsAccount(b, a))) continue;
    const ns = b.roleRef.kind === 'Role' ? b.metadata.namespace : undefined;
    wanted.set(`${b.roleRef.kind}|${ns ?? ''}|${b.roleRef.name}`, { kind: b.roleRef.kind, name: b.roleRef.name, namespace: ns });
  }
  const found = new Map<string, boolean | undefined>();
  await Promise.all(
    [...wanted.entries()].map(async ([k, r]) => {
      const path = r.kind === 'Role'
        ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(r.namespace ?? '')}/roles/${encodeURIComponent(r.name)}`
        : `/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(r.name)}`;
      try {
        await conn.get(path);
        found.set(k, true);
      } catch (e) {
        found.set(k, e instanceof ClusterError && e.kind === 'notfound' ? false : undefined);
        if (!(e instanceof ClusterError && e.kind === 'notfound')) ctx.debug(1, `cannot read ${path} for hints: ${(e as Error).message}`);
      }
    }),
  );
  return danglingRefs(bindings, accounts, (kind, name, namespace) => found.get(`${kind}|${namespace ?? ''}|${name}`));
}

/** What --fix grants: every denied cell Airflow needs, required or for an optional feature. */
export function fixCells(r: Pick<RbacResult, 'missing' | 'warnings'>): Check[] {
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
    namespaces: p.namespaces.map((n) => (n === '*' ? '' : n)),
    askedNamespaces: r.askNamespaces.map((n) => (n === '*' ? '' : n)),
    profiles: p.profiles.map((x) => x.name),
    method: r.mode,
    accounts: r.accounts.map((a) => ({
      subject: username(a),
      components: p.components.filter((c) => c.account.namespace === a.namespace && c.account.name === a.name).map((c) => c.component),
      sources: p.components.filter((c) => c.account.namespace === a.namespace && c.account.name === a.name).map((c) => c.source),
    })),
    skipped: r.skipped,
    checks: r.checks.map(checkRecord),
    summary: r.summary,
    hints: r.hints.map((h) => ({ kind: h.kind, ...(h.account ? { subject: h.account } : {}), message: h.message })),
    ...(fix ? { fix: fixObjects(fixCells(r), r.dangling) } : {}),
  };
}

function print(r: RbacResult, args: RbacArgs & GlobalArgs, ctx: RunContext): number {
  const { plan: p, checks, summary, missing, hints, layout, accounts } = r;
  const code = missing.length ? ExitCode.PROBLEMS : ExitCode.OK;
  const header = [
    p.release
      ? `Airflow release ${p.release.name} (${p.release.chart} chart) in namespace ${p.release.namespace}, executor ${p.config?.executor.value ?? '?'}`
      : `ServiceAccounts ${accounts.map((a) => `${a.namespace}/${a.name}`).join(', ')}`,
    `${versionsLine(p.versions)}${p.versions.airflow.value ? '' : ` (${p.versions.airflow.source})`}`,
    `Required in ${p.namespaces.map((n) => (n === '*' ? 'all namespaces (cluster-wide)' : n)).join(', ')}; profiles: ${p.profiles.map((x) => x.name).join(', ') || 'none'}` +
      (r.mode === 'subject-access-review' ? '; asked with SubjectAccessReview (impersonation not allowed)' : ''),
    ...(p.worker ? [`Worker pods will run as ${p.worker.namespace}/${p.worker.name} (${p.worker.source})`] : []),
  ];
  if (isMachine(args.output)) {
    ctx.out(renderData(rbacDocument(r, args.fix), args.output));
    return code;
  }
  const text = renderMatrix({ checks, layout, components: p.components, summary, hints, wide: args.output === 'wide', colour: ctx.colour, header, skipped: r.skipped });
  if (args.fix) {
    // stdout carries only YAML so it pipes into kubectl apply; the matrix goes to stderr
    ctx.err(text.replace(/\nPrint the least-privilege.*\n$/, '\n'));
    ctx.out(fixYaml(fixCells(r), hints.filter((h) => h.kind !== 'exec-get-only' && h.kind !== 'dangling-role-ref').map((h) => h.message), r.dangling));
  } else {
    ctx.out(text);
  }
  return code;
}

async function run(args: RbacArgs & GlobalArgs, ctx: RunContext): Promise<number> {
  // validate
  if (args.allNamespaces) throw new UsageError('rbac checks one release: use -n NAMESPACE (and --release) instead of -A');
  splitList(args.resources).forEach(parseResource);
  const r = await collectRbac(args, ctx);
  for (const w of r.plan.warnings) ctx.err(`kubectl-airflow: warning: ${w}\n`);
  return print(r, args, ctx);
}

/** RoleBindings (and ClusterRoleBindings) only to explain denials; never to decide. */
async function readBindings(conn: Awaited<ReturnType<RunContext['connect']>>, namespaces: string[], ctx: RunContext): Promise<BindingLike[]> {
  const out: BindingLike[] = [];
  const tryList = async (path: string, kind: string) => {
    try {
      out.push(...(await conn.list<BindingLike>(path)).map((b) => ({ ...b, kind })));
    } catch (e) {
      ctx.debug(1, `cannot list ${path} for hints: ${(e as Error).message}`);
    }
  };
  await Promise.all([
    ...namespaces.filter((n) => n !== '*').map((n) => tryList(`/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(n)}/rolebindings`, 'RoleBinding')),
    tryList('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'ClusterRoleBinding'),
  ]);
  return out;
}

export const rbacCommand = defineCommand<RbacArgs>({
  command: 'rbac',
  describe: "Check the Airflow ServiceAccounts' Kubernetes permissions (auth can-i matrix), with the reason and the fix",
  builder,
  run,
});
