// net --watch: the duration, what a watch's timeline means, and Airflow's keepalive against
// load-balancer idle timeouts. Pure, table-driven.
import assert from 'node:assert/strict';
import { resolveAirflowConfig } from '../../src/airflow/airflow-cfg.ts';
import { UsageError } from '../../src/base/errors.ts';
import { executorAnswer } from '../../src/net/clients.ts';
import {
  after410,
  keepaliveNotes,
  parseWatchDoc,
  parseWatchDuration,
  watchLayer,
  type WatchDoc,
  type WatchMoment,
} from '../../src/net/watch.ts';

const keepalive = (vars: Record<string, string>) =>
  resolveAirflowConfig({ envs: [{ vars, origin: 'pod env' }] }).keepalive;

const doc = (timeline: WatchMoment[], extra: Partial<WatchDoc> = {}): WatchDoc => ({
  mode: 'watch',
  started: 0,
  seconds: 10,
  silence: 3,
  namespace: 'airflow',
  status: 200,
  timeline,
  ...extra,
});

describe('net --watch', () => {
  describe('parseWatchDuration', () => {
    const ok: Array<[string, number]> = [
      ['10s', 10],
      ['10', 10],
      ['2m', 120],
      ['1m30s', 90],
      ['10m', 600],
      ['1s', 1],
    ];
    for (const [v, s] of ok) it(`${v} is ${s}s`, () => assert.equal(parseWatchDuration(v), s));
    for (const v of ['0s', '11m', '601', '', 'abc', '-5s', '1h', '5.5s'])
      it(`"${v}" is a usage error that says what to give`, () =>
        assert.throws(
          () => parseWatchDuration(v),
          (e: Error) => e instanceof UsageError && /from 1s to 10m/.test(e.message),
        ));
  });

  describe('watchLayer', () => {
    const cases: Array<{ name: string; doc: WatchDoc; verdict: string; says: RegExp[] }> = [
      {
        name: 'events all along, held to the end: OK',
        doc: doc([
          { t: 0.1, kind: 'event', type: 'ADDED' },
          { t: 2, kind: 'event', type: 'ADDED' },
          { t: 4, kind: 'event', type: 'MODIFIED' },
          { t: 10, kind: 'held' },
        ]),
        verdict: 'OK',
        says: [/^3 event\(s\) \(ADDED 2, MODIFIED 1\), first at 0\.1s, last at 4\.0s$/, /^held for 10\.0s as asked$/],
      },
      {
        name: 'a silence shorter than the bookmark interval: told with its time, not failed (a quiet namespace looks the same)',
        doc: doc([
          { t: 0.1, kind: 'event', type: 'ADDED' },
          { t: 4.5, kind: 'silence', until: 10, open: true },
          { t: 10, kind: 'held' },
        ]),
        verdict: 'OK',
        says: [
          /^silent from 4\.5s to 10\.0s \(5\.5s without a byte, connection still open at the end\): no pod changed/,
        ],
      },
      {
        name: 'a silence past the one-minute bookmark interval: FAIL',
        doc: doc(
          [
            { t: 0.1, kind: 'event', type: 'ADDED' },
            { t: 0.1, kind: 'bookmark' },
            { t: 0.2, kind: 'silence', until: 120, open: true },
            { t: 120, kind: 'held' },
          ],
          { seconds: 120 },
        ),
        verdict: 'FAIL',
        says: [/^silent from 0\.2s to 120\.0s .*the stream stalled$/, /^1 bookmark\(s\), at 0\.1s$/],
      },
      {
        name: 'the stream ended early: FAIL with the time',
        doc: doc([
          { t: 0.1, kind: 'event', type: 'ADDED' },
          { t: 3.02, kind: 'end' },
        ]),
        verdict: 'FAIL',
        says: [/^stream ended at 3\.0s, before the 10s asked/],
      },
      {
        name: 'a reset: FAIL with the time',
        doc: doc([{ t: 6, kind: 'reset', error: 'reset' }]),
        verdict: 'FAIL',
        says: [/^no events$/, /^connection reset at 6\.0s$/],
      },
      {
        name: 'a 410: FAIL with the time and the message',
        doc: doc([{ t: 1, kind: 'error', code: 410, reason: 'Expired', message: 'too old resource version: 5 (9)' }]),
        verdict: 'FAIL',
        says: [/^410 Expired at 1\.0s: too old resource version: 5 \(9\)$/],
      },
      {
        name: 'refused: FAIL with the status, and RBAC named for a 403',
        doc: doc([], { status: 403, message: 'pods is forbidden' }),
        verdict: 'FAIL',
        says: [/^HTTP 403: pods is forbidden$/],
      },
      {
        name: 'the sh probe without curl: SKIP, saying why',
        doc: doc([], { skipped: 'curl not found (the watch needs curl or python3)', status: undefined }),
        verdict: 'SKIP',
        says: [/^not held: curl not found/],
      },
      {
        name: 'could not open: FAIL',
        doc: doc([], { error: 'tcp: timeout', status: undefined }),
        verdict: 'FAIL',
        says: [/could not be opened: tcp: timeout/],
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        const l = watchLayer(c.doc, keepalive({}));
        assert.equal(l.verdict, c.verdict, l.evidence.join('\n'));
        for (const re of c.says)
          assert.ok(
            l.evidence.some((e) => re.test(e)),
            `${re} in\n${l.evidence.join('\n')}`,
          );
        if (c.verdict === 'FAIL') assert.ok(l.remedy);
      });
  });

  describe('keepaliveNotes', () => {
    const cases: Array<{ name: string; vars: Record<string, string>; warns: RegExp[]; not: RegExp[] }> = [
      { name: "Airflow's defaults (idle 120s): no warning", vars: {}, warns: [], not: [/warning/] },
      {
        name: 'idle 300s: beyond Azure (240s), not AWS NLB (350s)',
        vars: { AIRFLOW__KUBERNETES_EXECUTOR__TCP_KEEP_IDLE: '300' },
        warns: [/warning: tcp_keep_idle 300s .*Azure Load Balancer.*240s.*learn\.microsoft\.com/],
        not: [/AWS/],
      },
      {
        name: 'idle 400s from the deprecated section: both',
        vars: { AIRFLOW__KUBERNETES__TCP_KEEP_IDLE: '400' },
        warns: [/Azure/, /AWS Network Load Balancer's default idle timeout 350s.*docs\.aws\.amazon\.com/],
        not: [],
      },
      {
        name: 'keepalive off: both, saying how to turn it on',
        vars: { AIRFLOW__KUBERNETES_EXECUTOR__ENABLE_TCP_KEEPALIVE: 'False' },
        warns: [/keepalive is off.*Azure.*enable_tcp_keepalive = True/, /keepalive is off.*AWS/],
        not: [],
      },
      {
        name: 'kube_client_request_args shown',
        vars: { AIRFLOW__KUBERNETES_EXECUTOR__KUBE_CLIENT_REQUEST_ARGS: '{"_request_timeout": [60, 60]}' },
        warns: [
          /^kube_client_request_args: \{"_request_timeout": \[60, 60\]\} \(AIRFLOW__KUBERNETES_EXECUTOR__KUBE_CLIENT_REQUEST_ARGS/,
        ],
        not: [/warning/],
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        const notes = keepaliveNotes(keepalive(c.vars));
        const all = notes.join('\n');
        assert.equal(
          notes.filter((n) => n.startsWith('warning')).length,
          c.warns.filter((w) => /Azure|AWS|keepalive is off/.test(w.source)).length,
        );
        for (const re of c.warns)
          assert.ok(
            notes.some((n) => re.test(n)),
            `${re} in\n${all}`,
          );
        for (const re of c.not) assert.doesNotMatch(all, re);
      });

    it('unknown config: says what it assumed', () =>
      assert.match(keepaliveNotes(undefined)[0], /unknown .*defaults are idle 120s/));
  });

  describe('what the installed executor does (clients.json through executorAnswer)', () => {
    const facts = (installed: Record<string, string | null>) => ({
      watch410: executorAnswer('watch-410', installed),
      keepalive: executorAnswer('tcp-keepalive', installed),
    });
    const reset = doc([{ kind: 'reset', t: 4, error: 'reset' }]);
    const cases: Array<{ name: string; installed: Record<string, string | null>; says: RegExp[]; not: RegExp[] }> = [
      {
        name: 'Airflow 2.2.3 (core executor, before 2.3.1): the watcher does not recover from a 410',
        installed: { 'apache-airflow': '2.2.3', urllib3: '1.26.18' },
        says: [/does not recover from a 410.*2\.3\.1/],
        not: [/recovers from a 410 by listing again/],
      },
      {
        name: 'Airflow 2.9 with provider 8.0 and urllib3 1.26: recovers, keepalive advice stands',
        installed: {
          'apache-airflow': '2.9.3',
          'apache-airflow-providers-cncf-kubernetes': '8.0.0',
          urllib3: '1.26.18',
        },
        says: [/recovers from a 410 by listing again/, /keep Airflow's TCP keepalive on/],
        not: [/do not reach/],
      },
      {
        name: 'urllib3 2.x: the keepalive settings do not reach the sockets, so no advice to turn them on',
        installed: {
          'apache-airflow': '2.9.3',
          'apache-airflow-providers-cncf-kubernetes': '8.0.0',
          urllib3: '2.2.1',
        },
        says: [/do not reach the watcher's connections.*urllib3 2\.2\.1/, /whatever enable_tcp_keepalive says/],
        not: [/keep Airflow's TCP keepalive on/],
      },
      {
        name: 'nothing known: what was assumed is said',
        installed: {},
        says: [/assume/],
        not: [],
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        const l = watchLayer(reset, keepalive({}), facts(c.installed));
        const all = [...l.evidence, l.remedy ?? ''].join('\n');
        assert.equal(l.verdict, 'FAIL');
        for (const re of c.says) assert.match(all, re);
        for (const re of c.not) assert.doesNotMatch(all, re);
      });

    it('without the facts it does not claim either way', () =>
      assert.match(after410(undefined), /depends on its version/));
  });

  it('parseWatchDoc takes the last line and refuses another mode', () => {
    assert.equal(parseWatchDoc('noise\n{"mode":"watch","seconds":3}\n').seconds, 3);
    assert.throws(() => parseWatchDoc('{"mode":"net"}'), /not a watch report/);
  });
});
