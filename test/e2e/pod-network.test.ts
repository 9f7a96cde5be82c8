// Every pod of the built-in scenarios is on the pod network, as in a cluster (a hostNetwork pod sees
// the node's): `net` on every pod of the healthy scenarios exits 0, and where a pod's DNS or TCP
// layer fails, the scenario made it fail (a NetworkPolicy, a blackholed nameserver, a hostNetwork
// pod that resolves with its node's resolver), never the testbed. The healthy chart scenarios
// (official-*, community-chart) are covered the same way by e2e/scenario-claims.
import assert from 'node:assert/strict';
import type { Sim } from '../sim/index.ts';
import { runMain, skipWithoutIsolatedNetwork, withSim } from './harness.ts';

interface Layer {
  layer: string;
  verdict: string;
  evidence: string[];
  remedy?: string;
}
interface Item {
  pod: string;
  probe: string;
  firstFailure?: string | null;
  layers: Layer[];
}

async function net(
  sim: Sim,
  namespace: string,
  pod: string,
  extra: string[] = [],
): Promise<{ code: number; item: Item }> {
  const r = await runMain(['net', pod, '--kubeconfig', sim.kubeconfigPath, '-n', namespace, '-o', 'json', ...extra]);
  let item: Item;
  try {
    item = (JSON.parse(r.out) as { items: Item[] }).items[0];
  } catch {
    throw new Error(`${pod}: no JSON report (exit ${r.code}): ${r.err || r.out}`);
  }
  return { code: r.code, item };
}

const verdict = (item: Item, id: string) => item.layers.find((l) => l.layer === id)?.verdict;
const notOk = (item: Item) =>
  item.layers.filter((l) => l.verdict !== 'OK').map((l) => `${l.layer} ${l.verdict}: ${l.evidence.join(' / ')}`);
const podNames = (sim: Sim, namespace: string) =>
  sim.store
    .all('pods', namespace)
    .map((p) => p.metadata.name)
    .sort();

describe('e2e: pods are on the pod network (net from every pod)', function () {
  this.timeout(180_000);
  before(function () {
    skipWithoutIsolatedNetwork(this, "net execs into pods, which needs the sim's pod namespaces");
  });

  // Healthy (test/scenarios/README.md), and ha-port-mismatch, whose finding is `ha`'s: kube-proxy
  // routes to each endpoint's own port, so every connection succeeds. ha-no-lease-access's current
  // identity may not exec: net runs as admin there.
  const HEALTHY: [string, string[]][] = [
    ['ha-healthy', []],
    ['ha-managed-eks', []],
    ['ha-no-lease-access', ['--context', 'admin']],
    ['ha-port-mismatch', []],
  ];
  for (const [scenario, extra] of HEALTHY) {
    withSim(scenario, (sim) => {
      it('net exits 0 on every pod, every layer OK, through the ClusterIP and cluster DNS', async () => {
        const pods = podNames(sim(), 'airflow');
        assert.equal(pods.length, 5);
        for (const pod of pods) {
          const { code, item } = await net(sim(), 'airflow', pod, extra);
          assert.deepEqual(notOk(item), [], pod);
          assert.equal(code, 0, pod);
        }
      });
    });
  }

  // The scenario's fault is in one pod; the others are healthy pods of the same release.
  const ONE_FAULT: [string, string, string[]][] = [
    ['net-egress-blocked', 'tcp', ['tcp', 'policy']],
    ['net-dns-broken', 'dns', ['dns']],
  ];
  for (const [scenario, first, failing] of ONE_FAULT) {
    withSim(scenario, (sim) => {
      it(`the task pod fails at ${first} for the scenario's reason; every other pod exits 0`, async () => {
        const task = 'etl-daily-extract-orders-h3k9w2qz';
        const pods = podNames(sim(), 'airflow');
        assert.ok(pods.includes(task) && pods.length === 5, pods.join(' '));
        for (const pod of pods) {
          const { code, item } = await net(sim(), 'airflow', pod);
          if (pod !== task) {
            assert.deepEqual(notOk(item), [], pod);
            assert.equal(code, 0, pod);
            continue;
          }
          assert.equal(code, 1);
          assert.equal(item.firstFailure, first);
          assert.deepEqual(
            item.layers.filter((l) => l.verdict === 'FAIL').map((l) => l.layer),
            failing,
          );
        }
      });
    });
  }

  withSim('exec-basic', (sim) => {
    it("no DNS or TCP failure but the scenario's: a NetworkPolicy, and a hostNetwork pod with the node's resolver", async () => {
      const seen: string[] = [];
      for (const p of sim().store.all('pods', 'exec-ns')) {
        const pod = p.metadata.name;
        // not running, or nothing to run the probe with: net says so before any network layer
        if (['starting', 'unscheduled', 'distroless'].includes(pod)) continue;
        seen.push(pod);
        const { item } = await net(sim(), 'exec-ns', pod);
        const dns = verdict(item, 'dns');
        const tcp = verdict(item, 'tcp');
        if (pod === 'isolated-blocked') {
          // only-clusterip allows 10.96.0.1:443, which after kube-proxy's DNAT is 10.0.0.11:6443
          assert.equal(dns, 'OK');
          assert.equal(tcp, 'FAIL');
          assert.match(
            item.layers.find((l) => l.layer === 'policy')!.evidence.join('\n'),
            /only-clusterip allows the ClusterIP:443 only/,
          );
        } else if (pod === 'node-agent') {
          // hostNetwork with dnsPolicy ClusterFirst: the kubelet gives it the node's resolv.conf
          const l = item.layers.find((x) => x.layer === 'dns')!;
          assert.equal(dns, 'FAIL');
          assert.match(l.remedy ?? '', /ClusterFirstWithHostNet/);
          assert.equal(tcp, 'OK', "the node reaches the ClusterIP through kube-proxy's rules");
          assert.equal(verdict(item, 'policy'), 'OK', 'no NetworkPolicy applies to the node');
        } else if (item.probe === 'sh') {
          // the shell profile has no tool to open a connection: the probe says SKIP, not FAIL
          assert.deepEqual([dns, tcp], ['OK', 'SKIP'], pod);
        } else {
          assert.deepEqual([dns, tcp, verdict(item, 'tls'), verdict(item, 'http')], ['OK', 'OK', 'OK', 'OK'], pod);
        }
      }
      assert.deepEqual(seen.sort(), ['duo', 'isolated', 'isolated-blocked', 'node-agent', 'quiet', 'runner', 'shelly']);
    });
  });
});
