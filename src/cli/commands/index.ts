// Every command, in the order a user debugs (help and completion list them so): doctor, the one to
// start with, then the layers it points to, then the housekeeping ones.
import type { Command } from '../command.ts';
import { admissionCommand } from './admission.ts';
import { completionCommand } from './completion.ts';
import { configCommand } from './config.ts';
import { doctorCommand } from './doctor.ts';
import { haCommand } from './ha.ts';
import { netCommand } from './net.ts';
import { rbacCommand } from './rbac.ts';
import { versionCommand } from './version.ts';

export const COMMANDS: readonly Command[] = [
  doctorCommand,
  rbacCommand,
  netCommand,
  haCommand,
  admissionCommand,
  configCommand,
  versionCommand,
  completionCommand,
];

/** The top-level help's examples. */
export const EXAMPLES: Array<[string, string]> = [
  ['kubectl airflow rbac', "Check the Airflow ServiceAccounts' permissions in the current namespace"],
  [
    'kubectl airflow rbac -n airflow --release prod -o wide',
    'Same for release "prod", with the binding that grants each cell',
  ],
  ['kubectl airflow rbac --fix | kubectl apply -f -', 'Grant exactly the missing permissions'],
  ['kubectl airflow rbac --sa airflow:my-worker', 'Check a given ServiceAccount'],
  [
    'kubectl airflow doctor -n airflow',
    'Every layer in order; the first failing one, its fix and the command for detail',
  ],
];
