// --max-in-flight bounds everything the plugin holds open against the API server: its requests and
// its exec WebSockets (an exec holds one slot from the upgrade until its socket closes). Measured in
// the sim's log, where each connection's life is [start, start + (upgradeMs ?? ms)]; the plugin's
// connections are told from the pod's by who authenticated: the scenario's current identity (the
// plugin) vs the pod's ServiceAccount token (the probe's own requests, which the bound does not cover).
import assert from 'node:assert/strict';
import { connect } from '../../src/kube/connection.ts';
import { execInPod } from '../../src/kube/exec.ts';
import { startSim, type Sim } from '../sim/index.ts';
import type { LogEntry } from '../sim/log.ts';
import { runMain, skipWithoutIsolatedNetwork } from './harness.ts';

const SCHEDULER = 'airflow-scheduler-5d8c9f7b6-x7k2p';
/** Two reads the connection asks the server each (it answers a repeated read from memory). */
const READS = ['/api/v1/namespaces/airflow/configmaps', '/api/v1/namespaces/airflow/serviceaccounts'];

function pluginUser(sim: Sim): string {
  const spec = sim.scenario.spec as { currentContext: string; identities: { name: string; user: string }[] };
  const id = spec.identities.find((i) => i.name === spec.currentContext);
  assert.ok(id, 'the current identity');
  return id.user;
}

const end = (e: LogEntry) => e.start + (e.upgradeMs ?? e.ms);

/** The most of these connections open at one moment (one ending as another starts do not overlap). */
function maxOverlap(entries: LogEntry[]): number {
  const points = entries.flatMap(
    (e) =>
      [
        [e.start, 1],
        [end(e), -1],
      ] as const,
  );
  // at the same millisecond an end counts before a start
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of points) most = Math.max(most, (open += d));
  return most;
}

function split(sim: Sim) {
  const plugin = pluginUser(sim);
  const entries = sim.log.entries;
  assert.ok(
    entries.every((e) => e.requester !== ''),
    'every request authenticated',
  );
  return {
    plugin: entries.filter((e) => e.requester === plugin),
    pod: entries.filter((e) => e.requester.startsWith('system:serviceaccount:')),
    other: entries.filter((e) => e.requester !== plugin && !e.requester.startsWith('system:serviceaccount:')),
  };
}

