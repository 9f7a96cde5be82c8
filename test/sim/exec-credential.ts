// The exec credential plugin an `auth: exec` identity's kubeconfig runs (client.authentication.k8s.io/v1).
// kubectl passes the token through the exec env (SIM_EXEC_TOKEN) and reads an ExecCredential on stdout.
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1';

export function execCredential(token: string, expirationTimestamp?: string): object {
  return {
    kind: 'ExecCredential',
    apiVersion: EXEC_API_VERSION,
    spec: { interactive: false },
    status: { token, ...(expirationTimestamp ? { expirationTimestamp } : {}) },
  };
}

function main(): number {
  const token = process.env.SIM_EXEC_TOKEN;
  if (!token) {
    process.stderr.write('sim exec credential plugin: SIM_EXEC_TOKEN is not set\n');
    return 1;
  }
  // KUBERNETES_EXEC_INFO carries the ExecCredential spec kubectl sent; its apiVersion must match ours.
  const info = process.env.KUBERNETES_EXEC_INFO;
  if (info) {
    try {
      const parsed = JSON.parse(info) as { apiVersion?: string };
      if (parsed.apiVersion && parsed.apiVersion !== EXEC_API_VERSION) {
        process.stderr.write(`sim exec credential plugin: unsupported apiVersion ${parsed.apiVersion}\n`);
        return 1;
      }
    } catch {
      // kubectl always sends valid JSON; ignore anything else rather than fail a login.
    }
  }
  process.stdout.write(JSON.stringify(execCredential(token)) + '\n');
  return 0;
}

if (import.meta.main) process.exitCode = main();
