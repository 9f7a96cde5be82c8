// The one timeout and retry policy (src/kube/pool.ts retryDelay, src/kube/connection.ts send):
// --request-timeout bounds a request with all its retries; when the command ends, what is still in
// flight is cut and nothing is retried; an exec credential plugin gets the same bound.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as YAML from 'yaml';
import { connect } from '../../src/kube/connection.ts';
import { ClusterError } from '../../src/base/errors.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { execInPod } from '../../src/kube/exec.ts';
import { isolatedNetworkMissing, runMain } from './harness.ts';

const NODE = process.execPath;
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** The plugin as its own process: exit code, output, and how many requests reached the sim after it exited. */
function runProcess(
  args: string[],
  sim: Sim,
): Promise<{ code: number | null; out: string; err: string; lateRequests: number }> {
  return new Promise((resolve) => {
    const p = spawn(NODE, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', async (code) => {
      const exited = Date.now();
      // the sim logs a request when it ends: wait until the connections the process held are gone
      while (sim.log.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
      resolve({ code, out, err, lateRequests: sim.log.entries.filter((e) => e.start > exited).length });
    });
  });
}

describe('timeouts: one bound per request, nothing left behind', function () {
  this.timeout(60_000);
  let sim: Sim;
  before(async () => {
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  after(async () => sim?.stop());
  afterEach(() => sim.faults.clear());

  it('every request hanging: rbac --request-timeout 1s fails with one timeout line (exit 3), each request sent once, none retried', async () => {
    sim.faults.set([{ path: '.', hang: true }]);
    sim.log.reset();
    const r = await runProcess(['rbac', '--kubeconfig', sim.kubeconfigPath, '--request-timeout', '1s'], sim);
    assert.equal(r.code, 3, r.err);
    assert.equal(r.out, '');
    assert.match(
      r.err,
      /^kubectl-airflow: \S+ \S+ timed out after 1s \(the API server did not answer in time: retry, or raise --request-timeout\)\n$/,
    );
    const paths = sim.log.entries.map((e) => `${e.method} ${e.path}?${e.query}`);
    assert.ok(paths.length > 0);
    assert.equal(new Set(paths).size, paths.length, `a request was retried after its deadline: ${paths.join(', ')}`);
    assert.equal(r.lateRequests, 0);
    // the command failed at the first deadline: nothing was sent after it
    const first = Math.min(...sim.log.entries.map((e) => e.start));
    const late = sim.log.entries.filter((e) => e.start >= first + 1000).map((e) => e.path);
    assert.deepEqual(late, [], 'requests sent after the command had failed');
  });

  it('the command ending cuts the requests in flight and the backoffs: every promise settles, no attempt after close', async () => {
    sim.faults.set([
      { path: '^/version$', hang: true },
      { path: '^/api/v1/namespaces/airflow/pods$', status: 503, retryAfterSeconds: 20 },
    ]);
    const conn = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeout: '0' }, { env: {} });
    sim.log.reset();
    // request(): three sends (get() would ask the same read once)
    const hanging = [1, 2, 3].map(() => conn.request({ path: '/version' }));
    const backingOff = conn.get('/api/v1/namespaces/airflow/pods');
    while (sim.log.inFlight < 3 || sim.log.count({ path: '/api/v1/namespaces/airflow/pods' }) < 1)
      await new Promise((r) => setTimeout(r, 10));
    conn.close();
    const settled = await Promise.allSettled([...hanging, backingOff]);
    assert.ok(
      settled.every((s) => s.status === 'rejected' && s.reason instanceof ClusterError),
      JSON.stringify(settled),
    );
    while (sim.log.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    const after = sim.log.entries.length;
    await assert.rejects(conn.get('/version'), /not sent: the command already ended/);
    assert.equal(sim.log.entries.length, after, 'nothing is sent after close');
    assert.equal(sim.log.inFlight, 0);
    assert.equal(sim.log.count({ path: '/api/v1/namespaces/airflow/pods' }), 1, 'the 503 was not retried after close');
  });

  it('a Retry-After longer than what is left of --request-timeout is not waited out: the answer is given at once', async () => {
    sim.faults.set([{ path: '^/version$', status: 503, retryAfterSeconds: 30 }]);
    const conn = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeout: '2s' }, { env: {} });
    sim.log.reset();
    await assert.rejects(conn.get('/version'), (e: unknown) => e instanceof ClusterError && e.status === 503);
    assert.equal(sim.log.count({ path: '/version' }), 1);
    conn.close();
  });

  it('--request-timeout beyond 24h: one line, exit 2, before any request', async () => {
    sim.log.reset();
    for (const v of ['600h', '1000000000s']) {
      const r = await runMain(['rbac', '--kubeconfig', sim.kubeconfigPath, '--request-timeout', v]);
      assert.equal(r.code, 2);
      assert.equal(
        r.err,
        `kubectl-airflow: --request-timeout ${v} is longer than 24h: give a shorter duration, or 0 for none\n`,
      );
    }
    assert.equal(sim.log.entries.length, 0);
  });

  it('an exec credential plugin that never answers is bounded by --request-timeout and killed (exit 3, one line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hung-plugin-'));
    try {
      const plugin = join(dir, 'hung-plugin');
      writeFileSync(plugin, `#!/bin/sh\necho $$ > ${dir}/pid\nexec sleep 120\n`);
      chmodSync(plugin, 0o755);
      const kc = YAML.parse(readFileSync(sim.kubeconfigPath, 'utf8'));
      const dev = kc.users.find((u: { name: string }) => u.name === 'dev');
      dev.user.exec = { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' };
      kc['current-context'] = 'dev';
      writeFileSync(join(dir, 'kubeconfig'), YAML.stringify(kc));
      const r = await runProcess(['rbac', '--kubeconfig', join(dir, 'kubeconfig'), '--request-timeout', '1s'], sim);
      assert.equal(r.code, 3, r.err);
      assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
      assert.match(r.err, /timed out after 1s|did not answer within 1s/);
      const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the plugin was killed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one read hanging (Leases): ha keeps every other check, the Lease checks SKIP with the timeout, as for a 503', async () => {
    const verdicts = async () => {
      const r = await runMain(['ha', '--kubeconfig', sim.kubeconfigPath, '--request-timeout', '1s', '-o', 'json']);
      assert.equal(r.code, 0, r.err);
      return (JSON.parse(r.out) as { checks: Array<{ id: string; verdict: string; evidence: string[] }> }).checks;
    };
    sim.faults.set([{ path: '/leases$', status: 503 }]);
    const on503 = await verdicts();
    sim.faults.set([{ path: '/leases$', hang: true }]);
    const onHang = await verdicts();
    assert.deepEqual(
      onHang.map((c) => [c.id, c.verdict]),
      on503.map((c) => [c.id, c.verdict]),
    );
    const leases = onHang.find((c) => c.id === 'endpoint-leases')!;
    assert.equal(leases.verdict, 'SKIP');
    assert.match(
      leases.evidence[0],
      /Leases in kube-system not readable: GET \/apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-system\/leases timed out after 1s/,
    );
    assert.ok(onHang.filter((c) => c.verdict === 'OK').length >= 4, JSON.stringify(onHang));
  });

  describe('exec upgrades under the same policy', () => {
    before(function () {
      const missing = isolatedNetworkMissing();
      if (missing) {
        console.log(`      skipped: exec needs the sim's pod namespaces (${missing})`);
        this.skip();
      }
    });
    const SCHEDULER = 'airflow-scheduler-5d8c9f7b6-x7k2p';
    const run = (conn: Awaited<ReturnType<typeof connect>>) =>
      execInPod(conn, {
        namespace: 'airflow',
        pod: SCHEDULER,
        container: 'scheduler',
        command: ['sh', '-c', 'echo ok'],
        timeoutMs: 20_000,
      });

    it('a 429 or 503 to the upgrade is retried (Retry-After honoured) and the exec then runs', async () => {
      const conn = await connect({ kubeconfig: sim.kubeconfigPath }, { env: {} });
      try {
        for (const status of [429, 503] as const) {
          sim.faults.set([{ path: '/exec$', status, retryAfterSeconds: 1 }]);
          sim.log.reset();
          // the refusal stops once the sim has given one
          const heal = setInterval(
            () => sim.log.count((e) => e.path.endsWith('/exec') && e.code === status) && sim.faults.clear(),
            5,
          );
          const r = await run(conn).finally(() => clearInterval(heal));
          assert.equal(r.exitCode, 0, r.message ?? '');
          assert.equal(r.stdout, 'ok\n');
          const codes = sim.log.entries.filter((e) => e.path.endsWith('/exec')).map((e) => e.code);
          assert.ok(
            codes.length >= 2 && codes.slice(0, -1).every((c) => c === status) && codes.at(-1) === 101,
            `${status}: ${codes}`,
          );
        }
      } finally {
        conn.close();
      }
    });

    it('an upgrade that never answers fails at --request-timeout as a timeout, not as a command that ran', async () => {
      const conn = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeout: '1s' }, { env: {} });
      try {
        sim.faults.set([{ path: '/exec$', hang: true }]);
        await assert.rejects(
          run(conn),
          (e: unknown) =>
            e instanceof ClusterError && e.kind === 'timeout' && /did not answer the upgrade within 1s/.test(e.message),
        );
      } finally {
        conn.close();
      }
    });

    it('once the status is in and the socket closed, no timer of the exec keeps the process alive', async () => {
      const fixture = new URL('./exec-exit.fixture.ts', import.meta.url).pathname;
      const out = await new Promise<string>((resolve, reject) =>
        execFile(NODE, [fixture, sim.kubeconfigPath, SCHEDULER], { timeout: 30_000 }, (e, stdout, stderr) =>
          e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout),
        ),
      );
      assert.deepEqual(JSON.parse(out), { stdout: 'ok\n', exitCode: 0, sockets: [], timers: [] });
    });

    it("an upgrade unanswered within the exec's own bound (shorter than --request-timeout) is a timeout too", async () => {
      const conn = await connect({ kubeconfig: sim.kubeconfigPath, requestTimeout: '0' }, { env: {} });
      try {
        sim.faults.set([{ path: '/exec$', hang: true }]);
        await assert.rejects(
          execInPod(conn, {
            namespace: 'airflow',
            pod: SCHEDULER,
            container: 'scheduler',
            command: ['true'],
            timeoutMs: 500,
          }),
          (e: unknown) => e instanceof ClusterError && e.kind === 'timeout',
        );
      } finally {
        conn.close();
      }
    });

    it('every exec hanging: doctor does not say all is well (exit 3, the network layer names the unanswered exec)', async () => {
      sim.faults.set([{ path: '/exec$', hang: true }]);
      const r = await runMain(['doctor', '--kubeconfig', sim.kubeconfigPath, '--request-timeout', '2s']);
      assert.equal(r.code, 3, r.out + r.err);
      assert.match(
        r.out,
        /4\. network from pod +SKIP +could not check: exec into pod airflow\/\S+: the API server did not answer the upgrade within 2s/,
      );
      assert.doesNotMatch(r.out, /^no layer failed\.?$/m);
    });

    it('a 400 (no node, container choice) is not retried', async () => {
      const conn = await connect({ kubeconfig: sim.kubeconfigPath }, { env: {} });
      try {
        sim.log.reset();
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
        assert.equal(
          sim.log.count((e) => e.path.endsWith('/exec')),
          1,
        );
      } finally {
        conn.close();
      }
    });
  });
});