describe('e2e: --max-in-flight bounds requests and exec connections together', function () {
  this.timeout(120_000);
  let sim: Sim;
  before(async function () {
    skipWithoutIsolatedNetwork(this, "exec needs the sim's pod namespaces");
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  after(async () => sim?.stop());

  it('an exec holds its slot until its socket closes: with a bound of 1 a request waits for it', async () => {
    const conn = await connect({ kubeconfig: sim.kubeconfigPath, maxInFlight: 1 }, { env: {} });
    try {
      sim.log.reset();
      const exec = execInPod(conn, {
        namespace: 'airflow',
        pod: SCHEDULER,
        container: 'scheduler',
        command: ['python3', '-c', 'import time; time.sleep(0.4)'],
        timeoutMs: 30_000,
      });
      // asked while the exec runs: it may start only once the exec's socket has closed
      await new Promise((r) => setTimeout(r, 50));
      const read = conn.get('/version');
      const [res] = await Promise.all([exec, read]);
      assert.equal(res.exitCode, 0, res.message ?? res.stderr);
      const ex = sim.log.entries.find((e) => e.subresource === 'exec');
      const version = sim.log.entries.find((e) => e.path === '/version');
      assert.ok(ex?.upgradeMs !== undefined && version, 'both in the log, the exec with its whole life');
      assert.ok(ex.upgradeMs >= 400, `the exec lasted ${ex.upgradeMs} ms`);
      assert.ok(version.start >= end(ex), `the read started ${end(ex) - version.start} ms before the exec ended`);
      assert.equal(conn.stats.maxInFlight, 1);
      // the slot came back: another exec and a read both complete
      const again = await execInPod(conn, {
        namespace: 'airflow',
        pod: SCHEDULER,
        container: 'scheduler',
        command: ['python3', '-c', 'pass'],
        timeoutMs: 30_000,
      });
      assert.equal(again.exitCode, 0);
      await conn.get('/version');
    } finally {
      conn.close();
    }
  });

  it('an exec upgrades a connection a read left idle (no handshake of its own); the upgraded one leaves the pool', async () => {
    const conn = await connect({ kubeconfig: sim.kubeconfigPath }, { env: {} });
    try {
      sim.log.reset();
      await conn.get(READS[0]!);
      const r = await execInPod(conn, {
        namespace: 'airflow',
        pod: SCHEDULER,
        container: 'scheduler',
        command: ['true'],
        timeoutMs: 30_000,
      });
      assert.equal(r.exitCode, 0, r.message ?? r.stderr);
      await conn.get(READS[1]!);
      // the sim logs a request once its answer is written, which may be after the client has read it
      for (let i = 0; i < 100 && sim.log.count((e) => READS.includes(e.path)) < 2; i++)
        await new Promise((r) => setTimeout(r, 20));
      const [before, after] = READS.map((p) => sim.log.entries.find((e) => e.path === p));
      const ex = sim.log.entries.find((e) => e.subresource === 'exec');
      assert.ok(before && after && ex, 'two reads and the exec in the log');
      assert.equal(ex.srcIP, before.srcIP, 'the exec went over the connection the first read opened');
      assert.notEqual(after.srcIP, ex.srcIP, 'the read after it needed a connection of its own');
    } finally {
      conn.close();
    }
  });

  it('a refused exec (no such container) and a timed-out one give their slot back', async function () {
    this.timeout(20_000); // a slot kept would leave the read waiting forever
    const conn = await connect({ kubeconfig: sim.kubeconfigPath, maxInFlight: 1 }, { env: {} });
    try {
      await assert.rejects(
        execInPod(conn, {
          namespace: 'airflow',
          pod: SCHEDULER,
          container: 'nope',
          command: ['true'],
          timeoutMs: 10_000,
        }),
        /container/,
      );
      await conn.get('/version');
      const slow = await execInPod(conn, {
        namespace: 'airflow',
        pod: SCHEDULER,
        container: 'scheduler',
        command: ['python3', '-c', 'import time; time.sleep(5)'],
        timeoutMs: 300,
      });
      assert.equal(slow.timedOut, true);
      await conn.get('/version');
    } finally {
      conn.close();
    }
  });

  it("doctor --max-in-flight 1: never more than one plugin connection open, execs included; the pod's own requests are not bounded", async () => {
    sim.log.reset();
    const r = await runMain([
      'doctor',
      '--kubeconfig',
      sim.kubeconfigPath,
      '-n',
      'airflow',
      '-o',
      'json',
      '--max-in-flight',
      '1',
    ]);
    assert.equal(r.code, 0, r.err);
    const { plugin, pod, other } = split(sim);
    assert.deepEqual(other, [], "every request is the plugin's or a pod's");
    const execs = plugin.filter((e) => e.subresource === 'exec');
    assert.ok(
      execs.length >= 1 && execs.every((e) => e.upgradeMs !== undefined),
      "the network layer exec'd into the pod",
    );
    assert.ok(pod.length >= 1, "the probe made requests of its own with the pod's token");
    assert.equal(maxOverlap(plugin), 1);
  });

  it("doctor with the default bound: the same measure sees the plugin's connections overlap", async () => {
    sim.faults.set([{ path: '^/(api|apis)/', latencyMs: 50 }]);
    try {
      sim.log.reset();
      const r = await runMain(['doctor', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '-o', 'json']);
      assert.equal(r.code, 0, r.err);
      const { plugin } = split(sim);
      const most = maxOverlap(plugin);
      assert.ok(most > 1 && most <= 16, `at most ${most} plugin connections open at once`);
    } finally {
      sim.faults.clear();
    }
  });
});
