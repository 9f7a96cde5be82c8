// `kubectl airflow net <pod>` (issue 6): a layered probe, from inside the pod, of the path to the API
// server: service env, ServiceAccount files, DNS, TCP, TLS, HTTP + auth, permissions, NetworkPolicy.
// options -> complete -> validate -> run; run is fetch + exec (src/net/run.ts) -> decide
// (src/net/verdict.ts, netpol.ts) -> render (src/net/render.ts).
import type { Argv } from 'yargs';
import { UsageError } from '../base/errors.ts';
import { isMachine, renderData } from '../render/output.ts';
import { defineCommand } from '../cli/command.ts';
import { ExitCode } from '../base/exit-codes.ts';

interface NetArgs {
  pod?: string;
  container?: string;
  probeTimeout: string;
  attempts: number;
  all: boolean;
  release?: string;
  debugImage?: string;
}

/** "3", "3s", "1.5s", "500ms" -> seconds. */
export function parseProbeTimeout(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(String(v).trim());
  if (!m) throw new UsageError(`--probe-timeout "${v}": use seconds, e.g. 3 or 3s or 500ms`);
  const s = m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
  if (!(s >= 0.2 && s <= 60)) throw new UsageError(`--probe-timeout ${v}: must be between 200ms and 60s`);
  return s;
}

export const netCommand = defineCommand<NetArgs>({
  command: 'net [pod]',
  describe: 'Probe, from inside a pod, the path to the API server layer by layer (env, token, DNS, TCP, TLS, auth, NetworkPolicy)',
  builder: (y: Argv) =>
    y
      .positional('pod', { type: 'string', describe: 'The pod to probe from (namespace from -n)' })
      .option('container', { alias: 'c', type: 'string', requiresArg: true, describe: 'Container (default: the default-container annotation, else the Airflow container, else the first)' })
      .option('probe-timeout', { type: 'string', default: '3', requiresArg: true, describe: 'Timeout of each network step in the pod (seconds). The whole probe ends within 7 x this + 10s' })
      .option('attempts', { type: 'number', default: 5, requiresArg: true, describe: 'TCP connects to the service address (several, to catch a stale endpoint)' })
      .option('all', { type: 'boolean', default: false, describe: 'Probe one pod of every Airflow component of the release' })
      .option('release', { type: 'string', requiresArg: true, describe: 'With --all: the Airflow release (when the namespace has several)' })
      .option('debug-image', { type: 'string', requiresArg: true, describe: 'For images without python3 or sh: add an ephemeral container with this image and probe from it (mutates the pod spec; needs patch pods/ephemeralcontainers)' })
      .example('$0 net airflow-worker-0 -n airflow', 'Why this pod cannot reach the API server')
      .example('$0 net --all -n airflow -o yaml', 'One pod of every Airflow component'),
  run: async (args, ctx) => {
    // validate
    const timeoutSeconds = parseProbeTimeout(args.probeTimeout);
    if (!Number.isInteger(args.attempts) || args.attempts < 1 || args.attempts > 20) throw new UsageError('--attempts must be an integer from 1 to 20');
    if (args.all && args.pod) throw new UsageError('give a pod or --all, not both');
    if (!args.all && !args.pod) throw new UsageError('net needs a pod name (kubectl airflow net POD), or --all');
    if (args.all && args.container) throw new UsageError('-c does not apply to --all (each pod\'s Airflow container is used)');
    if (args.all && args.debugImage) throw new UsageError('--debug-image changes a pod: use it with one pod, not --all');
    if (args.allNamespaces) throw new UsageError('net probes pods of one namespace: use -n, not -A');
    if (args.debugImage !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(args.debugImage)) throw new UsageError(`--debug-image "${args.debugImage}" is not an image reference`);

    const conn = await ctx.connect();
    const [{ probePod, PodProblem }, { notProbed }, render] = await Promise.all([import('./run.ts'), import('./verdict.ts'), import('./render.ts')]);
    const opts = { container: args.container, timeoutSeconds, attempts: args.attempts, debugImage: args.debugImage, debug: ctx.debug };
    const namespace = conn.namespace;
    const reports = [];
    if (!args.all) {
      const { report, notes } = await probePod(conn, namespace, args.pod as string, opts);
      for (const n of notes) ctx.err(n + '\n');
      reports.push(report);
    } else {
      const [{ loadRelease }, { chartOf }, { onePodPerComponent, chooseContainer, serviceAccountOf }] = await Promise.all([import('../airflow/discover.ts'), import('../airflow/release.ts'), import('./plan.ts')]);
      // with its config: what each pod's account needs comes from the executor and launch namespaces
      const loaded = await loadRelease(conn, namespace, args.release);
      const release = loaded.release;
      const chosen = onePodPerComponent(release.pods as import('./plan.ts').PodView[], (p) => chartOf(p.metadata.labels)?.component);
      // a few pods at a time: each costs two execs
      const results = new Array(chosen.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(4, chosen.length) }, async () => {
          while (next < chosen.length) {
            const i = next++;
            const p = chosen[i];
            try {
              results[i] = (await probePod(conn, namespace, p.metadata.name, { ...opts, release: loaded }, p)).report;
            } catch (e) {
              if (!(e instanceof PodProblem)) throw e;
              let container = '?';
              try {
                container = chooseContainer(p).container;
              } catch {
                /* no containers */
              }
              results[i] = notProbed({ pod: p.metadata.name, namespace, container, serviceAccount: serviceAccountOf(p) }, e.message);
            }
          }
        }),
      );
      reports.push(...results);
    }
    if (isMachine(args.output)) ctx.out(renderData(render.reportDocument(reports), args.output));
    else ctx.out(render.renderReports(reports, ctx.colour, args.output === 'wide'));
    return reports.every((r) => r.ok) ? ExitCode.OK : ExitCode.PROBLEMS;
  },
});
