// The one policy for turning read errors into data: an error the API server answered with a status
// (403, 404, 500 ...) is a Fetched failure the caller decides about; no answer at all (network, TLS,
// timeout) is thrown, because then nothing else the command asks will be answered either. A caller
// that can use only some refusals names their status codes (`accept`); any other one is thrown.
import { ClusterError, RunRefused } from '../base/errors.ts';
import type { Fetched } from '../base/fetched.ts';

export type { Fetched } from '../base/fetched.ts';

export interface FetchPolicy {
  /** The permission that would allow the read, shown where it was refused. */
  permission?: string;
  /** Status codes kept as data; default: every status the server answered. */
  accept?: readonly number[];
  /**
   * A read not answered within --request-timeout kept as data too, for a caller whose reads stand
   * alone (ha: a hanging Leases read is a SKIP, as a 503 there is); only all of them timing out fails.
   */
  timeouts?: boolean;
}

/** A read the server answered with an error, kept as data; no answer at all is thrown. */
export function failed(e: unknown, policy: FetchPolicy = {}): Fetched<never> {
  // the run's own --as refused: no read of this run will be answered, so never a partial result
  if (e instanceof RunRefused) throw e;
  if (policy.timeouts && e instanceof ClusterError && e.status === undefined && e.kind === 'timeout') {
    return {
      ok: false,
      reason: e.kind,
      message: e.message,
      ...(policy.permission ? { permission: policy.permission } : {}),
    };
  }
  if (e instanceof ClusterError && e.status !== undefined && (!policy.accept || policy.accept.includes(e.status))) {
    return {
      ok: false,
      code: e.status,
      reason: e.kind,
      message: e.message,
      ...(policy.permission ? { permission: policy.permission } : {}),
    };
  }
  throw e;
}

export async function fetched<T>(p: Promise<T>, policy: FetchPolicy = {}): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return failed(e, policy);
  }
}
