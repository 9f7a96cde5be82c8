// `net POD --watch 10s` against the simulated API server: the probe holds a watch on pods from inside
// the pod (its own network namespace, the pod's token). While it runs the test creates a pod in the
// launch namespace every half second (what a busy scheduler does), so a healthy stream is never
// quiet; the sim's watch fault `watchSilentAfterSeconds` makes the stream go silent with the
// connection open, as behind a load balancer that dropped the flow.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Sim } from '../sim/index.ts';
import type { KubeObject } from '../sim/types.ts';
import { runMain, withSim } from './harness.ts';

const POD = 'airflow-scheduler-5d8c9f7b6-x7k2p';

interface Layer {
  layer: string;
  verdict: string;
  evidence: string[];
}

/** Runs `net POD --watch 10s -o json` while task pods keep appearing in the namespace. */
async function watchFor(sim: Sim, extra: string[] = []): Promise<{ code: number; watch: Layer; err: string }> {
  let n = 0;
  const busy = setInterval(() => {
    n += 1;
    sim.store.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `task-${n}`, namespace: 'airflow', labels: { kubernetes_executor: 'True' } },
      spec: { containers: [{ name: 'base', image: 'apache/airflow:3.0.2' }] },
    });
  }, 500);
  try {
    const r = await runMain([
      'net',
      POD,
      '--kubeconfig',
      sim.kubeconfigPath,
      '-n',
      'airflow',
      '--watch',
      '10s',
      '-o',
      'json',
      ...extra,
    ]);
    const doc = JSON.parse(r.out) as { items: Array<{ layers: Layer[] }> };
    const watch = doc.items[0].layers.find((l) => l.layer === 'watch');
    assert.ok(watch, `a watch layer in ${r.out}`);
    return { code: r.code, watch, err: r.err };
  } finally {
    clearInterval(busy);
  }
}

/** The scheduler pod's image: python (probe.py), shell-curl (probe.sh with curl), shell (no curl). */
function useProfile(sim: Sim, profile: string): void {
  const pod = sim.store.get('pods', 'airflow', POD) as KubeObject;
  const annotations = { ...pod.metadata.annotations, 'sim.kubectl-airflow.dev/image-profile': profile };
  sim.store.apply({ ...pod, metadata: { ...pod.metadata, annotations } });
}

/** The silences the layer reports: [from, until] in seconds since the watch opened. */
function silences(l: Layer): Array<[number, number]> {
  return l.evidence
    .map((e) => /^silent from ([\d.]+)s to ([\d.]+)s/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])]);
}

describe('net --watch (in the pod, against the sim)', function () {
  this.timeout(120_000);

  withSim(
    'official-kubernetes-executor',
    (sim) => {
      afterEach(() => sim().faults.clear());

      for (const profile of ['python', 'shell-curl']) {
        it(`${profile}: a healthy stream: events all along, held for the whole duration, no silence`, async () => {
          useProfile(sim(), profile);
          const { code, watch, err } = await watchFor(sim());
          assert.equal(watch.verdict, 'OK', watch.evidence.join('\n') + err);
          assert.equal(code, 0, err);
          const events = watch.evidence.find((e) => /^\d+ event\(s\)/.test(e));
          assert.ok(events && Number(events.split(' ')[0]) >= 10, `events: ${watch.evidence.join('\n')}`);
          assert.match(watch.evidence.join('\n'), /ADDED/);
          assert.ok(
            watch.evidence.some((e) => /^held for 10\.\ds as asked$/.test(e)),
            watch.evidence.join('\n'),
          );
          assert.deepEqual(silences(watch), []);
          assert.match(watch.evidence.join('\n'), /Airflow TCP keepalive: on .* idle 120s/);
        });

        it(`${profile}: a stream that goes silent after 5 s: the silence and its time, the connection still open`, async () => {
          sim().faults.set([{ path: '^/api/v1/namespaces/airflow/pods$', method: 'GET', watchSilentAfterSeconds: 5 }]);
          useProfile(sim(), profile);
          const { watch } = await watchFor(sim());
          const found = silences(watch);
          assert.equal(found.length, 1, watch.evidence.join('\n'));
          const [from, until] = found[0];
          // the last byte came before the fault's 5 s; the silence lasts to the end of the 10 s
          assert.ok(from >= 3.5 && from <= 5.5, `silence from ${from}s`);
          assert.ok(until >= 9.5, `silence until ${until}s`);
          assert.match(watch.evidence.join('\n'), /connection still open at the end/);
        });

        it(`${profile}: a stream the server ends after 3 s: the end of stream and its time, FAIL`, async () => {
          sim().faults.set([{ path: '^/api/v1/namespaces/airflow/pods$', method: 'GET', watchCloseAfterSeconds: 3 }]);
          useProfile(sim(), profile);
          const { code, watch } = await watchFor(sim());
          assert.equal(watch.verdict, 'FAIL', watch.evidence.join('\n'));
          assert.equal(code, 1);
          const end = watch.evidence.map((e) => /^stream ended at ([\d.]+)s/.exec(e)).find((m) => m);
          assert.ok(end, watch.evidence.join('\n'));
          assert.ok(Number(end[1]) >= 2.5 && Number(end[1]) <= 4.5, `ended at ${end[1]}s`);
        });
      }

      it('shell (sh without curl): the watch is SKIP and says why', async () => {
        useProfile(sim(), 'shell');
        const { watch } = await watchFor(sim());
        assert.equal(watch.verdict, 'SKIP', watch.evidence.join('\n'));
        assert.ok(
          watch.evidence.some((e) => /not held: curl not found/.test(e)),
          watch.evidence.join('\n'),
        );
        useProfile(sim(), 'python');
      });

      it('Ctrl-C during a 10-minute watch: the plugin exits at once and lets go of the exec', async () => {
        const s = sim();
        useProfile(s, 'python');
        s.log.reset();
        const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
        const args = [main, 'net', POD, '--kubeconfig', s.kubeconfigPath, '-n', 'airflow', '--watch', '10m'];
        const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
          p.on('close', (code, signal) => r({ code, signal })),
        );
        // the detect and probe execs have ended and the watch exec is open
        const execs = () => s.log.count((e) => e.path.endsWith('/exec'));
        while (!(execs() >= 2 && s.log.inFlight > 0)) await new Promise((r) => setTimeout(r, 50));
        p.kill('SIGINT');
        const how = await exited;
        assert.ok(how.signal === 'SIGINT' || how.code === 130, `exit ${how.code} ${how.signal}`);
        assert.doesNotMatch(err, /\bat .*\.ts:\d+/, 'no stack trace');
        // the watch exec's connection is closed too (the mocha timeout is the bound, not a clock here)
        while (s.log.inFlight > 0) await new Promise((r) => setTimeout(r, 50));
      });
    },
    { needsIsolatedNetwork: 'net --watch execs the probe into a pod' },
  );
});
