// The request log tests read: one entry per request, and how many were in flight at once.
export interface LogEntry {
  method: string;
  /** Path without the query. */
  path: string;
  query: string;
  /** Authenticated (and impersonated) user name; '' when authentication failed. */
  user: string;
  /** The user that authenticated, before impersonation. */
  requester: string;
  verb?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** HTTP status; 0 for a reset or an abandoned hang, 101 for an upgrade handed to exec. */
  code: number;
  ms: number;
  /**
   * An upgrade handed to exec: ms from the request until the exec ended (status sent, close begun),
   * set then; `ms` ends at the 101. The connection's whole life, for what a client holds open.
   */
  upgradeMs?: number;
  start: number;
  /**
   * When the request arrived and when its answer was written (the 101 for an upgrade), in ms on
   * this process's monotonic clock (performance.now(): sub-millisecond, unlike start + ms), so
   * tests can tell which requests overlapped and which began only after another had answered.
   */
  startedAt: number;
  endedAt: number;
  /** An upgrade handed to exec: when the exec ended, on the clock of startedAt. */
  closedAt?: number;
  /** The client's address and port, as kube-apiserver's httplog prints srcIP: one per connection. */
  srcIP: string;
  headers: Record<string, string | string[] | undefined>;
  fault?: 'reset' | 'hang' | 'status' | 'latency';
}

export type LogFilter =
  | Partial<
      Pick<LogEntry, 'method' | 'path' | 'user' | 'verb' | 'resource' | 'subresource' | 'namespace' | 'name' | 'code'>
    >
  | ((e: LogEntry) => boolean);

export class RequestLog {
  entries: LogEntry[] = [];
  inFlight = 0;
  maxInFlight = 0;

  begin(): void {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  end(e: LogEntry): void {
    this.inFlight--;
    this.entries.push(e);
  }

  count(filter?: LogFilter): number {
    if (!filter) return this.entries.length;
    if (typeof filter === 'function') return this.entries.filter(filter).length;
    return this.entries.filter((e) =>
      Object.entries(filter).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v),
    ).length;
  }

  reset(): void {
    this.entries = [];
    this.maxInFlight = this.inFlight;
  }
}
