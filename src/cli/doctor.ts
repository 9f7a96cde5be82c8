// `kubectl airflow doctor`: every layer in order (src/doctor/model.ts says why this order), the
// first failing one named with its remedy and the command for detail. Each layer is the command
// that owns it, reused: its fetch + decision (config: inspectClientConfig, net: probePod, ha: runHa,
// rbac: collectRbac), handed the release loaded once here; src/doctor turns each result into one
// verdict. Independent fetches run in parallel; a later layer still runs when an earlier one
// failed, unless it needs the release.
import type { Argv } from 'yargs';
import type { LoadedRelease } from '../airflow/discover.ts';
import type { Connection } from '../kube/connection.ts';
import { ClusterError, UsageError, fromStatus, redactUrls } from '../kube/errors.ts';
import type { LayerId, LayerResult } from '../doctor/model.ts';
import { isMachine, renderData } from '../render/output.ts';
import { defineCommand, type GlobalArgs, type RunContext } from './command.ts';

interface DoctorArgs {
  release?: string;
  pod?: string;
  container?: string;
  probeTimeout: string;
}

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; groups?: string[] } };
}

/** Layer 1: /version and who the server says we are. Any failure here is exit 3 (thrown). */
async function clusterAccess(conn: Connection) {
  const review = async (version: 'v1' | 'v1beta1') =>
    conn.send<SelfSubjectReview>({
      method: 'POST',
      path: `/apis/authentication.k8s.io/${version}/selfsubjectreviews`,
      body: { apiVersion: `authentication.k8s.io/${version}`, kind: 'SelfSubjectReview' },
    });
  const [version, ssr] = await Promise.all([
    conn.get<{ gitVersion?: string }>('/version'),
    review('v1').then((r) => (r.status === 404 ? review('v1beta1') : r)),
  ]);
  let user: { username: string; groups?: string[] } | undefined;
  if (ssr.status >= 200 && ssr.status < 300) {
    const u = ssr.body.status?.userInfo;
    user = { username: u?.username ?? '?', groups: u?.groups };
  } else if (ssr.status !== 404 && ssr.status !== 403) {
    // 401: the credentials are rejected; 403/404: authenticated, the server just will not say as whom
    throw fromStatus(ssr.status, ssr.body, 'POST selfsubjectreviews');
  }
  // the server as shown (text, json, yaml): a kubeconfig URL may carry a password (userinfo)
  return { server: redactUrls(conn.server), context: conn.contextName, version: version.gitVersion, user };
}

/** A layer whose own fetch failed: SKIP with the one-line reason; `unasked` when the cluster refused to answer. */
function notChecked(id: LayerId, e: unknown, skipped: (id: LayerId, reason: string, remedy?: string) => LayerResult): LayerResult {
  if (e instanceof ClusterError) return { ...skipped(id, `could not check: ${e.message}`, e.remedy), unasked: true };
  if (e instanceof UsageError) return skipped(id, `could not check: ${e.message}`);
  throw e;
}

