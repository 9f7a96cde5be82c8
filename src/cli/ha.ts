// `kubectl airflow ha` (issue 4): the chain an in-cluster client follows to the API server, and
// whether the API server is really highly available. options -> complete -> validate -> run, and
// run is fetch (src/ha/fetch.ts) -> decide (src/ha/chain.ts, checks.ts) -> render (src/ha/report.ts).
import type { Argv } from 'yargs';
import { UsageError } from '../base/errors.ts';
import { isMachine, renderData } from '../render/output.ts';
import { defineCommand } from './command.ts';
import { ExitCode } from '../base/exit-codes.ts';

interface HaArgs {
  from?: string;
  container?: string;
}

export const haCommand = defineCommand<HaArgs>({
  command: 'ha',
  describe: 'Check the kubernetes Service, its endpoints and whether the API server is really highly available',
  builder: (y: Argv) =>
    y
      .option('from', { type: 'string', requiresArg: true, describe: 'Also GET /readyz on every endpoint from inside this pod (one exec; namespace from -n)' })
      .option('container', { alias: 'c', type: 'string', requiresArg: true, describe: 'Container of the --from pod (default: the first)' })
      .example('$0 ha', 'Service -> endpoints -> API-server replicas -> nodes, with the checks')
      .example('$0 ha --from airflow-worker-0 -n airflow', 'Which API-server replicas that pod can actually reach'),
  run: async (args, ctx) => {
    // validate
    if (args.container !== undefined && args.from === undefined) throw new UsageError('--container needs --from <pod>');
    if (args.from !== undefined) (await import('../net/plan.ts')).validateNames(args.from, undefined, args.container);
    if (args.allNamespaces) throw new UsageError('ha reads the cluster-wide control plane: -A does not apply (use -n for --from)');

    const conn = await ctx.connect();
    const ha = await import('../ha/index.ts');
    const from = args.from ? { pod: args.from, namespace: conn.namespace, container: args.container } : undefined;
    const { input, chain, checks } = await ha.runHa(conn, { from });
    if (isMachine(args.output)) ctx.out(renderData(ha.toReport(chain, checks, input), args.output));
    else ctx.out(ha.renderText(chain, checks, input, ctx.colour, args.output === 'wide'));
    return checks.some((c) => c.verdict === 'FAIL') ? ExitCode.PROBLEMS : ExitCode.OK;
  },
});
