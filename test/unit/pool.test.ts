import { strict as assert } from 'node:assert';
import {
  Semaphore,
  backoffMs,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
  DEFAULT_RETRY,
} from '../../src/kube/pool.ts';

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
    assert.deepEqual([429, 500, 503, 400, 401, 403, 404].map(isRetryableStatus), [
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
  it('honours Retry-After (seconds or date), capped', () => {
    assert.equal(parseRetryAfter('2'), 2);
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 5_000), 5);
    assert.equal(backoffMs(0, 2), 2000);
    assert.equal(backoffMs(0, 3600), DEFAULT_RETRY.maxRetryAfterMs);
  });
  it('backs off exponentially with jitter within the cap', () => {
    assert.equal(
      backoffMs(0, undefined, DEFAULT_RETRY, () => 1),
      50,
    );
    assert.equal(
      backoffMs(2, undefined, DEFAULT_RETRY, () => 0),
      100,
    );
    assert.equal(
      backoffMs(20, undefined, DEFAULT_RETRY, () => 1),
      DEFAULT_RETRY.maxMs,
    );
  });
  it('retryDelay: one decision for requests and exec upgrades; never a retry that would end past the deadline', () => {
    const one = () => 1;
    const cases: Array<[string, Parameters<typeof retryDelay>[0], number | undefined]> = [
      [
        '429 with Retry-After, time left',
        { attempt: 0, status: 429, retryAfterSeconds: 1, now: 0, deadline: 30_000 },
        1000,
      ],
      ['503, no deadline (--request-timeout 0)', { attempt: 0, status: 503, now: 0 }, 50],
      [
        'Retry-After past the deadline',
        { attempt: 0, status: 429, retryAfterSeconds: 5, now: 0, deadline: 2000 },
        undefined,
      ],
      ['backoff ending exactly at the deadline', { attempt: 0, status: 500, now: 1950, deadline: 2000 }, undefined],
      ['retries used up', { attempt: DEFAULT_RETRY.maxRetries, status: 503, now: 0, deadline: 30_000 }, undefined],
      ['not transient: 400', { attempt: 0, status: 400, now: 0, deadline: 30_000 }, undefined],
      ['not transient: 404', { attempt: 0, status: 404, now: 0, deadline: 30_000 }, undefined],
      ['a reset connection', { attempt: 1, error: { code: 'ECONNRESET' }, now: 0, deadline: 30_000 }, 100],
      ['nobody listening', { attempt: 0, error: { code: 'ECONNREFUSED' }, now: 0, deadline: 30_000 }, undefined],
      ['our own timeout', { attempt: 0, error: new Error('timed out'), now: 0, deadline: 30_000 }, undefined],
    ];
    for (const [name, input, want] of cases) assert.equal(retryDelay(input, DEFAULT_RETRY, one), want, name);
  });
});
