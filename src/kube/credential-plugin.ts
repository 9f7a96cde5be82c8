// The kubeconfig user's exec credential plugin under the run's --request-timeout.
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * client-node runs the kubeconfig user's exec credential plugin (exec_auth.js) with no time limit:
 * a plugin waiting on a browser login would hold the run forever. It gets --request-timeout (Node
 * kills it, and client-node rejects with its stderr) and is killed when the command ends.
 */
export function boundCredentialPlugin(
  kc: KubeConfig,
  timeoutMs: number,
  whenClosed: (f: () => void) => () => void,
): void {
  type Spawn = typeof import('node:child_process').spawn;
  const auths = (kc as unknown as { authenticators?: Array<{ execFn?: Spawn }> }).authenticators ?? [];
  for (const a of auths) {
    const spawn = a.execFn;
    if (typeof spawn !== 'function') continue;
    a.execFn = ((cmd: string, args: readonly string[], opts: Record<string, unknown> = {}) => {
      const child = spawn(cmd, args, {
        ...opts,
        ...(timeoutMs > 0 ? { timeout: timeoutMs, killSignal: 'SIGKILL' } : {}),
      });
      const forget = whenClosed(() => child.kill('SIGKILL'));
      child.on('close', (_code, signal) => {
        forget();
        if (signal === 'SIGKILL' && timeoutMs > 0)
          child.stderr?.emit(
            'data',
            `the exec credential plugin ${cmd} did not answer within ${timeoutMs / 1000}s (--request-timeout)`,
          );
      });
      return child;
    }) as Spawn;
  }
}
