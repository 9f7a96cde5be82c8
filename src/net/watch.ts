// `net --watch DURATION`: what a watch held from inside the pod saw (events, bookmarks, silences,
// resets, end of stream, 410s, each with its time) and how Airflow's TCP keepalive compares with
// load-balancer idle timeouts. Pure.
import { UsageError } from '../base/errors.ts';
import type { KeepaliveConfig } from '../airflow/airflow-cfg.ts';
import { layer } from './layer.ts';
import type { ExecutorAnswer } from './clients.ts';
import type { Layer } from './model.ts';

/** The longest watch a run may hold: a diagnosis in minutes, not a monitor. */
export const MAX_WATCH_SECONDS = 600;
/** A gap without a byte longer than this is reported as a silence. */
export const SILENCE_SECONDS = 3;
/**
 * A silence longer than this is a stalled stream, not a quiet namespace: with allowWatchBookmarks
 * kube-apiserver sends a BOOKMARK about every minute (apiserver/pkg/storage/cacher/cache_watcher.go
 * nextBookmarkTime, bookmarkFrequency one minute), plus a margin.
 */
export const CONCLUSIVE_SILENCE_SECONDS = 65;

/** "10s", "2m", "1m30s", "45" (seconds) -> seconds, from 1 s to 10 minutes. */
export function parseWatchDuration(v: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s?)?$/.exec(String(v).trim());
  const s = m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : Number.NaN;
  if (!(s >= 1 && s <= MAX_WATCH_SECONDS))
    throw new UsageError(`--watch "${v}": give a duration from 1s to 10m, e.g. 10s, 90s or 5m`);
  return s;
}

export interface WatchMoment {
  t: number;
  kind: 'event' | 'bookmark' | 'error' | 'silence' | 'reset' | 'end' | 'held' | 'garbled';
  type?: string;
  code?: number;
  reason?: string;
  message?: string;
  until?: number;
  open?: boolean;
  error?: string;
}

/** What the probe's watch mode prints. */
export interface WatchDoc {
  mode: 'watch';
  started: number;
  seconds: number;
  silence: number;
  namespace: string;
  status?: number;
  message?: string;
  error?: string;
  /** The sh probe without curl: why the watch was not held. */
  skipped?: string;
  timeline?: WatchMoment[];
}

export function parseWatchDoc(stdout: string): WatchDoc {
  const line = stdout.trim().split('\n').pop() ?? '';
  const doc = JSON.parse(line) as WatchDoc;
  if (doc?.mode !== 'watch') throw new Error('not a watch report');
  return doc;
}

/**
 * Load-balancer idle timeouts an API server is commonly reached through. A connection idle for
 * longer is dropped without a word (a silent watch) unless keepalive probes keep it busy.
 */
export const IDLE_TIMEOUTS: ReadonlyArray<{ name: string; seconds: number; source: string }> = [
  {
    name: 'Azure Load Balancer (AKS)',
    seconds: 240,
    source:
      'learn.microsoft.com/azure/load-balancer/load-balancer-tcp-idle-timeout ("The default setting is 4 minutes")',
  },
  {
    name: 'AWS Network Load Balancer',
    seconds: 350,
    source:
      'docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html ("The default idle timeout value for TCP flows is 350 seconds")',
  },
];

const at = (t: number) => `${t.toFixed(1)}s`;

/** One line per moment worth telling; events are counted, not listed. */
function moments(doc: WatchDoc): { lines: string[]; problems: string[] } {
  const lines: string[] = [];
  const problems: string[] = [];
  const tl = doc.timeline ?? [];
  const events = tl.filter((m) => m.kind === 'event');
  const byType = new Map<string, number>();
  for (const e of events) byType.set(e.type ?? '?', (byType.get(e.type ?? '?') ?? 0) + 1);
  const types = [...byType].map(([k, n]) => `${k} ${n}`).join(', ');
  lines.push(
    events.length
      ? `${events.length} event(s) (${types}), first at ${at(events[0].t)}, last at ${at(events[events.length - 1].t)}`
      : 'no events',
  );
  const bookmarks = tl.filter((m) => m.kind === 'bookmark');
  if (bookmarks.length) lines.push(`${bookmarks.length} bookmark(s), at ${bookmarks.map((b) => at(b.t)).join(', ')}`);
  for (const m of tl) {
    if (m.kind === 'silence') {
      const gap = (m.until ?? m.t) - m.t;
      const p = `silent from ${at(m.t)} to ${at(m.until ?? m.t)} (${gap.toFixed(1)}s without a byte${m.open ? ', connection still open at the end' : ''})`;
      if (gap > CONCLUSIVE_SILENCE_SECONDS)
        problems.push(`${p}: past the one-minute bookmark interval, the stream stalled`);
      else
        lines.push(
          `${p}: no pod changed then, or the stream stalled (only a silence past the one-minute bookmark interval tells them apart: watch longer)`,
        );
    } else if (m.kind === 'reset') problems.push(`connection ${m.error ?? 'reset'} at ${at(m.t)}`);
    else if (m.kind === 'end')
      problems.push(`stream ended at ${at(m.t)}, before the ${doc.seconds}s asked (the server asked for more)`);
    else if (m.kind === 'error' && m.code === 410)
      problems.push(`410 ${m.reason ?? 'Expired'} at ${at(m.t)}: ${m.message ?? ''}`.trim());
    else if (m.kind === 'error') problems.push(`ERROR event at ${at(m.t)}: ${m.code ?? ''} ${m.message ?? ''}`.trim());
    else if (m.kind === 'garbled') problems.push(`an undecodable line at ${at(m.t)}`);
    else if (m.kind === 'held') lines.push(`held for ${at(m.t)} as asked`);
  }
  return { lines, problems };
}

