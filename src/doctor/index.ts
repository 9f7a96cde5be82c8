// `doctor`: every layer in order (model.ts says why this order), the first failing one named with
// its remedy and the command for detail. Each layer is the feature that owns it, through its run
// entry (config: inspectClientConfig, net: probePod, ha: runHa, rbac: runRbac, admission:
// runAdmission), handed the release
// loaded once here; verdicts.ts turns each result into one verdict, meanings.ts says what an error
// means for a layer. Independent fetches run in parallel; a later layer still runs when an earlier
// one failed, unless it needs the release.
import type { LoadedRelease } from '../airflow/discover.ts';
import type { Debug } from '../base/debug.ts';
import { ClusterError, redactUrls } from '../base/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { prepareExec } from '../kube/exec.ts';
import { VERSION_PATH } from '../kube/reads.ts';
import { selfSubjectReview } from '../kube/reviews.ts';
import type { Palette } from '../render/colour.ts';
import { renderData } from '../render/data.ts';
import { isMachine, type OutputFormat } from '../render/output.ts';
import { networkSkip, NO_RELEASE, notChecked, whoAmI } from './meanings.ts';
import type { LayerResult } from './model.ts';
import { exitCodeOf, ordered } from './plan.ts';

export interface DoctorOptions {
  release?: string;
  pod?: string;
  container?: string;
  timeoutSeconds: number;
  /** --watch: the network layer also holds a watch from the pod this many seconds. */
  watchSeconds?: number;
  /** Connection flags a detail command repeats (never a credential). */
  repeatFlags: string[];
  debug: Debug;
}

export interface DoctorResult {
  layers: LayerResult[];
  header: { namespace: string; release?: string };
}

/** Layer 1: /version and who the server says we are. Any failure here is exit 3 (thrown). */
async function clusterAccess(conn: Connection) {
  const review = (version: 'v1' | 'v1beta1') => selfSubjectReview(conn, version);
  const [version, ssr] = await Promise.all([
    conn.get<{ gitVersion?: string }>(VERSION_PATH),
    review('v1').then((r) => (r.status === 404 ? review('v1beta1') : r)),
  ]);
  const user = whoAmI(ssr.status, ssr.body);
  // the server as shown (text, json, yaml): a kubeconfig URL may carry a password (userinfo)
  return { server: redactUrls(conn.server), context: conn.contextName, version: version.gitVersion, user };
}

