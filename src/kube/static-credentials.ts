// The credentials a kubeconfig holds outright (certificates, CA, token, basic auth), read as
// client-go reads them, and whether a run needs client-node instead (exec plugins, auth providers).
import * as fs from 'node:fs';
import type * as https from 'node:https';
import { UsageError } from '../base/errors.ts';
import type { ResolvedConfig } from './resolve.ts';

type Obj = Record<string, unknown>;

/** True when credentials need client-node's machinery (exec plugins, auth providers). */
export function needsClientNode(resolved: ResolvedConfig): boolean {
  const user = (resolved.kubeconfig.users[0]?.user ?? {}) as Obj;
  return user.exec != null || user['auth-provider'] != null;
}

function fileOrData(file: unknown, data: unknown, what: string): Buffer | undefined {
  try {
    if (typeof file === 'string' && file) return fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  return typeof data === 'string' && data ? Buffer.from(data, 'base64') : undefined;
}

/** Certificates, CA and token straight from the kubeconfig, as client-go reads them. */
export function staticCredentials(resolved: ResolvedConfig): {
  tls: https.AgentOptions;
  headers: Record<string, string>;
  auth?: string;
} {
  const cluster = (resolved.kubeconfig.clusters[0]?.cluster ?? {}) as Obj;
  const user = (resolved.kubeconfig.users[0]?.user ?? {}) as Obj;
  const tls: https.AgentOptions = {};
  const ca = fileOrData(
    cluster['certificate-authority'],
    cluster['certificate-authority-data'],
    'certificate authority',
  );
  if (ca) tls.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) tls.rejectUnauthorized = false;
  if (typeof cluster['tls-server-name'] === 'string') tls.servername = cluster['tls-server-name'];
  const cert = fileOrData(user['client-certificate'], user['client-certificate-data'], 'client certificate');
  const key = fileOrData(user['client-key'], user['client-key-data'], 'client key');
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  const headers: Record<string, string> = {};
  let token = typeof user.token === 'string' ? user.token : undefined;
  const tokenFile = user['token-file'] ?? user.tokenFile;
  if (!token && typeof tokenFile === 'string')
    token = fileOrData(tokenFile, undefined, 'token file')?.toString('utf8').trim();
  if (token) headers.Authorization = `Bearer ${token}`;
  const auth = typeof user.username === 'string' ? `${user.username}:${String(user.password ?? '')}` : undefined;
  return { tls, headers, ...(auth ? { auth } : {}) };
}
