// Which kubeconfig a run reads: --kubeconfig, else every KUBECONFIG file, else ~/.kube/config; with
// none and no --server inside a pod, the in-cluster config (client-go rest.InClusterConfig).
import * as fs from 'node:fs';
import { UsageError } from '../base/errors.ts';
import { kubeconfigPaths, mergeKubeconfigs, type KubeconfigFile } from './kubeconfig.ts';
import { resolveConfig, type ConnectionFlags, type ResolvedConfig } from './resolve.ts';

export function readKubeconfigFiles(flags: ConnectionFlags, env: NodeJS.ProcessEnv): KubeconfigFile[] {
  const { paths, explicit } = kubeconfigPaths(flags.kubeconfig, env);
  const files: KubeconfigFile[] = [];
  for (const p of paths) {
    try {
      files.push({ path: p, text: fs.readFileSync(p, 'utf8') });
    } catch (e) {
      // kubectl ignores missing files listed in KUBECONFIG, but not an explicit --kubeconfig
      if (explicit || (e as { code?: string }).code !== 'ENOENT') {
        throw new UsageError(`cannot read kubeconfig ${p}: ${(e as Error).message}`);
      }
    }
  }
  return files;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * kubectl inside a pod with no kubeconfig uses the in-cluster config (client-go rest.InClusterConfig):
 * KUBERNETES_SERVICE_HOST/PORT, the mounted token and CA, the mounted namespace.
 */
export function inClusterKubeconfig(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR): KubeconfigFile | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !fs.existsSync(`${dir}/token`)) return undefined;
  let namespace = 'default';
  try {
    namespace = fs.readFileSync(`${dir}/namespace`, 'utf8').trim() || 'default';
  } catch {
    // no namespace file: kubectl falls back to default as well
  }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'in-cluster',
    clusters: [
      {
        name: 'in-cluster',
        cluster: { server, ...(fs.existsSync(`${dir}/ca.crt`) ? { 'certificate-authority': `${dir}/ca.crt` } : {}) },
      },
    ],
    users: [{ name: 'in-cluster', user: { tokenFile: `${dir}/token` } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'in-cluster', namespace } }],
  };
  return { path: `${dir}/in-cluster`, text: JSON.stringify(doc) };
}

export function resolveFromFlags(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): ResolvedConfig {
  const files = readKubeconfigFiles(flags, env);
  if (files.length === 0 && !flags.server) {
    const inCluster = inClusterKubeconfig(env, serviceAccountDir);
    if (inCluster) return resolveConfig(mergeKubeconfigs([inCluster]), flags);
    throw new UsageError('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  }
  return resolveConfig(mergeKubeconfigs(files), flags);
}
