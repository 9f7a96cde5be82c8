// The identity a request acts as: the headers we send ourselves, and the refusal of the run's own --as.
import type { KubeResponse } from './connection.ts';
import type { Impersonation } from './resolve.ts';

/**
 * A 403 for the run's own --as is no answer to the question asked: every later request gets the same.
 * Callers that read a 403 as "not allowed to see this" (ha's SKIPs) must not turn it into advice.
 */
export function runImpersonationRefused(res: KubeResponse<unknown>, runAs: Impersonation | undefined): boolean {
  if (!runAs || res.status !== 403) return false;
  const msg = ((res.body ?? {}) as { message?: unknown }).message;
  return typeof msg === 'string' && /cannot impersonate/.test(msg);
}

/** The headers of one identity; we send them ourselves (client-node's config carries none), per request. */
export function impersonationHeaders(imp: Impersonation | undefined | null): Record<string, string | string[]> {
  if (!imp) return {};
  const h: Record<string, string | string[]> = { 'Impersonate-User': imp.user };
  if (imp.groups?.length) h['Impersonate-Group'] = imp.groups;
  if (imp.uid) h['Impersonate-Uid'] = imp.uid;
  return h;
}
