// `kubectl airflow rbac` (issue 3): the auth can-i matrix for Airflow's ServiceAccounts, with the
// reason and the fix. options -> complete -> validate -> run; run is fetch -> decide -> render.
import type { Argv } from 'yargs';
import { defineCommand, type GlobalArgs, type RunContext } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { ClusterError, UsageError } from '../kube/errors.ts';
import { isMachine, renderData } from '../render/output.ts';
import { launchNamespaces, type AirflowConfig } from '../airflow/config.ts';
import { builtinProfiles, chooseProfiles, type Profile } from '../airflow/profiles.ts';
import { parseSaFlag, type Account, type ComponentAccount, type Release } from '../airflow/release.ts';
import type { LoadedRelease } from '../airflow/discover.ts';
import type { ReviewResult } from '../kube/access-review.ts';
import { cellsToAsk, componentsToCheck, matrixLayout, parseResource, requiredRules, uniqueAccounts, type Layout } from '../rbac/required.ts';
import { buildChecks, checkRecord, missingChecks, summarize, type Summary } from '../rbac/matrix.ts';
import { rootCauseHints, type BindingLike, type Hint } from '../rbac/hints.ts';
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
      describe: `Required-permission profiles to check (repeatable): ${builtinProfiles().map((p) => p.name).join(', ')}`,
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
  profiles: Profile[];
  components: ComponentAccount[];
  namespaces: string[];
  warnings: string[];
}

async function plan(args: RbacArgs & GlobalArgs, ctx: RunContext, preloaded?: LoadedRelease): Promise<Plan> {
  const conn = await ctx.connect();
  const namespace = conn.namespace;
  const all = builtinProfiles();
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
    const profiles = chooseProfiles(all, { executors: [], deployed: [], explicit: explicit.length ? explicit : SA_DEFAULT_PROFILES });
    const namespaces = loaded ? launchNamespaces(loaded.config, namespace) : [...new Set(accounts.map((a) => a.namespace))];
    return {
      namespace,
      release: loaded?.release,
      config: loaded?.config,
      profiles,
      components: accounts.map((account) => ({ component: '*', account, source: '--sa', automount: true })),
      namespaces,
      warnings: loaded?.warnings ?? [],
    };
  }
  const { release, config, warnings } = preloaded ?? (await loadRelease(conn, namespace, args.release));
  const deployed = [...new Set(release.components.map((c) => c.component))];
  const profiles = chooseProfiles(all, { executors: config.executors, deployed, explicit });
  const components = componentsToCheck(release.components, profiles);
  return { namespace, release, config, profiles, components, namespaces: launchNamespaces(config, release.namespace), warnings };
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
  hints: Hint[];
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
  const required = requiredRules({
    profiles: p.profiles,
    components: p.components,
    namespaces: p.namespaces,
    extraResources: splitList(args.resources),
    extraVerbs: splitList(args.verbs),
  });
  const layoutSource = required.length ? required : requiredRules({ profiles: builtinProfiles().filter((x) => x.name === 'kubernetes-pod-operator'), components: p.components.map((c) => ({ ...c, component: '*' })), namespaces: p.namespaces });
  const layout = matrixLayout(layoutSource);
  const accounts = uniqueAccounts(p.components);
  // the release namespace is shown too, even where nothing is required there (multi-namespace mode)
  const askNamespaces = [...new Set([...p.namespaces, ...(p.release ? [p.release.namespace] : [])])];
  const cells = cellsToAsk(accounts, askNamespaces, layout);
  const requiredKeys = new Set(required.map(cellKey));

  // fetch: the server's answers
  const { reviewCells } = await import('../kube/access-review.ts');
  const wantReasons = args.output !== 'table';
  const t0 = performance.now();
  // the bindings explain denials: read beside the confirmations of likely ones, not after them
  let bindingsRead: Promise<BindingLike[]> | undefined;
  const bindingsOnce = () => (bindingsRead ??= readBindings(conn, askNamespaces, ctx));
  const review = await reviewCells(conn, cells, {
    isRequired: (c) => requiredKeys.has(cellKey(c)),
    wantReason: () => wantReasons,
    debug: (m) => ctx.debug(1, m),
    onRequiredDenial: () => void bindingsOnce(),
  });
  ctx.debug(1, `asked ${cells.length} cells with ${review.requests.rulesReviews} rules reviews, ${review.requests.accessReviews} access reviews, ${review.requests.subjectAccessReviews} subject access reviews in ${Math.round(performance.now() - t0)} ms (${conn.stats.retries} retries, at most ${conn.stats.maxInFlight} in flight)`);

  // decide
  const checks = buildChecks(cells, required, review.answers);
  const summary = summarize(checks);
  const missing = missingChecks(checks);
  const bindings = missing.length ? await bindingsOnce() : [];
  const hints = rootCauseHints({ checks, components: p.components, bindings });
  return { plan: p, accounts, askNamespaces, layout, checks, summary, missing, hints, mode: review.mode };
}

/** The machine-readable document of `rbac -o json|yaml`. */
export function rbacDocument(r: RbacResult, fix: boolean) {
  const p = r.plan;
  return {
    release: p.release ? { name: p.release.name, namespace: p.release.namespace, chart: p.release.chart } : null,
    executor: p.config?.executor.value ?? null,
    namespaces: p.namespaces.map((n) => (n === '*' ? '' : n)),
    askedNamespaces: r.askNamespaces.map((n) => (n === '*' ? '' : n)),
    profiles: p.profiles.map((x) => x.name),
    method: r.mode,
    accounts: r.accounts.map((a) => ({
      subject: username(a),
      components: p.components.filter((c) => c.account.namespace === a.namespace && c.account.name === a.name).map((c) => c.component),
    })),
    checks: r.checks.map(checkRecord),
    summary: r.summary,
    hints: r.hints.map((h) => ({ kind: h.kind, ...(h.account ? { subject: h.account } : {}), message: h.message })),
    ...(fix ? { fix: fixObjects(r.missing) } : {}),
  };
}

function print(r: RbacResult, args: RbacArgs & GlobalArgs, ctx: RunContext): number {
  const { plan: p, checks, summary, missing, hints, layout, accounts } = r;
  const code = missing.length ? ExitCode.PROBLEMS : ExitCode.OK;
  const header = [
    p.release
      ? `Airflow release ${p.release.name} (${p.release.chart} chart) in namespace ${p.release.namespace}, executor ${p.config?.executor.value ?? '?'}`
      : `ServiceAccounts ${accounts.map((a) => `${a.namespace}/${a.name}`).join(', ')}`,
    `Required in ${p.namespaces.map((n) => (n === '*' ? 'all namespaces (cluster-wide)' : n)).join(', ')}; profiles: ${p.profiles.map((x) => x.name).join(', ') || 'none'}` +
      (r.mode === 'subject-access-review' ? '; asked with SubjectAccessReview (impersonation not allowed)' : ''),
  ];
  if (isMachine(args.output)) {
    ctx.out(renderData(rbacDocument(r, args.fix), args.output));
    return code;
  }
  const text = renderMatrix({ checks, layout, components: p.components, summary, hints, wide: args.output === 'wide', colour: ctx.colour, header });
  if (args.fix) {
    // stdout carries only YAML so it pipes into kubectl apply; the matrix goes to stderr
    ctx.err(text.replace(/\nPrint the least-privilege.*\n$/, '\n'));
    ctx.out(fixYaml(missing, hints.filter((h) => h.kind !== 'exec-get-only').map((h) => h.message)));
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
