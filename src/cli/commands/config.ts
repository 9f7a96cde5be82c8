// `kubectl airflow config [--release R]`: for each Airflow component pod, how Airflow's Kubernetes
// client will connect, with findings. The feature: src/config (runConfig).
import { UsageError } from '../../base/errors.ts';
import { outputWidth } from '../../render/width.ts';
import { defineCommand } from '../command.ts';

interface ConfigArgs {
  release?: string;
}

export const configCommand = defineCommand<ConfigArgs>({
  name: 'config',
  describe:
    "How Airflow's Kubernetes client connects from each component pod ([kubernetes_executor], kubernetes_default), with findings",
  flags: [
    {
      name: 'release',
      type: 'string',
      describe: 'Airflow release (Helm release name); needed when the namespace has several',
    },
  ],
  examples: [
    [
      'kubectl airflow config -n airflow',
      'in_cluster, config_file, context, namespace ... per pod, and what will fail',
    ],
  ],
  run: async (args, ctx) => {
    if (args.allNamespaces) throw new UsageError('config looks at one release: use -n <namespace> instead of -A');
    const conn = await ctx.connect();
    const config = await import('../../config/index.ts');
    const r = await config.runConfig(conn, { release: args.release });
    ctx.out(
      config.renderConfig(r, {
        output: args.output,
        colour: ctx.colour,
        width: outputWidth(ctx.io.stdout as { columns?: number }, ctx.io.env),
      }),
    );
    return config.configExitCode(r);
  },
});
