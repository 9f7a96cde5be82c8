// Dependent round trips in a request log: what a client made the user wait for, whatever its
// concurrency. Definition:
//   - a request's interval is [startedAt, end], end being when its answer was written, or for an
//     exec upgrade when the exec ended (the client holds the connection until then);
//   - request B depends on request A when B started strictly after A ended (B could have used A's
//     answer; a request that started while A was still open cannot have);
//   - the critical path is the longest chain A1, A2, ..., An in which each depends on the one
//     before; its length n is the number of dependent round trips.
// Overlapping requests form one round trip however many they are; a request that waited for a free
// slot of a concurrency bound counts as a further trip, as it costs one.
import type { LogEntry } from './log.ts';

export type Interval = Pick<LogEntry, 'startedAt' | 'endedAt' | 'closedAt'>;

export interface CriticalPath {
  /** Dependent round trips: the length of the longest chain. 0 for an empty log. */
  roundTrips: number;
  /** Indexes into the given entries of one longest chain, in order. */
  chain: number[];
}

const endOf = (e: Interval) => e.closedAt ?? e.endedAt;

export function criticalPath(entries: readonly Interval[]): CriticalPath {
  // by start: every request a given one depends on ended before it started, so comes earlier
  const order = entries.map((_e, i) => i).sort((a, b) => entries[a]!.startedAt - entries[b]!.startedAt || a - b);
  const depth = new Array<number>(entries.length).fill(0);
  const prev = new Array<number>(entries.length).fill(-1);
  let best = -1;
  for (const [k, i] of order.entries()) {
    depth[i] = 1;
    for (let m = 0; m < k; m++) {
      const j = order[m]!;
      if (endOf(entries[j]!) < entries[i]!.startedAt && depth[j]! + 1 > depth[i]!) {
        depth[i] = depth[j]! + 1;
        prev[i] = j;
      }
    }
    if (best < 0 || depth[i]! > depth[best]!) best = i;
  }
  const chain: number[] = [];
  for (let i = best; i >= 0; i = prev[i]!) chain.unshift(i);
  return { roundTrips: chain.length, chain };
}
