// Dependent round trips on hand-made request logs (times in ms): the definition make bench reports.
import assert from 'node:assert/strict';
import { criticalPath, type Interval } from '../sim/critical-path.ts';

const req = (startedAt: number, endedAt: number, closedAt?: number): Interval => ({
  startedAt,
  endedAt,
  ...(closedAt !== undefined ? { closedAt } : {}),
});

describe('sim request log: critical path', () => {
  const cases: Array<{ name: string; log: Interval[]; roundTrips: number; chain: number[] }> = [
    { name: 'empty log', log: [], roundTrips: 0, chain: [] },
    { name: 'one request', log: [req(0, 25)], roundTrips: 1, chain: [0] },
    {
      name: 'sixteen at once are one trip',
      log: Array.from({ length: 16 }, (_x, i) => req(i * 0.1, 25 + i * 0.1)),
      roundTrips: 1,
      chain: [0],
    },
    { name: 'one after another', log: [req(0, 25), req(26, 51), req(52, 77)], roundTrips: 3, chain: [0, 1, 2] },
    // discovery wave, then reviews that started once the wave answered, then one confirmation
    {
      name: 'waves',
      log: [req(0, 25), req(1, 26), req(2, 27), req(28, 53), req(28.5, 54), req(55, 80)],
      roundTrips: 3,
      chain: [0, 3, 5],
    },
    // starting at the very moment another ended is not after it: the answer cannot have been read
    { name: 'touching is not dependent', log: [req(0, 25), req(25, 50)], roundTrips: 1, chain: [0] },
    // a long request overlapping two short consecutive ones: the chain goes through the short ones
    {
      name: 'longest chain, not the first found',
      log: [req(0, 60), req(1, 20), req(21, 40), req(61, 70)],
      roundTrips: 3,
      chain: [1, 2, 3],
    },
    // the order of the log (by end) does not matter
    { name: 'log order is irrelevant', log: [req(52, 77), req(0, 25), req(26, 51)], roundTrips: 3, chain: [1, 2, 0] },
    // an exec answers 101 at once but holds its connection until the command ends: what ran
    // meanwhile does not depend on it (counting from the 101 would make three trips)
    {
      name: 'exec counts until it closed',
      log: [req(0, 5, 100), req(10, 20), req(50, 60)],
      roundTrips: 2,
      chain: [1, 2],
    },
    { name: 'after an exec closed', log: [req(0, 5, 100), req(10, 120), req(101, 110)], roundTrips: 2, chain: [0, 2] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = criticalPath(c.log);
      assert.equal(got.roundTrips, c.roundTrips);
      assert.deepEqual(got.chain, c.chain);
    });
  }

  it('each link of the chain started after the one before ended', () => {
    // a deterministic pseudo-random log: 200 requests of 5..40 ms
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const log = Array.from({ length: 200 }, () => {
      const s = rnd() * 500;
      return req(s, s + 5 + rnd() * 35);
    });
    const { roundTrips, chain } = criticalPath(log);
    assert.ok(roundTrips > 1);
    for (let k = 1; k < chain.length; k++) assert.ok(log[chain[k]!]!.startedAt > log[chain[k - 1]!]!.endedAt);
    // no longer chain exists: brute force over the same dependency relation
    const memo = new Map<number, number>();
    const longest = (i: number): number => {
      if (!memo.has(i))
        memo.set(i, 1 + Math.max(0, ...log.map((e, j) => (e.startedAt > log[i]!.endedAt ? longest(j) : 0))));
      return memo.get(i)!;
    };
    assert.equal(roundTrips, Math.max(...log.map((_e, i) => longest(i))));
  });
});
