// Injected failures per route: latency, error answers (429 with Retry-After, 500, 503), connection
// resets and requests that never answer. Rates draw from a seeded generator, so runs repeat.
import type { Status } from './types.ts';
import { internalError, serviceUnavailable, tooManyRequests } from './status.ts';

export interface FaultRule {
  /** Regular expression matched against the request path (without the query). */
  path: string;
  method?: string;
  latencyMs?: number;
  status?: 429 | 500 | 503;
  /** Probability (0..1) that status/reset/hang applies to a matching request; default 1. */
  rate?: number;
  retryAfterSeconds?: number;
  reset?: boolean;
  hang?: boolean;
  /** On a watch: the server ends the stream after this many seconds. */
  watchCloseAfterSeconds?: number;
  /** On a watch: after this many seconds nothing more is sent while the connection stays open (an idle load balancer). */
  watchSilentAfterSeconds?: number;
}

export type FaultAction =
  | { kind: 'status'; status: Status; headers: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'hang' };

export interface FaultDecision {
  latencyMs: number;
  action?: FaultAction;
  /** What happens to the request if it is a watch. */
  watch?: { closeAfterSeconds?: number; silentAfterSeconds?: number };
}

/** mulberry32: tiny, fast, good enough for deciding which requests fail. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function statusFor(
  code: 429 | 500 | 503,
  retryAfterSeconds = 1,
): { status: Status; headers: Record<string, string> } {
  if (code === 429)
    return { status: tooManyRequests(retryAfterSeconds), headers: { 'Retry-After': String(retryAfterSeconds) } };
  if (code === 503) return { status: serviceUnavailable(), headers: { 'Retry-After': String(retryAfterSeconds) } };
  return { status: internalError(), headers: {} };
}

export class Faults {
  private rules: { rule: FaultRule; re: RegExp }[] = [];
  private random: () => number;
  private seed: number;
  /** Added to every request (bench). */
  latencyMs: number;

  constructor(rules: FaultRule[] = [], seed = 1, latencyMs = 0) {
    this.seed = seed;
    this.random = seededRandom(seed);
    this.latencyMs = latencyMs;
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => {
      if (typeof rule.path !== 'string') throw new Error('fault rule needs a path (regular expression)');
      if (rule.status !== undefined && ![429, 500, 503].includes(rule.status))
        throw new Error(`fault status must be 429, 500 or 503, got ${rule.status}`);
      if (rule.rate !== undefined && (rule.rate < 0 || rule.rate > 1))
        throw new Error(`fault rate must be within 0..1, got ${rule.rate}`);
      return { rule: { ...rule }, re: new RegExp(rule.path) };
    });
    this.random = seededRandom(this.seed);
  }

  clear(): void {
    this.set([]);
  }

  get list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  /** Latency adds up over matching rules; the first matching rule with an action that fires decides. */
  decide(method: string, path: string): FaultDecision {
    let latencyMs = this.latencyMs;
    let action: FaultAction | undefined;
    let watch: FaultDecision['watch'];
    for (const { rule, re } of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!re.test(path)) continue;
      latencyMs += rule.latencyMs ?? 0;
      if (!watch && (rule.watchCloseAfterSeconds !== undefined || rule.watchSilentAfterSeconds !== undefined)) {
        watch = { closeAfterSeconds: rule.watchCloseAfterSeconds, silentAfterSeconds: rule.watchSilentAfterSeconds };
      }
      if (action || !(rule.status || rule.reset || rule.hang)) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.random() >= rate) continue;
      if (rule.reset) action = { kind: 'reset' };
      else if (rule.hang) action = { kind: 'hang' };
      else {
        const s = statusFor(rule.status!, rule.retryAfterSeconds ?? 1);
        action = { kind: 'status', ...s };
      }
    }
    return watch ? { latencyMs, action, watch } : { latencyMs, action };
  }
}
