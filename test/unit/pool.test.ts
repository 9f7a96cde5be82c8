import { strict as assert } from 'node:assert';
import { Semaphore, backoffMs, isRetryableStatus, parseRetryAfter, DEFAULT_RETRY } from '../../src/kube/pool.ts';

describe('request pool', () => {
  it('never lets more than the limit run at once', async () => {
    const sem = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        await sem.acquire();
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        sem.release();
      }),
    );
    assert.equal(peak, 3);
    assert.equal(sem.maxActive, 3);
    assert.equal(sem.inFlight, 0);
  });
  it('retries throttling and transient 5xx only', () => {
    assert.deepEqual([429, 500, 503, 400, 401, 403, 404].map(isRetryableStatus), [true, true, true, false, false, false, false]);
  });
  it('honours Retry-After (seconds or date), capped', () => {
    assert.equal(parseRetryAfter('2'), 2);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 5_000), 5);
    assert.equal(backoffMs(0, 2), 2000);
    assert.equal(backoffMs(0, 3600), DEFAULT_RETRY.maxRetryAfterMs);
  });
  it('backs off exponentially with jitter within the cap', () => {
    assert.equal(backoffMs(0, undefined, DEFAULT_RETRY, () => 1), 50);
    assert.equal(backoffMs(2, undefined, DEFAULT_RETRY, () => 0), 100);
    assert.equal(backoffMs(20, undefined, DEFAULT_RETRY, () => 1), DEFAULT_RETRY.maxMs);
  });
});
