// Writes the kubeconfig of a running sim: one cluster, and one user and one context per identity
// (same name), each context in the scenario's namespace, the scenario's currentContext current.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Identity } from './scenario.ts';
import { EXEC_API_VERSION } from './exec-credential.ts';

export const EXEC_PLUGIN = join(dirname(fileURLToPath(import.meta.url)), 'exec-credential.ts');

export interface IdentityCredential {
  identity: Identity;
  token?: string;
  certPem?: string;
  keyPem?: string;
}

export interface KubeconfigInput {
  clusterName: string;
  server: string;
  caPem: string;
  namespace: string;
  currentContext: string;
  credentials: IdentityCredential[];
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function kubeconfigObject(k: KubeconfigInput): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': k.currentContext,
    clusters: [{ name: k.clusterName, cluster: { server: k.server, 'certificate-authority-data': b64(k.caPem) } }],
    contexts: k.credentials.map((c) => ({
      name: c.identity.name,
      context: { cluster: k.clusterName, user: c.identity.name, namespace: k.namespace },
    })),
    users: k.credentials.map((c) => ({ name: c.identity.name, user: userEntry(c) })),
  };
}

function userEntry(c: IdentityCredential): object {
  switch (c.identity.auth) {
    case 'clientCertificate':
      return { 'client-certificate-data': b64(c.certPem!), 'client-key-data': b64(c.keyPem!) };
    case 'token':
      return { token: c.token };
    case 'exec':
      return {
        exec: {
          apiVersion: EXEC_API_VERSION,
          command: process.execPath,
          args: [EXEC_PLUGIN],
          env: [{ name: 'SIM_EXEC_TOKEN', value: c.token }],
          interactiveMode: 'Never',
          provideClusterInfo: false,
        },
      };
  }
}

export function writeKubeconfig(path: string, k: KubeconfigInput): void {
  writeFileSync(path, stringify(kubeconfigObject(k)), { mode: 0o600 });
}
