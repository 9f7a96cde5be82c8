// Debian's kubectl (package kubernetes-client, 1.20) is the oldest kubectl of the suite: every test
// that runs kubectls() runs it too. This file says visibly when it is missing, and checks what only
// an old client shows: legacy discovery and JSON access reviews work, exec (SPDY only before 1.30)
// gets the sim's one-line refusal.
import assert from 'node:assert/strict';
import { startSim, type Sim } from '../sim/index.ts';
import { DEBIAN_KUBECTL, debianKubectlMissing, kubectl, kubectls } from './kubectl.ts';

describe("conformance: Debian's kubectl 1.20, the oldest client", function () {
  this.timeout(120_000);
  let sim: Sim;
  before(async function () {
    const why = debianKubectlMissing();
    if (why) {
      console.log(`    skipped: ${why}`);
      this.skip();
    }
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  after(async () => {
    await sim?.stop();
  });

  const oldest = () => kubectls().find((k) => k.path === DEBIAN_KUBECTL)!;

  it('is among the builds every kubectls() test runs, as 1.20', () => {
    assert.deepEqual([oldest().label, oldest().minor], ['1.20 (Debian)', 20]);
  });

  it('reads through legacy discovery and asks access reviews as JSON', async () => {
    const pods = await kubectl(oldest(), sim.kubeconfigPath, [
      'get',
      'pods',
      '-n',
      'airflow',
      '-l',
      'component=scheduler',
      '-o',
      'name',
    ]);
    assert.deepEqual(pods, { code: 0, stdout: 'pod/airflow-scheduler-5d8c9f7b6-x7k2p\n', stderr: '' });
    sim.log.reset();
    const can = await kubectl(oldest(), sim.kubeconfigPath, [
      'auth',
      'can-i',
      'create',
      'pods',
      '-n',
      'airflow',
      '--as',
      'system:serviceaccount:airflow:airflow-scheduler',
    ]);
    assert.deepEqual([can.code, can.stdout], [0, 'yes\n'], can.stderr);
    const review = sim.log.entries.find((e) => e.path.endsWith('/selfsubjectaccessreviews'));
    assert.match(String(review?.headers['content-type']), /^application\/json/);
    assert.match(String(review?.headers['user-agent']), /^kubectl[^/]*\/v1\.20\./);
  });

  it("exec: SPDY only, so the sim's one-line refusal", async () => {
    const r = await kubectl(oldest(), sim.kubeconfigPath, [
      'exec',
      '-n',
      'airflow',
      'airflow-scheduler-5d8c9f7b6-x7k2p',
      '-c',
      'scheduler',
      '--',
      'true',
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'Error from server (BadRequest): the simulated API server supports exec over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io): use kubectl >= 1.30\n',
    );
  });
});
