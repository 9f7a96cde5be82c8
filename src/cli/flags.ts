// The kubectl global flags, parsed by the plugin itself (kubectl rejects flags before a plugin name).
import { OUTPUT_FORMATS } from '../render/output.ts';
import type { FlagSpec } from './command.ts';

export const GLOBAL_GROUP = 'Global kubectl flags:';

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'kubeconfig',
    type: 'string',
    values: 'files',
    describe: 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)',
  },
  { name: 'context', type: 'string', values: 'contexts', describe: 'The kubeconfig context to use' },
  { name: 'cluster', type: 'string', values: 'clusters', describe: 'The kubeconfig cluster to use' },
  { name: 'user', type: 'string', values: 'users', describe: 'The kubeconfig user to use' },
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    values: 'namespaces',
    describe: "Namespace (default: the context's, else default)",
  },
  { name: 'all-namespaces', short: 'A', type: 'boolean', default: false, describe: 'Look in every namespace' },
  { name: 'as', type: 'string', describe: 'User to impersonate' },
  { name: 'as-group', type: 'string', repeatable: true, describe: 'Group to impersonate (repeatable)' },
  { name: 'as-uid', type: 'string', describe: 'UID to impersonate' },
  { name: 'request-timeout', type: 'string', describe: 'Per-request timeout (30s, 1m; 0 = none; default 30s)' },
  { name: 'server', short: 's', type: 'string', describe: 'The API server address' },
  { name: 'token', type: 'string', describe: 'Bearer token for the API server' },
  { name: 'insecure-skip-tls-verify', type: 'boolean', describe: "Don't verify the server's certificate (insecure)" },
  { name: 'certificate-authority', type: 'string', values: 'files', describe: 'Path to a CA certificate file' },
  {
    name: 'max-in-flight',
    type: 'number',
    default: 16,
    describe: 'Most connections the plugin holds open to the API server at once (requests and exec sessions)',
  },
  {
    name: 'output',
    short: 'o',
    type: 'string',
    default: 'table',
    values: [...OUTPUT_FORMATS],
    describe: `Output format: ${OUTPUT_FORMATS.join('|')}`,
  },
  { name: 'v', type: 'count', describe: 'Verbosity (-v, -vv); stack traces on errors' },
];

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', describe: 'Show help' };
