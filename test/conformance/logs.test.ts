// Real kubectl logs against the sim's pods/log: --tail, --since, --previous's error as kubectl
// prints it, and -f. (kubectl checks a container name itself, before asking the server.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startSim, type Sim } from '../sim/index.ts';
import { kubectl, kubectls, skipWithoutKubectl } from './kubectl.ts';

const NS = 'airflow';
const POD = 'airflow-scheduler-5d8c9f7b6-x7k2p';

describe('conformance: kubectl logs against the sim', function () {
  this.timeout(120_000);
  let sim: Sim;
  before(async function () {
    skipWithoutKubectl(this);
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  // Each test starts from the same two lines (-f adds one).
  beforeEach(() => {
    const pod = sim.store.get('pods', NS, POD)!;
    const recent = new Date(Date.now() - 30_000).toISOString().replace(/\.\d+Z$/, 'Z');
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      'sim.kubectl-airflow.dev/logs.scheduler': `2026-10-01T08:00:00Z old line\n${recent} recent line\n`,
    };
    sim.store.apply(pod);
  });
  after(async () => sim?.stop());

  for (const k of kubectls()) {
    describe(`kubectl ${k.label}`, () => {
      const logs = (args: string[]) => kubectl(k, sim.kubeconfigPath, ['logs', '-n', NS, POD, ...args]);

      it('-c scheduler, --tail, --since', async () => {
        assert.deepEqual(await logs(['-c', 'scheduler']), { code: 0, stdout: 'old line\nrecent line\n', stderr: '' });
        assert.equal((await logs(['-c', 'scheduler', '--tail=1'])).stdout, 'recent line\n');
        assert.equal((await logs(['-c', 'scheduler', '--since=10m'])).stdout, 'recent line\n');
      });

      it("--previous without a previous instance: the kubelet's error as a real server relays it", async () => {
        const previous = await logs(['-c', 'scheduler', '--previous']);
        assert.equal(previous.code, 1);
        assert.equal(
          previous.stderr,
          `Error from server (BadRequest): previous terminated container "scheduler" in pod "${POD}" not found\n`,
        );
      });

      it('-f streams a line added while it follows', async () => {
        const child = spawn(k.path, ['logs', '-f', '-n', NS, POD, '-c', 'scheduler', '--tail=1'], {
          env: { PATH: process.env.PATH ?? '', KUBECONFIG: sim.kubeconfigPath, HOME: '/tmp' },
        });
        let out = '';
        let err = '';
        let exited = false;
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', () => (exited = true));
        // Wait for output, not for time: a kubectl that exits early ends the wait and fails below.
        const until = async (pred: () => boolean) => {
          while (!pred() && !exited) await new Promise((r) => setTimeout(r, 50));
          assert.ok(pred(), `kubectl logs -f exited: ${err}${out}`);
        };
        try {
          await until(() => out.includes('recent line'));
          const pod = sim.store.get('pods', NS, POD)!;
          pod.metadata.annotations!['sim.kubectl-airflow.dev/logs.scheduler'] += 'followed line\n';
          sim.store.apply(pod);
          await until(() => out.includes('followed line'));
          assert.equal(out, 'recent line\nfollowed line\n');
        } finally {
          child.kill();
        }
      });
    });
  }
});