/** What the installed executor does, by clients.json (executorAnswer): undefined when not asked. */
export interface ExecutorFacts {
  watch410: ExecutorAnswer;
  keepalive: ExecutorAnswer;
}

const assumedText = (a: ExecutorAnswer) => (a.assumed ? ` (assumed: ${a.assumed})` : '');

/** What Airflow's keepalive settings mean behind each known idle timeout. */
export function keepaliveNotes(k: KeepaliveConfig | undefined, executor?: ExecutorFacts): string[] {
  if (!k) return ['Airflow keepalive settings unknown (release config not read): Airflow defaults are idle 120s'];
  const out = [
    `Airflow TCP keepalive: ${k.enabled.value ? 'on' : 'off'} (${k.enabled.source}), idle ${k.idle.value}s (${k.idle.source}), interval ${k.interval.value}s, count ${k.count.value}`,
  ];
  if (k.requestArgs.value) out.push(`kube_client_request_args: ${k.requestArgs.value} (${k.requestArgs.source})`);
  const ka = executor?.keepalive;
  if (ka?.answer === false) {
    // the settings exist but never reach the executor's sockets: advice about them would do nothing
    out.push(
      `warning: these settings do not reach the watcher's connections in this image: ${ka.because.join('; ')}${assumedText(ka)}`,
    );
    for (const lb of IDLE_TIMEOUTS)
      out.push(
        `warning: an idle watch through ${lb.name} (default idle timeout ${lb.seconds}s) is dropped silently whatever enable_tcp_keepalive says [${lb.source}]`,
      );
    return out;
  }
  if (ka?.assumed) out.push(`keepalive verdicts assume: ${ka.assumed}`);
  for (const lb of IDLE_TIMEOUTS) {
    if (!k.enabled.value)
      out.push(
        `warning: keepalive is off: an idle watch through ${lb.name} (default idle timeout ${lb.seconds}s) is dropped silently; set enable_tcp_keepalive = True [${lb.source}]`,
      );
    else if (k.idle.value >= lb.seconds)
      out.push(
        `warning: tcp_keep_idle ${k.idle.value}s is not below ${lb.name}'s default idle timeout ${lb.seconds}s: set it below (Airflow's default is 120) [${lb.source}]`,
      );
  }
  return out;
}

/** What the executor's watcher does after a 410, in the remedy's words. */
export function after410(executor?: ExecutorFacts): string {
  const a = executor?.watch410;
  if (!a || a.answer === undefined) return "whether Airflow's watcher recovers from a 410 depends on its version";
  if (a.answer) return `Airflow's watcher recovers from a 410 by listing again${assumedText(a)}`;
  return `this Airflow's watcher does not recover from a 410 (${a.because.join('; ')}): upgrade Airflow to 2.3.1 or later, or restart the scheduler when tasks stop being picked up`;
}

export function watchLayer(doc: WatchDoc, keepalive: KeepaliveConfig | undefined, executor?: ExecutorFacts): Layer {
  const head = `watch on pods in ${doc.namespace} for ${doc.seconds}s from inside the pod (gaps over ${doc.silence}s count as silence)`;
  const notes = keepaliveNotes(keepalive, executor);
  if (doc.skipped) return layer('watch', 'SKIP', [head, `not held: ${doc.skipped}`, ...notes]);
  if (doc.error)
    return layer(
      'watch',
      'FAIL',
      [head, `the watch could not be opened: ${doc.error}`, ...notes],
      'fix the layers above first',
    );
  if (doc.status !== 200)
    return layer(
      'watch',
      'FAIL',
      [head, `HTTP ${doc.status}: ${doc.message ?? ''}`.trim(), ...notes],
      doc.status === 403
        ? `grant watch on pods in ${doc.namespace} to the pod's ServiceAccount (kubectl airflow rbac)`
        : 'see the HTTP + auth layer',
    );
  const { lines, problems } = moments(doc);
  if (!problems.length) return layer('watch', 'OK', [head, ...lines, ...notes]);
  return layer(
    'watch',
    'FAIL',
    [head, ...lines, ...problems, ...notes],
    `something between the pod and the API server drops or ends idle streams (a load balancer or NAT idle timeout): ${
      executor?.keepalive.answer === false
        ? "raise that timeout above the longest quiet time (Airflow's keepalive settings do not reach these connections here)"
        : "keep Airflow's TCP keepalive on with tcp_keep_idle below that timeout, or raise the timeout"
    }; ${after410(executor)}`,
  );
}