async function run(args: DoctorArgs & GlobalArgs, ctx: RunContext): Promise<number> {
  // validate
  if (args.allNamespaces) throw new UsageError('doctor checks one release: use -n NAMESPACE (and --release) instead of -A');
  if (args.container !== undefined && args.pod === undefined) throw new UsageError('--container needs --pod');
  const { parseProbeTimeout } = await import('./net.ts');
  const timeoutSeconds = parseProbeTimeout(args.probeTimeout);

  const conn = await ctx.connect();
  const ns = conn.namespace;
  if (args.pod !== undefined) (await import('../net/plan.ts')).validateNames(args.pod, ns, args.container);
  const [v, plan, { loadRelease }, { inspectClientConfig, listConfigMaps }, { runHa, toReport }, { collectRbac, rbacDocument }, { NoReleaseError }] = await Promise.all([
    import('../doctor/verdicts.ts'),
    import('../doctor/plan.ts'),
    import('../airflow/discover.ts'),
    import('./config.ts'),
    import('../ha/index.ts'),
    import('./rbac.ts'),
    import('../airflow/release.ts'),
  ]);
  const t0 = performance.now();
  const timed = <T>(what: string, p: Promise<T>): Promise<T> =>
    p.finally(() => ctx.debug(1, `doctor: ${what} done after ${Math.round(performance.now() - t0)} ms`));

  // Everything that needs only the connection starts at once; layer 1 decides whether to go on.
  const access = timed('cluster access', clusterAccess(conn));
  // config decides on the release loaded here (its pods are listed once); its ConfigMaps are read
  // meanwhile, once, for both the release's Airflow config and the config layer
  const configMaps = listConfigMaps(conn, ns);
  const release = timed('release', loadRelease(conn, ns, args.release, configMaps));
  const ha = timed('ha', runHa(conn));
  for (const p of [release, configMaps, ha]) p.catch(() => undefined); // awaited below (or moot after exit 3)
  const cluster = v.clusterLayer(await access);

  const target = { namespace: ns, release: args.release, flags: plan.repeatableFlags(args) };
  const layers: LayerResult[] = [cluster];
  let loaded: LoadedRelease | undefined;
  try {
    loaded = await release;
    target.release = loaded.release.name;
    const pods = loaded.release.pods;
    layers.push(v.releaseLayer({
      name: loaded.release.name,
      namespace: loaded.release.namespace,
      chart: loaded.release.chart,
      executor: loaded.config.executor.value,
      components: [...new Set(loaded.release.components.map((c) => c.component))],
      pods: pods.length,
      runningPods: pods.filter((p) => p.status?.phase === 'Running').length,
      warnings: loaded.warnings,
    }));
  } catch (e) {
    if (e instanceof NoReleaseError) layers.push(v.noReleaseLayer(e.message));
    else if (e instanceof ClusterError) layers.push(notChecked('release', e, v.skipped));
    else throw e; // several releases and no --release, or an unknown --release: exit 2, as every command
  }

  const noRelease = 'no Airflow release to check (layer 2)';
  const choice = loaded ? plan.chooseNetworkPod(loaded.release.pods, loaded.config.executors, args.pod) : undefined;
  const podTarget = { ...target, pod: choice?.pod };

  const networkLayer = async (): Promise<LayerResult> => {
    if (!loaded && args.pod !== undefined) {
      // nothing to probe it for, but a --pod that names no pod is a usage error (exit 2) here too, as in net and ha --from
      const [{ getPod }, { PodNotFound }] = await Promise.all([import('../net/run.ts'), import('../net/plan.ts')]);
      await getPod(conn, ns, args.pod).catch((e: unknown) => {
        if (e instanceof PodNotFound) throw e;
        // unreadable (forbidden, ...): the layer is skipped for want of a release anyway
      });
    }
    if (!loaded || !choice) return v.skipped('network', noRelease);
    if (!choice.pod) return v.skipped('network', choice.reason);
    const [{ probePod, PodProblem }, { reportDocument }, { PodNotFound }] = await Promise.all([import('../net/run.ts'), import('../net/render.ts'), import('../net/plan.ts')]);
    const known = loaded.release.pods.find((p) => p.metadata.name === choice.pod) as import('../net/plan.ts').PodView | undefined;
    try {
      const { report, notes } = await timed('network', probePod(conn, ns, choice.pod, { container: args.container, timeoutSeconds, attempts: 5, debug: ctx.debug, release: loaded }, known));
      for (const n of notes) ctx.debug(1, n);
      return v.networkLayer(report, (reportDocument([report]) as { items: unknown[] }).items[0], choice.component);
    } catch (e) {
      // --pod names no pod: a usage error (exit 2, one line), as in net and ha --from
      if (e instanceof PodNotFound) throw e;
      // the pod is not running: nothing to exec into, which is not a network verdict
      if (e instanceof PodProblem) return v.skipped('network', `not probed: ${e.message}`);
      return notChecked('network', e, v.skipped);
    }
  };
  const rbacLayer = async (): Promise<LayerResult> => {
    if (!loaded) return v.skipped('rbac', noRelease);
    try {
      const r = await timed('rbac', collectRbac({ ...args, fix: false, release: loaded.release.name }, ctx, loaded));
      return v.rbacLayer(r, rbacDocument(r, false));
    } catch (e) {
      return notChecked('rbac', e, v.skipped);
    }
  };
  const configLayer = async (): Promise<LayerResult> => {
    if (!loaded) return v.skipped('config', noRelease);
    try {
      return v.configLayer(await timed('config', inspectClientConfig(conn, loaded, configMaps)));
    } catch (e) {
      return notChecked('config', e, v.skipped);
    }
  };
  const haLayer = async (): Promise<LayerResult> => {
    try {
      const r = await ha;
      return v.haLayer(r.checks, r.chain.endpoints.length, r.chain.platform.name, toReport(r.chain, r.checks, r.input));
    } catch (e) {
      return notChecked('ha', e, v.skipped);
    }
  };
  layers.push(...(await Promise.all([configLayer(), networkLayer(), haLayer(), rbacLayer()])));
  for (const l of layers) if (l.verdict !== 'OK' && !l.command) l.command = plan.detailCommand(l.id, l.id === 'network' || l.id === 'ha' ? podTarget : target);
  ctx.debug(1, `doctor: ${conn.stats.requests} requests, at most ${conn.stats.maxInFlight} in flight, ${Math.round(performance.now() - t0)} ms`);

  const { renderDoctor, doctorDocument } = await import('../doctor/render.ts');
  const header = { namespace: ns, release: loaded?.release.name };
  if (isMachine(args.output)) ctx.out(renderData(doctorDocument(layers, header), args.output));
  else ctx.out(renderDoctor(plan.ordered(layers), header, ctx.colour));
  return plan.exitCodeOf(layers);
}

export const doctorCommand = defineCommand<DoctorArgs>({
  command: 'doctor',
  describe: 'Run every layer in order (cluster access, release, client config, network from a pod, API-server HA, RBAC) and name the first one that fails',
  builder: (y: Argv) =>
    y
      .option('release', { type: 'string', requiresArg: true, describe: 'Airflow release (Helm release name) when the namespace has several' })
      .option('pod', { type: 'string', requiresArg: true, describe: 'Probe the network from this pod (default: the running scheduler for KubernetesExecutor, the worker for Celery)' })
      .option('container', { alias: 'c', type: 'string', requiresArg: true, describe: 'Container of --pod (default: the Airflow container)' })
      .option('probe-timeout', { type: 'string', default: '3', requiresArg: true, describe: 'Timeout of each network step in the pod (seconds)' })
      .example('$0 doctor -n airflow', 'Every layer, the first failing one, its fix and the command for detail')
      .example('$0 doctor -n airflow --pod airflow-worker-0 -o yaml', 'Probe the network from that pod; every layer\'s full result'),
  run,
});
