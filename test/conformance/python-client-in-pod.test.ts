// The official Python client inside a simulated pod, as Airflow runs it: load_incluster_config(),
// list, a watch from the list's resourceVersion that sees a change made during it, a too-old
// resourceVersion (410), logs (a multi-container pod without a container is the real 400), a
// dry-run create (uid and creationTimestamp filled, nothing persisted) and an exec stream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type Sim } from '../sim/index.ts';
import { isolatedNetworkMissing } from '../e2e/harness.ts';
import { kubectlBinary, kubectls } from './kubectl.ts';
import { SCRIPTS, skipWithoutPythonClient } from './python.ts';

const NS = 'airflow';
const SCHEDULER = 'airflow-scheduler-5d8c9f7b6-x7k2p';

describe('conformance: the official Python client inside a pod (official-kubernetes-executor scheduler)', function () {
  this.timeout(180_000);
  let sim: Sim;
  let kubectl: string;
  before(async function () {
    skipWithoutPythonClient(this);
    const missing = isolatedNetworkMissing();
    const k = kubectls().find((x) => x.minor >= 30);
    if (missing || !k) {
      console.log(
        `    skipped: running the Python client in a pod needs the exec sandbox and kubectl >= 1.30 (${missing || 'no kubectl >= 1.30'})`,
      );
      this.skip();
    }
    kubectl = k.path;
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
    const pod = sim.store.get('pods', NS, SCHEDULER)!;
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      'sim.kubectl-airflow.dev/logs.scheduler': 'line1\nline2\n',
    };
    sim.store.apply(pod);
    sim.store.compact(); // resourceVersion 1 is too old from now on
  });
  after(async () => sim?.stop());

  it('in-cluster config, list, watch, log, dry-run create and exec behave as on a real server', async () => {
    const script = readFileSync(join(SCRIPTS, 'in_pod.py'), 'utf8');
    const r = await kubectlBinary(kubectl, sim.kubeconfigPath, NS, [
      'exec',
      SCHEDULER,
      '-c',
      'scheduler',
      '--',
      'python3',
      '-c',
      script,
      NS,
      SCHEDULER,
      SCHEDULER,
      'scheduler',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as {
      list: string[];
      watch: string[];
      too_old: { status: number; reason: string } | null;
      log_without_container: { status: number; reason: string; message: string };
      log_with_container: string;
      dry_run: { uid: boolean; creationTimestamp: boolean; phase: string; persisted: boolean };
      exec: string;
    };
    assert.deepEqual(
      out.list,
      sim.store
        .all('pods', NS)
        .map((p) => p.metadata.name)
        .sort(),
    );
    assert.ok(out.watch.length >= 1, 'the watch yielded events');
    assert.match(out.watch[out.watch.length - 1], /^MODIFIED /, out.watch.join(', '));
    assert.equal(out.too_old?.status, 410);
    assert.match(out.too_old!.reason, /^Expired: too old resource version: 1 \(\d+\)$/);
    const containers = ['initContainers', 'containers'].flatMap((f) =>
      ((sim.store.get('pods', NS, SCHEDULER)!.spec as Record<string, { name: string }[] | undefined>)[f] ?? []).map(
        (c) => c.name,
      ),
    );
    assert.deepEqual(out.log_without_container, {
      status: 400,
      reason: 'BadRequest',
      message: `a container name must be specified for pod ${SCHEDULER}, choose one of: [${containers.join(' ')}]`,
    });
    assert.equal(out.log_with_container, 'line2\n');
    assert.deepEqual(out.dry_run, { uid: true, creationTimestamp: true, phase: 'Pending', persisted: false });
    assert.equal(sim.store.get('pods', NS, 'dry-run-probe'), undefined);
    assert.equal(out.exec, 'exec-ok\n');
  });
});
