// The claims test/scenarios/README.md makes about the healthy chart scenarios, run as a user would:
// `doctor` passes every layer, and `net` on the pods that talk to the API server for pods passes every
// layer, because the scenarios put their Airflow pods on the pod network (`network: isolated`), as a
// cluster does. No test patches the scenario.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(args, { stdout, stderr, env: {} });
  return { code, out, err };
}

function hasTool(t: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = process.getuid?.() !== 0 ? 'not root' : !hasTool('iptables') ? 'iptables missing' : !hasTool('unshare') ? 'unshare missing' : '';

interface Case {
  scenario: string;
  namespace: string;
  /** The pod doctor probes (the one that launches pods, or a worker). */
  doctorPod: string;
  /** Pods whose every net layer is OK, the Permissions layer included (they launch pods). */
  netOk: string[];
}

const CASES: Case[] = [
  { scenario: 'official-celery', namespace: 'airflow', doctorPod: 'airflow-worker-0', netOk: ['airflow-worker-0', 'airflow-triggerer-0'] },
  {
    scenario: 'official-kubernetes-executor', namespace: 'airflow', doctorPod: 'airflow-scheduler-5d8c9f7b6-x7k2p',
    netOk: ['airflow-scheduler-5d8c9f7b6-x7k2p', 'airflow-triggerer-0', 'etl-daily-extract-orders-h3k9w2qz'],
  },
  { scenario: 'official-multi-namespace', namespace: 'data', doctorPod: 'etl-airflow-scheduler-5d8c9f7b6-x7k2p', netOk: ['etl-airflow-scheduler-5d8c9f7b6-x7k2p', 'etl-airflow-triggerer-0'] },
  { scenario: 'official-multi-namespace-cluster-wide', namespace: 'data', doctorPod: 'etl-airflow-scheduler-5d8c9f7b6-x7k2p', netOk: ['etl-airflow-scheduler-5d8c9f7b6-x7k2p'] },
  {
    scenario: 'community-chart', namespace: 'airflow', doctorPod: 'airflow-worker-0',
    netOk: ['airflow-scheduler-6f9c8d7b5-q8w2e', 'airflow-triggerer-5c4d7e8f9-q8w2e', 'airflow-web-7d8b9c6f4-q8w2e', 'airflow-worker-0'],
  },
];

interface DocLayer { layer: string; verdict: string; summary: string; result?: { pod?: string } }
interface NetItem { pod: string; ok: boolean; probe: string; layers: Array<{ layer: string; verdict: string; evidence: string[] }> }

describe('e2e: the healthy chart scenarios are healthy (test/scenarios/README.md)', function () {
  this.timeout(120_000);
  before(function () {
    if (missing) {
      console.log(`    skipped: net and doctor exec into pods, which needs the sim's pod network (${missing})`);
      this.skip();
    }
  });

  for (const c of CASES) {
    describe(c.scenario, () => {
      let sim: Sim;
      before(async () => {
        sim = await startSim({ scenario: c.scenario });
      });
      after(async () => sim?.stop());

      it(`doctor: every layer OK, exit 0, the network probed from ${c.doctorPod}`, async () => {
        const r = await run(['doctor', '--kubeconfig', sim.kubeconfigPath, '-n', c.namespace, '-o', 'json']);
        assert.equal(r.code, 0, r.out + r.err);
        const d = JSON.parse(r.out) as { layers: DocLayer[]; firstFailingLayer: string | null };
        assert.equal(d.firstFailingLayer, null);
        assert.deepEqual(d.layers.map((l) => [l.layer, l.verdict]), [['cluster', 'OK'], ['release', 'OK'], ['config', 'OK'], ['network', 'OK'], ['ha', 'OK'], ['rbac', 'OK']]);
        const net = d.layers.find((l) => l.layer === 'network')!;
        assert.equal(net.result?.pod, c.doctorPod);
        assert.doesNotMatch(net.summary, /lacks permissions/);
      });

      it(`net: every layer OK on ${c.netOk.length} pod(s), through the ClusterIP and cluster DNS`, async () => {
        for (const pod of c.netOk) {
          const r = await run(['net', pod, '--kubeconfig', sim.kubeconfigPath, '-n', c.namespace, '-o', 'json']);
          const item = (JSON.parse(r.out) as { items: NetItem[] }).items[0];
          const bad = item.layers.filter((l) => l.verdict !== 'OK').map((l) => `${l.layer} ${l.verdict}`);
          assert.deepEqual(bad, [], `${pod}: ${r.out}`);
          assert.equal(item.probe, 'python3', pod);
          // the pod network, not the loopback-only one a pod without `network: isolated` gets
          assert.ok(item.layers.find((l) => l.layer === 'env')!.evidence.some((e) => e.includes('KUBERNETES_SERVICE_HOST=10.96.0.1 ')), pod);
          assert.ok(item.layers.find((l) => l.layer === 'dns')!.evidence.some((e) => /kubernetes\.default\.svc -> 10\.96\.0\.1/.test(e)), pod);
          assert.equal(r.code, 0, pod);
        }
      });
    });
  }
});
