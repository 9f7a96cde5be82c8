// `kubectl airflow admission`: would the API server admit the task pod Airflow launches (a dry-run
// create as the account that launches it, in each launch namespace: nothing is persisted), how many at once the
// quota left holds, service meshes, API Priority and Fairness. The feature: src/admission (runAdmission).
import { UsageError } from '../../base/errors.ts';
import { defineCommand } from '../command.ts';

interface AdmissionArgs {
  release?: string;
}

export const admissionCommand = defineCommand<AdmissionArgs>({
  name: 'admission',
  describe:
    'Dry-run the task pod Airflow would launch: quotas, LimitRanges, Pod Security, webhooks, meshes, API priority',
  flags: [
    { name: 'release', type: 'string', describe: 'Airflow release (Helm release name) when the namespace has several' },
  ],
  examples: [
    ['kubectl airflow admission -n airflow', 'Would the API server admit a task pod, and how many at once?'],
    ['kubectl airflow admission -n airflow -o wide', 'The same with each fix and where its rule comes from'],
  ],
  run: async (args, ctx) => {
    if (args.allNamespaces) throw new UsageError('admission checks one release: use -n <namespace> instead of -A');
    const conn = await ctx.connect();
    const admission = await import('../../admission/index.ts');
    const report = await admission.runAdmission(conn, conn.namespace, args.release);
    ctx.out(admission.renderAdmission(report, { output: args.output, colour: ctx.colour }));
    return admission.admissionExitCode(report);
  },
});
