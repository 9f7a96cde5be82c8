// `net <pod>`: a layered probe, from inside the pod, of the path to the API server: service env,
// ServiceAccount files, DNS, TCP, TLS, HTTP + auth, permissions, NetworkPolicy.
// fetch + exec (run.ts) -> decide (verdict.ts, netpol.ts) -> render (render.ts). runNet is the
// entry the CLI calls; doctor probes one pod through probePod.
import type { Debug } from '../base/debug.ts';
import { ExitCode } from '../base/exit-codes.ts';
import type { Connection } from '../kube/connection.ts';
import { mapBounded } from '../kube/pool.ts';
import type { Palette } from '../render/colour.ts';
import { renderData } from '../render/data.ts';
import { isMachine, type OutputFormat } from '../render/output.ts';
import type { NetReport } from './model.ts';

export interface NetOptions {
  /** One pod, or undefined with `all`. */
  pod?: string;
  all: boolean;
  container?: string;
  timeoutSeconds: number;
  attempts: number;
  release?: string;
  debugImage?: string;
  /** --watch, in seconds. */
  watchSeconds?: number;
  debug: Debug;
  /** kubectl-style notes (defaulted container, ephemeral container added), for stderr. */
  note: (line: string) => void;
}

/** Pods probed at once with --all: each holds an exec open. */
const PODS_AT_ONCE = 4;

export async function runNet(conn: Connection, opts: NetOptions): Promise<NetReport[]> {
  const [{ probePod, PodProblem }, { notProbed }] = await Promise.all([import('./run.ts'), import('./verdict.ts')]);
  const probeOpts = {
    container: opts.container,
    timeoutSeconds: opts.timeoutSeconds,
    attempts: opts.attempts,
    debugImage: opts.debugImage,
    watchSeconds: opts.watchSeconds,
    debug: opts.debug,
    say: opts.note,
  };
  const namespace = conn.namespace;
  if (!opts.all) {
    const { report, notes } = await probePod(conn, namespace, opts.pod as string, probeOpts);
    for (const n of notes) opts.note(n);
    return [report];
  }
  const [{ loadRelease }, { chartOf }, { onePodPerComponent, containerOrUnknown, serviceAccountOf }] =
    await Promise.all([import('../airflow/discover.ts'), import('../airflow/release.ts'), import('./plan.ts')]);
  // with its config: what each pod's account needs comes from the executor and launch namespaces
  const loaded = await loadRelease(conn, namespace, opts.release);
  const chosen = onePodPerComponent(
    loaded.release.pods as import('./plan.ts').PodView[],
    (p) => chartOf(p.metadata.labels)?.component,
  );
  return mapBounded(chosen, PODS_AT_ONCE, async (p) => {
    try {
      return (await probePod(conn, namespace, p.metadata.name, { ...probeOpts, release: loaded }, p)).report;
    } catch (e) {
      if (!(e instanceof PodProblem)) throw e;
      return notProbed(
        { pod: p.metadata.name, namespace, container: containerOrUnknown(p), serviceAccount: serviceAccountOf(p) },
        e.message,
      );
    }
  });
}

export async function renderNet(
  reports: NetReport[],
  view: { output: OutputFormat; colour: Palette },
): Promise<string> {
  const render = await import('./render.ts');
  if (isMachine(view.output)) return renderData(render.reportDocument(reports), view.output);
  return render.renderReports(reports, view.colour, view.output === 'wide');
}

export function netExitCode(reports: NetReport[]): number {
  return reports.every((r) => r.ok) ? ExitCode.OK : ExitCode.PROBLEMS;
}