export async function runDoctor(conn: Connection, opts: DoctorOptions): Promise<DoctorResult> {
  const ns = conn.namespace;
  if (opts.pod !== undefined) (await import('../net/plan.ts')).validateNames(opts.pod, ns, opts.container);
  const [{ loadRelease, listConfigMapData }, { fetchHa }] = await Promise.all([
    import('../airflow/discover.ts'),
    import('../ha/fetch.ts'),
  ]);
  const t0 = performance.now();
  const timed = <T>(what: string, p: Promise<T>): Promise<T> =>
    p.finally(() => opts.debug(1, `doctor: ${what} done after ${Math.round(performance.now() - t0)} ms`));

  // Everything that needs only the connection starts at once; layer 1 decides whether to go on.
  const access = timed('cluster access', clusterAccess(conn));
  // config decides on the release loaded here (its pods are listed once); its ConfigMaps are read
  // meanwhile, once, for both the release's Airflow config and the config layer
  const configMaps = listConfigMapData(conn, ns);
  const release = timed('release', loadRelease(conn, ns, opts.release, configMaps));
  // ha's reads now, its deciding once the probe is on its way (below)
  fetchHa(conn).catch(() => undefined);
  prepareExec();
  for (const p of [access, release, configMaps]) p.catch(() => undefined); // awaited below (or moot after exit 3)
  // The layers' modules initialise while the first reads are out: only after a turn of the event
  // loop, since the sockets connect from Node's tick queue, which waits for every queued microtask.
  await new Promise((resolve) => setImmediate(resolve));
  const [
    v,
    plan,
    { inspectClientConfig },
    { runHa, toReport },
    { runRbac, rbacDocument },
    { NoReleaseError },
    admission,
    { probePod, PodProblem, getPod },
    { reportDocument },
    { PodNotFound },
  ] = await Promise.all([
    import('./verdicts.ts'),
    import('./plan.ts'),
    import('../config/index.ts'),
    import('../ha/index.ts'),
    import('../rbac/index.ts'),
    import('../airflow/release.ts'),
    import('../admission/index.ts'),
    // the probe's modules too: the network layer starts with them, on the way to its exec
    import('../net/run.ts'),
    import('../net/render.ts'),
    import('../net/plan.ts'),
  ]);
  const cluster = v.clusterLayer(await access);

  const target = { namespace: ns, release: opts.release, flags: opts.repeatFlags };
  const layers: LayerResult[] = [cluster];
  let loaded: LoadedRelease | undefined;
  try {
    loaded = await release;
    target.release = loaded.release.name;
    const pods = loaded.release.pods;
    layers.push(
      v.releaseLayer({
        name: loaded.release.name,
        namespace: loaded.release.namespace,
        chart: loaded.release.chart,
        executor: loaded.config.executor.value,
        components: [...new Set(loaded.release.components.map((c) => c.component))],
        pods: pods.length,
        runningPods: pods.filter((p) => p.status?.phase === 'Running').length,
        warnings: loaded.warnings,
      }),
    );
  } catch (e) {
    if (e instanceof NoReleaseError) layers.push(v.noReleaseLayer(e.message));
    else if (e instanceof ClusterError) layers.push(notChecked('release', e));
    else throw e; // several releases and no --release, or an unknown --release: exit 2, as every command
  }

  const choice = loaded ? plan.chooseNetworkPod(loaded.release.pods, loaded.config.executors, opts.pod) : undefined;
  const podTarget = { ...target, pod: choice?.pod };

  let onProbeStarted: () => void = () => undefined;
  const probeSent = new Promise<void>((resolve) => {
    onProbeStarted = resolve;
  });
  const networkLayer = async (): Promise<LayerResult> => {
    if (!loaded && opts.pod !== undefined) {
      // nothing to probe it for, but a --pod that names no pod is a usage error (exit 2) here too, as in net and ha --from
      await getPod(conn, ns, opts.pod).catch((e: unknown) => {
        if (e instanceof PodNotFound) throw e;
        // unreadable (forbidden, ...): the layer is skipped for want of a release anyway
      });
    }
    const skip = networkSkip(!!loaded, choice);
    if (skip !== undefined || !loaded || !choice?.pod) return v.skipped('network', skip ?? NO_RELEASE);
    const known = loaded.release.pods.find((p) => p.metadata.name === choice.pod) as
      | import('../net/plan.ts').PodView
      | undefined;
    try {
      const { report, notes } = await timed(
        'network',
        probePod(
          conn,
          ns,
          choice.pod,
          {
            container: opts.container,
            timeoutSeconds: opts.timeoutSeconds,
            watchSeconds: opts.watchSeconds,
            onProbeStarted,
            // the RBAC layer judges permissions; this layer only notes whether the pod's were answered
            accessOnce: true,
            attempts: 5,
            debug: opts.debug,
            release: loaded,
          },
          known,
        ),
      );
      for (const n of notes) opts.debug(1, n);
      return v.networkLayer(report, (reportDocument([report]) as { items: unknown[] }).items[0], choice.component);
    } catch (e) {
      // --pod names no pod: a usage error (exit 2, one line), as in net and ha --from
      if (e instanceof PodNotFound) throw e;
      // the pod is not running: nothing to exec into, which is not a network verdict
      if (e instanceof PodProblem) return v.skipped('network', `not probed: ${e.message}`);
      return notChecked('network', e);
    }
  };
  const rbacLayer = async (): Promise<LayerResult> => {
    if (!loaded) return v.skipped('rbac', NO_RELEASE);
    try {
      const r = await timed(
        'rbac',
        runRbac(conn, { release: loaded.release.name, wantReasons: false, debug: opts.debug }, loaded),
      );
      return v.rbacLayer(r, rbacDocument(r, false));
    } catch (e) {
      return notChecked('rbac', e);
    }
  };
  const configLayer = async (): Promise<LayerResult> => {
    if (!loaded) return v.skipped('config', NO_RELEASE);
    try {
      return v.configLayer(await timed('config', inspectClientConfig(conn, loaded, configMaps)));
    } catch (e) {
      return notChecked('config', e);
    }
  };
  const haLayer = async (): Promise<LayerResult> => {
    try {
      const r = await ha;
      return v.haLayer(r.checks, r.chain.endpoints.length, r.chain.platform.name, toReport(r.chain, r.checks, r.input));
    } catch (e) {
      return notChecked('ha', e);
    }
  };
  const admissionLayer = async (): Promise<LayerResult> => {
    if (!loaded) return v.skipped('admission', NO_RELEASE);
    try {
      const r = await timed('admission', admission.runAdmission(conn, ns, loaded.release.name, loaded));
      return v.admissionLayer(admission.admissionLayer(r, ns), r);
    } catch (e) {
      return notChecked('admission', e);
    }
  };
  // The probe's exec is the longest wait: it is sent first, and the layers whose deciding is CPU
  // work (rbac, admission, config) start once it is on its way, so that work overlaps the exec.
  const network = networkLayer();
  await Promise.race([probeSent, network]);
  const ha = timed('ha', runHa(conn));
  layers.push(...(await Promise.all([configLayer(), network, haLayer(), rbacLayer(), admissionLayer()])));
  // a layer skipped for want of a release has no command to show: it would fail the same way
  const needsRelease = (l: LayerResult) =>
    !loaded && (l.id === 'config' || l.id === 'rbac' || l.id === 'admission' || (l.id === 'network' && !podTarget.pod));
  for (const l of layers)
    if (l.verdict !== 'OK' && !l.command && !needsRelease(l))
      l.command = plan.detailCommand(l.id, l.id === 'network' || l.id === 'ha' ? podTarget : target);
  opts.debug(
    1,
    `doctor: ${conn.stats.requests} requests, at most ${conn.stats.maxInFlight} in flight, ${Math.round(performance.now() - t0)} ms`,
  );
  return { layers, header: { namespace: ns, release: loaded?.release.name } };
}

/** The table, or the document -o json|yaml prints (render.ts, loaded only now: the table library with it). */
export async function renderDoctorResult(
  r: DoctorResult,
  view: { output: OutputFormat; colour: Palette },
): Promise<string> {
  const { doctorDocument, renderDoctor } = await import('./render.ts');
  if (isMachine(view.output)) return renderData(doctorDocument(r.layers, r.header), view.output);
  return renderDoctor(ordered(r.layers), r.header, view.colour);
}

/** 1 when a layer fails, 3 when the cluster would not answer one, else 0 (plan.ts exitCodeOf). */
export function doctorExitCode(r: DoctorResult): number {
  return exitCodeOf(r.layers);
}
