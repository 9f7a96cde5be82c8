// The network plan of every pod of every built-in scenario, as data (no namespaces): whatever a pod's
// DNS or TCP would fail on must be something the scenario says (a blackholed or denying nameserver,
// a dead replica, a stale endpoint, a hostNetwork pod on the node's resolver), never a hole in the
// testbed: a nameserver nobody answers at, a ClusterIP that routes nowhere, an endpoint no one backs.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { CLUSTER_DOMAIN, type ObjectLookup } from '../sim/exec/pod-files.ts';
import { NODE_RESOLVER, planNetwork } from '../sim/exec/pod-network.ts';
import { controlPlaneView, populateStore } from '../sim/index.ts';
import { loadScenario, SCENARIOS_DIR } from '../sim/scenario.ts';
import { Store } from '../sim/store.ts';

const SIM = 'sim.kubectl-airflow.dev/';
const names = readdirSync(SCENARIOS_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));

describe("built-in scenarios: every pod's network plan", () => {
  for (const name of names) {
    it(name, () => {
      const scenario = loadScenario(name);
      const store = new Store();
      populateStore(store, scenario, 'ca');
      const lookup = store as unknown as ObjectLookup;
      const cp = controlPlaneView(scenario);
      const replicas = new Map(cp.replicas.map((r) => [r.address, r]));
      const pods = store.all('pods').filter((p) => p.metadata.namespace !== 'kube-system');
      assert.ok(pods.length > 0);
      for (const pod of pods) {
        const where = `${pod.metadata.namespace}/${pod.metadata.name}`;
        const plan = planNetwork(pod, cp, lookup);
        const dns = pod.metadata.annotations?.[SIM + 'dns'];
        const host = (pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
        assert.equal(plan.kind, host ? 'host' : 'pod', where);

        // DNS: every nameserver of its resolv.conf has a server; only `dns:` makes it fail.
        const nameservers = plan.resolvConf
          .split('\n')
          .filter((l) => l.startsWith('nameserver '))
          .map((l) => l.slice(11));
        assert.ok(nameservers.length > 0, where);
        for (const ns of nameservers) {
          const server = plan.dnsServers.find((d) => d.ip === ns);
          assert.ok(server, `${where}: nameserver ${ns} is served`);
          assert.equal(server.mode, dns === 'nxdomain' ? 'nxdomain' : 'ok', where);
          assert.equal(
            plan.iptables.includes(`-d ${ns}/32 -p udp -m udp --dport 53 -j DROP`),
            dns === 'broken',
            `${where}: ${ns} blackholed only by dns: broken`,
          );
        }
        if (!host) {
          assert.deepEqual(nameservers, [plan.dnsIP], where);
          assert.equal(plan.dnsServers[0].records[`kubernetes.default.svc.${CLUSTER_DOMAIN}`], cp.serviceIP, where);
        } else {
          assert.deepEqual(
            nameservers,
            NODE_RESOLVER.nameservers,
            `${where}: hostNetwork with ClusterFirst uses the node's resolver`,
          );
        }

        // TCP: the ClusterIP routes to the scenario's endpoints; each is a live replica, or the
        // scenario made it fail (a dead replica, an address no replica backs).
        assert.ok(plan.addresses.includes(cp.serviceIP), where);
        assert.ok(plan.endpoints.length > 0, `${where}: the ClusterIP routes somewhere`);
        for (const e of plan.endpoints) {
          const r = replicas.get(e.address);
          const listens = plan.listeners.some(
            (l) => l.address === e.address && l.port === e.port && l.action === 'forward',
          );
          if (r && r.alive !== false && (r.port ?? 6443) === e.port)
            assert.ok(listens, `${where}: live replica ${e.address}:${e.port} answers`);
          else assert.ok(!listens, `${where}: ${e.address}:${e.port} fails because the scenario says so`);
        }
        assert.ok(
          plan.endpoints.some((e) =>
            plan.listeners.some((l) => l.address === e.address && l.port === e.port && l.action === 'forward'),
          ),
          `${where}: at least one endpoint behind the ClusterIP answers`,
        );
      }
    });
  }
});
