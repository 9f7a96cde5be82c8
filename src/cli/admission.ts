// `kubectl airflow admission`: the pod Airflow would launch, sent to the server as a dry-run create
// (nothing is persisted) as the task pod's ServiceAccount in each launch namespace, and what admission
// would do with it (quotas, LimitRanges, Pod Security, webhooks), with what a dry run cannot show:
// quota room at [core] parallelism, service meshes, API Priority and Fairness.
// options -> complete -> validate -> run; run is fetch -> decide -> render (src/admission).
import type { Argv } from 'yargs';
import { UsageError } from '../kube/errors.ts';
import { isMachine, renderData } from '../render/output.ts';
import { defineCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';

interface AdmissionArgs {
  release?: string;
}

export const admissionCommand = defineCommand<AdmissionArgs>({
  command: 'admission',
  describe: "Dry-run the task pod Airflow would launch: quotas, LimitRanges, Pod Security, webhooks, meshes, API priority",
  builder: (y: Argv) =>
    y
      .option('release', { type: 'string', requiresArg: true, describe: 'Airflow release (Helm release name) when the namespace has several' })
      .example('$0 admission -n airflow', 'Would the API server admit a task pod, and how many at once?'),
  run: async (args, ctx) => {
    if (args.allNamespaces) throw new UsageError('admission checks one release: use -n <namespace> instead of -A');
    const conn = await ctx.connect();
    const { runAdmission, renderText } = await import('../admission/index.ts');
    const report = await runAdmission(conn, conn.namespace, args.release);
    if (isMachine(args.output)) ctx.out(renderData(report, args.output));
    else ctx.out(renderText(report, ctx.colour, args.output === 'wide'));
    if (report.verdict === 'FAIL') return ExitCode.PROBLEMS;
    // as doctor: a check the caller was not allowed to make is "could not ask", not "all good"
    return report.findings.some((f) => f.verdict === 'SKIP') ? ExitCode.CLUSTER : ExitCode.OK;
  },
});
