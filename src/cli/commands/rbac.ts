// `kubectl airflow rbac`: the auth can-i matrix for Airflow's ServiceAccounts, with the reason and
// the fix. The feature: src/rbac (runRbac).
import { UsageError } from '../../base/errors.ts';
import { defineCommand } from '../command.ts';

interface RbacArgs {
  release?: string;
  sa?: string[];
  profile?: string[];
  verbs?: string[];
  resources?: string[];
  fix: boolean;
}

/** Listed in --profile's description: the profiles of src/airflow/requirements.yaml, read only when rbac runs. */
const PROFILE_NAMES =
  'kubernetes-executor, log-reading, kubernetes-pod-operator, deferrable-pod-operator, job-launching, cleanup';

export const rbacCommand = defineCommand<RbacArgs>({
  name: 'rbac',
  describe:
    "Check the Airflow ServiceAccounts' Kubernetes permissions (auth can-i matrix), with the reason and the fix",
  flags: [
    { name: 'release', type: 'string', describe: 'Airflow release (Helm release name) when the namespace has several' },
    {
      name: 'sa',
      type: 'string',
      repeatable: true,
      describe: "Check this ServiceAccount (NAMESPACE:NAME, repeatable) instead of the release's",
    },
    {
      name: 'profile',
      type: 'string',
      repeatable: true,
      describe: `Required-permission profiles to check (repeatable): ${PROFILE_NAMES}`,
    },
    { name: 'verbs', type: 'string', repeatable: true, describe: 'Extra required verbs (comma-separated or repeated)' },
    {
      name: 'resources',
      type: 'string',
      repeatable: true,
      describe: 'Extra required resources: RESOURCE[.GROUP][/SUBRESOURCE]',
    },
    {
      name: 'fix',
      type: 'boolean',
      default: false,
      describe: 'Print a least-privilege Role + RoleBinding granting exactly what is missing (YAML on stdout)',
    },
  ],
  examples: [
    ['kubectl airflow rbac -n airflow', 'Matrix for the release in namespace airflow'],
    ['kubectl airflow rbac -o wide', 'Also show the RoleBinding that grants each required cell'],
    ['kubectl airflow rbac --fix | kubectl apply -f -', 'Grant exactly the missing permissions'],
    [
      'kubectl airflow rbac --sa airflow:airflow-worker --profile kubernetes-pod-operator',
      'Check one account against one profile',
    ],
  ],
  run: async (args, ctx) => {
    if (args.allNamespaces)
      throw new UsageError('rbac checks one release: use -n NAMESPACE (and --release) instead of -A');
    const rbac = await import('../../rbac/index.ts');
    rbac.validateRbac(args);
    const conn = await ctx.connect();
    const r = await rbac.runRbac(conn, { ...args, wantReasons: args.output !== 'table', debug: ctx.debug });
    for (const w of r.plan.warnings) ctx.err(`kubectl-airflow: warning: ${w}\n`);
    const { stdout, stderr } = rbac.renderRbac(r, { output: args.output, fix: args.fix, colour: ctx.colour });
    if (stderr) ctx.err(stderr);
    ctx.out(stdout);
    return rbac.rbacExitCode(r);
  },
});
