// `kubectl airflow rbac` (issue 3). Placeholder registration until Step 2 lands.
import { defineCommand } from './command.ts';
import { UsageError } from '../kube/errors.ts';

export const rbacCommand = defineCommand({
  command: 'rbac',
  describe: "Check the Airflow ServiceAccounts' Kubernetes permissions (auth can-i matrix), with the fix",
  run: async () => {
    throw new UsageError('rbac is not implemented yet');
  },
});
