// `kubectl airflow ha`: the chain an in-cluster client follows to the API server, and whether the
// API server is really highly available. The feature: src/ha (runHa).
import { UsageError } from '../../base/errors.ts';
import { defineCommand } from '../command.ts';

interface HaArgs {
  from?: string;
  container?: string;
}

export const haCommand = defineCommand<HaArgs>({
  name: 'ha',
  describe: 'Check the kubernetes Service, its endpoints and whether the API server is really highly available',
  flags: [
    {
      name: 'from',
      type: 'string',
      values: 'pods',
      describe: 'Also GET /readyz on every endpoint from inside this pod (one exec; namespace from -n)',
    },
    { name: 'container', short: 'c', type: 'string', describe: 'Container of the --from pod (default: the first)' },
  ],
  examples: [
    ['kubectl airflow ha', 'Service -> endpoints -> API-server replicas -> nodes, with the checks'],
    ['kubectl airflow ha --from airflow-worker-0 -n airflow', 'Which API-server replicas that pod can actually reach'],
  ],
  run: async (args, ctx) => {
    if (args.container !== undefined && args.from === undefined) throw new UsageError('--container needs --from <pod>');
    if (args.from !== undefined)
      (await import('../../net/plan.ts')).validateNames(args.from, undefined, args.container);
    if (args.allNamespaces)
      throw new UsageError('ha reads the cluster-wide control plane: -A does not apply (use -n for --from)');

    const conn = await ctx.connect();
    const ha = await import('../../ha/index.ts');
    const from = args.from ? { pod: args.from, namespace: conn.namespace, container: args.container } : undefined;
    const r = await ha.runHa(conn, { from });
    ctx.out(ha.renderHa(r, { output: args.output, colour: ctx.colour }));
    return ha.haExitCode(r);
  },
});
