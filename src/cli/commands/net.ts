// `kubectl airflow net <pod>`: a layered probe, from inside the pod, of the path to the API server.
// The feature: src/net (runNet).
import { defineCommand } from '../command.ts';

interface NetArgs {
  pod?: string;
  container?: string;
  probeTimeout: string;
  attempts: number;
  all: boolean;
  release?: string;
  debugImage?: string;
  watch?: string;
}

export const netCommand = defineCommand<NetArgs>({
  name: 'net',
  describe:
    'Probe, from inside a pod, the path to the API server layer by layer (env, token, DNS, TCP, TLS, auth, NetworkPolicy)',
  positionals: [
    { name: 'pod', required: false, values: 'pods', describe: 'The pod to probe from (namespace from -n)' },
  ],
  flags: [
    {
      name: 'container',
      short: 'c',
      type: 'string',
      describe: 'Container (default: the default-container annotation, else the Airflow container, else the first)',
    },
    {
      name: 'probe-timeout',
      type: 'string',
      default: '3',
      describe: 'Timeout of each network step in the pod (seconds). The whole probe ends within 7 x this + 10s',
    },
    {
      name: 'attempts',
      type: 'number',
      default: 5,
      describe: 'TCP connects to the service address (several, to catch a stale endpoint)',
    },
    {
      name: 'all',
      type: 'boolean',
      default: false,
      describe: 'Probe one pod of every Airflow component of the release',
    },
    { name: 'release', type: 'string', describe: 'With --all: the Airflow release (when the namespace has several)' },
    {
      name: 'debug-image',
      type: 'string',
      describe:
        'For images without python3 or sh: add an ephemeral container with this image and probe from it (mutates the pod spec; needs patch pods/ephemeralcontainers)',
    },
    {
      name: 'watch',
      type: 'string',
      describe:
        'Then hold a watch on pods from inside the pod for this long (e.g. 10s, 5m; at most 10m) and report events, bookmarks, silences, resets, end of stream and 410s; Ctrl-C stops it',
    },
  ],
  examples: [
    ['kubectl airflow net airflow-worker-0 -n airflow', 'Why this pod cannot reach the API server'],
    ['kubectl airflow net --all -n airflow -o yaml', 'One pod of every Airflow component'],
    [
      'kubectl airflow net airflow-scheduler-0 -n airflow --watch 5m',
      'Does a watch from this pod stay alive for 5 minutes',
    ],
  ],
  run: async (args, ctx) => {
    const [{ validateNetFlags }, { parseWatchDuration }, net] = await Promise.all([
      import('../../net/options.ts'),
      import('../../net/watch.ts'),
      import('../../net/index.ts'),
    ]);
    const timeoutSeconds = validateNetFlags(args);
    const watchSeconds = args.watch === undefined ? undefined : parseWatchDuration(args.watch);
    const conn = await ctx.connect();
    const reports = await net.runNet(conn, {
      ...args,
      timeoutSeconds,
      watchSeconds,
      debug: ctx.debug,
      note: (n) => ctx.err(n + '\n'),
    });
    ctx.out(await net.renderNet(reports, { output: args.output, colour: ctx.colour }));
    return net.netExitCode(reports);
  },
});
