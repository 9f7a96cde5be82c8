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
export function backoffMs(attempt: number, retryAfterSeconds: number | undefined, policy: RetryPolicy = DEFAULT_RETRY, random = Math.random): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** fn over every item, at most `limit` at a time; results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
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
