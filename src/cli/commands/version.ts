// `kubectl airflow version`: what was built and what runs it. No cluster access, so it answers even
// when the kubeconfig is broken (the first thing to ask for in a bug report).
import { ExitCode } from '../../base/exit-codes.ts';
import { renderData } from '../../render/data.ts';
import { isMachine } from '../../render/output.ts';
import { defineCommand } from '../command.ts';
import { renderVersionText, versionData } from '../version-text.ts';

export const versionCommand = defineCommand<Record<string, never>>({
  name: 'version',
  describe: 'Print the plugin version, its commit, and the embedded Node and client-node versions',
  run: async (args, ctx) => {
    const v = versionData();
    ctx.out(isMachine(args.output) ? renderData(v, args.output) : renderVersionText(v));
    return ExitCode.OK;
  },
});
