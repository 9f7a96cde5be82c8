// One remedy per cause: rbac, net and doctor print the same text for the same cause, and the fix
// rbac prints for a subject in the wrong namespace is that binding, corrected, which real kubectl
// applies to the simulated API server so that rbac then exits 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as YAML from 'yaml';
import { hasTool, runMain, withSim } from './harness.ts';

const SCENARIO = 'official-kubernetes-executor-broken-rbac';
const SCHEDULER_POD = 'airflow-scheduler-5d8c9f7b6-x7k2p';

function kubectlApply(yaml: string, kubeconfig: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('kubectl', ['apply', '-f', '-', '--kubeconfig', kubeconfig]);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl apply exit ${code}: ${err}`))));
    p.stdin.end(yaml);
  });
}

describe('e2e: one remedy per cause, from rbac, net and doctor', function () {
  this.timeout(90_000);
  withSim(
    SCENARIO,
    (sim) => {
      it('the scheduler subject in the wrong namespace: the three commands print the identical remedy', async () => {
        const args = ['--kubeconfig', sim().kubeconfigPath, '-n', 'airflow'];
        const rbac = await runMain(['rbac', ...args]);
        const net = await runMain(['net', SCHEDULER_POD, ...args]);
        const doctor = await runMain(['doctor', ...args]);
        assert.deepEqual([rbac.code, net.code, doctor.code], [1, 1, 1], `${rbac.err}${net.err}${doctor.err}`);
        const fromRbac = rbac.out
          .split('\n')
          .find((l) => l.includes('airflow-scheduler') && l.startsWith('  - '))
          ?.slice(4);
        const fromNet = net.out
          .split('\n')
          .find((l) => l.startsWith('Fix: '))
          ?.slice(5);
        const fromDoctor = doctor.out
          .split('\n')
          .find((l) => l.startsWith('  fix: '))
          ?.slice(7);
        assert.ok(fromRbac, rbac.out);
        assert.match(
          fromRbac,
          /^RoleBinding airflow\/airflow-pod-launcher-rolebinding binds ServiceAccount "airflow-scheduler" in namespace "airflow-staging", .*set the subject's namespace to "airflow"/,
        );
        assert.equal(fromNet, fromRbac, net.out);
        assert.equal(fromDoctor, fromRbac, doctor.out);
      });
    },
    { needsIsolatedNetwork: "net needs the sim's isolated pod network" },
  );

  withSim(SCENARIO, (sim) => {
    it('rbac --fix | kubectl apply -f - corrects the binding under its own name, then rbac exits 0', async function () {
      if (!hasTool('kubectl')) {
        console.log('      skipped: needs real kubectl on PATH to apply the fix');
        this.skip();
      }
      const args = ['--kubeconfig', sim().kubeconfigPath, '-n', 'airflow'];
      const fix = await runMain(['rbac', '--fix', ...args]);
      assert.equal(fix.code, 1, fix.err);
      const objs = YAML.parseAllDocuments(fix.out)
        .map((d) => d.toJS())
        .filter(Boolean) as Array<{
        kind: string;
        metadata: { name: string; namespace?: string };
        subjects?: Array<{ name: string; namespace?: string }>;
      }>;
      // the scheduler's binding corrected in place; no new Role or RoleBinding for the scheduler
      const names = objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
      assert.ok(names.includes('RoleBinding/airflow/airflow-pod-launcher-rolebinding'), names.join(', '));
      assert.ok(!names.some((n) => n.endsWith('fix-airflow-scheduler')), names.join(', '));
      const corrected = objs.find((o) => o.metadata.name === 'airflow-pod-launcher-rolebinding');
      assert.deepEqual(
        corrected?.subjects?.map((s) => `${s.namespace}/${s.name}`),
        ['airflow/airflow-scheduler', 'airflow/airflow-worker', 'airflow/airflow-triggerer'],
      );
      const before = sim().store.all('rolebindings', 'airflow').length;
      // the sim serves in this process: kubectl runs asynchronously, never blocking its event loop
      const applied = await kubectlApply(fix.out, sim().kubeconfigPath);
      assert.match(applied, /rolebinding.rbac.authorization.k8s.io\/airflow-pod-launcher-rolebinding configured/);
      const after = await runMain(['rbac', ...args]);
      assert.equal(after.code, 0, after.out);
      // only the worker's optional pods/exec grant added a binding; the scheduler has one binding
      assert.equal(sim().store.all('rolebindings', 'airflow').length, before + 1);
      const forScheduler = sim()
        .store.all('rolebindings', 'airflow')
        .filter((b) =>
          ((b as { subjects?: Array<{ name: string }> }).subjects ?? []).some((s) => s.name === 'airflow-scheduler'),
        );
      assert.equal(forScheduler.length, 1);
    });
  });
});
