// `kubectl airflow doctor`: every layer in order, the first failing one named with its remedy and
// the command for detail. The feature: src/doctor (runDoctor).
import { UsageError } from '../../base/errors.ts';
import { defineCommand } from '../command.ts';

interface DoctorArgs {
  release?: string;
  pod?: string;
  container?: string;
  probeTimeout: string;
  watch?: string;
}

export const doctorCommand = defineCommand<DoctorArgs>({
  name: 'doctor',
  describe:
    'Run every layer in order (cluster access, release, client config, network from a pod, API-server HA, RBAC) and name the first one that fails',
  flags: [
    { name: 'release', type: 'string', describe: 'Airflow release (Helm release name) when the namespace has several' },
    {
      name: 'pod',
      type: 'string',
      describe:
        'Probe the network from this pod (default: the running scheduler for KubernetesExecutor, the worker for Celery)',
    },
    { name: 'container', short: 'c', type: 'string', describe: 'Container of --pod (default: the Airflow container)' },
    {
      name: 'probe-timeout',
      type: 'string',
      default: '3',
      describe: 'Timeout of each network step in the pod (seconds)',
    },
    {
      name: 'watch',
      type: 'string',
      describe:
        'The network layer also holds a watch on pods from the pod for this long (e.g. 10s, 5m; at most 10m); Ctrl-C stops it',
    },
  ],
  examples: [
    ['kubectl airflow doctor -n airflow', 'Every layer, the first failing one, its fix and the command for detail'],
    [
      'kubectl airflow doctor -n airflow --pod airflow-worker-0 -o yaml',
      "Probe the network from that pod; every layer's full result",
    ],
  ],
  run: async (args, ctx) => {
    if (args.allNamespaces)
      throw new UsageError('doctor checks one release: use -n NAMESPACE (and --release) instead of -A');
    if (args.container !== undefined && args.pod === undefined) throw new UsageError('--container needs --pod');
    const [{ parseProbeTimeout }, { parseWatchDuration }, { repeatableFlags }, doctor] = await Promise.all([
      import('../../net/options.ts'),
      import('../../net/watch.ts'),
      import('../../doctor/plan.ts'),
      import('../../doctor/index.ts'),
    ]);
    const timeoutSeconds = parseProbeTimeout(args.probeTimeout);
    const watchSeconds = args.watch === undefined ? undefined : parseWatchDuration(args.watch);
    const conn = await ctx.connect();
    const r = await doctor.runDoctor(conn, {
      ...args,
      timeoutSeconds,
      watchSeconds,
      repeatFlags: repeatableFlags(args),
      debug: ctx.debug,
    });
    ctx.out(await doctor.renderDoctorResult(r, { output: args.output, colour: ctx.colour }));
    return doctor.doctorExitCode(r);
  },
});
