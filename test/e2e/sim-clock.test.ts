// A scenario stays as it describes, however long after start it is read: the control plane keeps
// identity Leases and node heartbeats fresh at read time. The sim is started 10 simulated minutes
// in the past and read now (the injected clock), without sleeping.
import assert from 'node:assert/strict';
import { SimClock, startSim, type Sim } from '../sim/index.ts';
import { runMain, skipWithoutIsolatedNetwork } from './harness.ts';

const TEN_MINUTES = 10 * 60_000;

describe('official-kubernetes-executor read 10 simulated minutes after start', function () {
  this.timeout(120_000);
  let sim: Sim;
  before(async () => {
    const clock = new SimClock(-TEN_MINUTES);
    sim = await startSim({ scenario: 'official-kubernetes-executor', clock });
    clock.advance(TEN_MINUTES);
  });
  after(async () => sim?.stop());

  it('the store was filled 10 minutes before now, and the identity Leases were renewed within the last 10 s', () => {
    const airflow = sim.store.get('namespaces', undefined, 'kube-public')!; // created by the sim at start, not by the scenario
    const age = Date.now() - Date.parse(airflow.metadata.creationTimestamp!);
    assert.ok(age >= TEN_MINUTES - 2_000 && age < TEN_MINUTES + 60_000, `namespace created ${age} ms ago`);
    const leases = sim.store
      .all('leases.coordination.k8s.io', 'kube-system')
      .filter((l) => l.metadata.labels?.['apiserver.kubernetes.io/identity']);
    assert.equal(leases.length, 3);
    for (const l of leases) {
      const since = Date.now() - Date.parse(String((l.spec as { renewTime: string }).renewTime));
      assert.ok(since >= 0 && since < 11_000, `${l.metadata.name} renewed ${since} ms ago`);
    }
  });

  it('ha exits 0: every replica live', async () => {
    const r = await runMain(['ha', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal((JSON.parse(r.out) as { verdict: string }).verdict, 'OK');
  });

  it('doctor exits 0: every layer OK', async function () {
    skipWithoutIsolatedNetwork(this, 'doctor probes the network from a pod');
    const r = await runMain(['doctor', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '-o', 'json']);
    assert.equal(r.code, 0, r.out + r.err);
    const d = JSON.parse(r.out) as { layers: { layer: string; verdict: string }[] };
    assert.deepEqual(
      d.layers.map((l) => [l.layer, l.verdict]),
      [
        ['cluster', 'OK'],
        ['release', 'OK'],
        ['config', 'OK'],
        ['network', 'OK'],
        ['ha', 'OK'],
        ['rbac', 'OK'],
        ['admission', 'OK'],
      ],
    );
  });
});
