// The kubectl global flags, parsed by the plugin itself (kubectl rejects flags before a plugin name).
import type { Argv } from 'yargs';
import { OUTPUT_FORMATS } from '../render/output.ts';

const GROUP = 'Global kubectl flags:';

export function globalFlags(y: Argv): Argv {
  return y
    .option('kubeconfig', { type: 'string', requiresArg: true, group: GROUP, describe: 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' })
    .option('context', { type: 'string', requiresArg: true, group: GROUP, describe: 'The kubeconfig context to use' })
    .option('cluster', { type: 'string', requiresArg: true, group: GROUP, describe: 'The kubeconfig cluster to use' })
    .option('user', { type: 'string', requiresArg: true, group: GROUP, describe: 'The kubeconfig user to use' })
    .option('namespace', { alias: 'n', type: 'string', requiresArg: true, group: GROUP, describe: "Namespace (default: the context's, else default)" })
    .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, group: GROUP, describe: 'Look in every namespace' })
    .option('as', { type: 'string', requiresArg: true, group: GROUP, describe: 'User to impersonate' })
    .option('as-group', { type: 'string', array: true, requiresArg: true, group: GROUP, describe: 'Group to impersonate (repeatable)' })
    .option('as-uid', { type: 'string', requiresArg: true, group: GROUP, describe: 'UID to impersonate' })
    .option('request-timeout', { type: 'string', requiresArg: true, group: GROUP, describe: 'Per-request timeout (30s, 1m; 0 = none; default 30s)' })
    .option('server', { alias: 's', type: 'string', requiresArg: true, group: GROUP, describe: 'The API server address' })
    .option('token', { type: 'string', requiresArg: true, group: GROUP, describe: 'Bearer token for the API server' })
    .option('insecure-skip-tls-verify', { type: 'boolean', group: GROUP, describe: "Don't verify the server's certificate (insecure)" })
    .option('certificate-authority', { type: 'string', requiresArg: true, group: GROUP, describe: 'Path to a CA certificate file' })
    .option('max-in-flight', { type: 'number', requiresArg: true, default: 16, group: GROUP, describe: 'Most connections the plugin holds open to the API server at once (requests and exec sessions)' })
    .option('output', { alias: 'o', type: 'string', default: 'table', group: GROUP, describe: `Output format: ${OUTPUT_FORMATS.join('|')}` })
    .option('v', { type: 'count', group: GROUP, describe: 'Verbosity (-v, -vv); stack traces on errors' });
}
