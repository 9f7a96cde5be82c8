// Bounded concurrency and retry policy. The API server is shared with Airflow itself, so we never
// hold more than `limit` requests in flight, and a request waiting out a backoff gives its slot back.

export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  readonly limit: number;
  maxActive = 0;
  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
  }
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      // the releaser handed its slot to us: `active` is unchanged
    }
    if (this.active > this.maxActive) this.maxActive = this.active;
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
  get inFlight(): number {
    return this.active;
  }
}

/** Status codes worth retrying: throttling and transient server failures (client-go retries 429 and 5xx with Retry-After). */
export function isRetryableStatus(code: number): boolean {
  return code === 429 || code === 500 || code === 502 || code === 503 || code === 504;
}

/** Socket errors worth retrying: the connection broke, not "nobody listens". */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'UND_ERR_SOCKET';
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, (t - now) / 1000);
}

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  maxMs: number;
  /** Upper bound on how long we honour a server's Retry-After. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 8, baseMs: 50, maxMs: 2000, maxRetryAfterMs: 30_000 };

/** Delay before retry number `attempt` (0-based): the server's Retry-After when given, else capped exponential backoff with jitter. */
export function backoffMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  policy: RetryPolicy = DEFAULT_RETRY,
  random = Math.random,
): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * The one retry decision for every request and exec upgrade: the milliseconds to wait before retry
 * number `attempt` (0-based), or undefined to stop. Stops when retries are used up, when the failure
 * is not transient, or when the wait would end past the request's deadline: client-go's
 * rest/request.go (Request.request) runs its whole retry loop under one context deadline, so a
 * request with all its retries never outlives --request-timeout, and no retry starts after it.
 */
export function retryDelay(
  o: { attempt: number; status?: number; error?: unknown; retryAfterSeconds?: number; now: number; deadline?: number },
  policy: RetryPolicy = DEFAULT_RETRY,
  random = Math.random,
): number | undefined {
  if (o.attempt >= policy.maxRetries) return undefined;
  const transient = o.status !== undefined ? isRetryableStatus(o.status) : isRetryableNetworkError(o.error);
  if (!transient) return undefined;
  const wait = backoffMs(o.attempt, o.retryAfterSeconds, policy, random);
  if (o.deadline !== undefined && o.now + wait >= o.deadline) return undefined;
  return wait;
}

/** fn over every item, at most `limit` at a time; results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, Math.floor(limit)), items.length) }, worker));
  return results;
}

/** A promise (credentials from an exec plugin) bounded by a request's deadline. */
export function withDeadline<X>(p: Promise<X>, deadline: number | undefined, timedOut: () => Error): Promise<X> {
  if (deadline === undefined) return p;
  return new Promise<X>((resolve, reject) => {
    const t = setTimeout(() => reject(timedOut()), Math.max(0, deadline - Date.now()));
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
