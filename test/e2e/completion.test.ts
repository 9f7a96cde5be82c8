// The hidden `__complete` against the simulated API server: a shell is waiting, so completion makes
// one attempt with a short timeout (COMPLETION_RETRY, COMPLETION_TIMEOUT_MS) instead of the
// commands' retry policy. No timed assertion: the attempts are counted in the sim's log and the bound
// is read from the timeout message.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runMain } from './harness.ts';
import { startSim, type Sim } from '../sim/index.ts';

const PODS = '^/api/v1/namespaces/airflow/pods$';

/** The sim logs a hung request when the client closes it: wait for those to settle. */
async function settled(sim: Sim): Promise<void> {
  while (sim.log.inFlight > 0) await sleep(20);
}

describe('e2e: __complete against the sim', function () {
  this.timeout(60_000);
  let sim: Sim;
  beforeEach(async () => {
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  afterEach(async () => sim?.stop());

  const complete = () =>
    runMain(['__complete', 'net', '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', 'airflow-sch']);

  it('completes pod names from the cluster', async () => {
    const r = await complete();
    assert.equal(r.code, 0);
    assert.equal(r.out, 'airflow-scheduler-5d8c9f7b6-x7k2p\n:4\n');
    assert.equal(sim.log.count({ path: '/api/v1/namespaces/airflow/pods' }), 1);
  });

  it('a hung API server: no candidates, one attempt, given up after the 2 s completion timeout', async () => {
    sim.faults.set([{ path: PODS, hang: true }]);
    const r = await complete();
    assert.equal(r.code, 0);
    assert.equal(r.out, ':1\n', 'no candidates, the error directive');
    assert.match(
      r.err,
      /^kubectl-airflow: completion: GET \/api\/v1\/namespaces\/airflow\/pods\S* timed out after 2s\n$/,
    );
    await settled(sim);
    const attempts = sim.log.entries.filter((e) => e.path === '/api/v1/namespaces/airflow/pods');
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]!.fault, 'hang');
  });

  it('a 503 (which the commands retry up to 8 times) is not retried while a shell waits', async () => {
    sim.faults.set([{ path: PODS, status: 503 }]);
    const r = await complete();
    assert.equal(r.out, ':1\n');
    assert.equal(sim.log.count({ path: '/api/v1/namespaces/airflow/pods' }), 1);
  });
});
