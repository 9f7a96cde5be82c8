// What an answer or an error means for doctor's layers. Pure: each takes the answer as data.
import { ClusterError, fromStatus, UsageError } from '../base/errors.ts';
import type { LayerId, LayerResult } from './model.ts';
import { skipped } from './verdicts.ts';

export type WhoAmI = { username: string; groups?: string[] } | undefined;

/**
 * The SelfSubjectReview's answer: who we are; undefined when authenticated but the server will not
 * say as whom (403: not allowed to ask; 404: a server before 1.28 serves none by default). Anything
 * else (401: the credentials are rejected) is layer 1 failing: thrown, exit 3.
 */
export function whoAmI(status: number, body: unknown): WhoAmI {
  if (status >= 200 && status < 300) {
    const u = (body as { status?: { userInfo?: { username?: string; groups?: string[] } } } | undefined)?.status
      ?.userInfo;
    return { username: u?.username ?? '?', groups: u?.groups };
  }
  if (status === 404 || status === 403) return undefined;
  throw fromStatus(status, body, 'POST selfsubjectreviews');
}

/** A layer whose own fetch failed: SKIP with the one-line reason; `unasked` when the cluster refused to answer. */
export function notChecked(id: LayerId, e: unknown): LayerResult {
  if (e instanceof ClusterError) return { ...skipped(id, `could not check: ${e.message}`, e.remedy), unasked: true };
  if (e instanceof UsageError) return skipped(id, `could not check: ${e.message}`);
  throw e;
}

/** Why the network layer is not probed, or undefined when it is: no release, or no pod to probe from. */
export function networkSkip(
  hasRelease: boolean,
  choice: { pod?: string; reason: string } | undefined,
): string | undefined {
  if (!hasRelease || !choice) return NO_RELEASE;
  return choice.pod ? undefined : choice.reason;
}

/** The reason every release-bound layer gives when layer 2 found none. */
export const NO_RELEASE = 'no Airflow release to check (layer 2)';
