// `kubectl airflow completion <shell>`: a shell completion script (the engine is ../completion.ts).
import { ExitCode } from '../../base/exit-codes.ts';
import { defineCommand } from '../command.ts';
import { completionScript, SHELLS } from '../completion.ts';

export const completionCommand = defineCommand<{ shell: string }>({
  name: 'completion',
  describe: 'Print a shell completion script: bash, zsh, fish, or kubectl-plugin (for `kubectl airflow <TAB>`)',
  positionals: [{ name: 'shell', required: true, values: [...SHELLS], describe: `One of ${SHELLS.join(', ')}` }],
  examples: [
    [
      'kubectl airflow completion kubectl-plugin > ~/.krew/bin/kubectl_complete-airflow && chmod +x ~/.krew/bin/kubectl_complete-airflow',
      'Complete `kubectl airflow <TAB>` (kubectl >= 1.26)',
    ],
    ['source <(kubectl-airflow completion bash)', 'Complete `kubectl-airflow <TAB>` in bash'],
  ],
  run: async (args, ctx) => {
    ctx.out(completionScript(args.shell));
    return ExitCode.OK;
  },
});
