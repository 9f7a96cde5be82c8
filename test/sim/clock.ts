// The simulator's clock. Everything the control plane keeps fresh (identity Leases, node heartbeats)
// is computed from it when read, and every timestamp the store writes comes from it, so a test can
// start a scenario "10 minutes ago" and read it now without sleeping.
export class SimClock {
  private offsetMs: number;

  /** offsetMs: how far the simulated time is from the wall clock (negative: in the past). */
  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves simulated time forward (or back, with a negative value) without waiting. */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
