// `net` on real installs (test/scenarios/real/): the Permissions layer asks what the requirement model
// says the pod's component calls for the release's versions and executor, never what the chart grants.
import assert from 'node:assert/strict';
import { runMain, withSim } from './harness.ts';

const REAL = (name: string) => new URL(`../scenarios/real/${name}.yaml`, import.meta.url).pathname;

interface Layer {
  layer: string;
  verdict: string;
  evidence: string[];
}

const CASES = [
  {
    // chart 1.5 binds the triggerer to pod-log-reader; Airflow 2.2 has no deferrable KubernetesPodOperator
    // (requirements.yaml: the deferrable rows start at Airflow 2.3), so nothing is asked
    scenario: 'chart-1.5-airflow-2.2-celery',
    namespace: 'apache-airflow',
    pod: 'apache-ariflow-triggerer-0eeedfa72e-16dd6',
    basis:
      /^nothing required: Airflow's code makes no Kubernetes call from the triggerer of release apache-ariflow \(CeleryExecutor, Airflow 2\.2\.4\)$/,
  },
  {
    // the CeleryExecutor's scheduler launches no pods: no row of the model names it
    scenario: 'chart-1.9-airflow-2.5-celery',
    namespace: 'default',
    pod: 'release-name-scheduler-8415cb7ad9-5126d',
    basis:
      /^nothing required: Airflow's code makes no Kubernetes call from the scheduler of release release-name \(CeleryExecutor, Airflow 2\.5\.\d+\)$/,
  },
];

describe('e2e: net on real renders asks what Airflow needs', function () {
  this.timeout(90_000);
  for (const c of CASES) {
    withSim(
      REAL(c.scenario),
      (sim) => {
        it(`${c.scenario} ${c.pod}: Permissions OK by the model, exit 0`, async () => {
          const r = await runMain([
            'net',
            '--kubeconfig',
            sim().kubeconfigPath,
            '-n',
            c.namespace,
            c.pod,
            '-o',
            'json',
          ]);
          const item = (JSON.parse(r.out) as { items: Array<{ layers: Layer[] }> }).items[0];
          const access = item.layers.find((l) => l.layer === 'access');
          assert.ok(access, r.out);
          assert.equal(access.verdict, 'OK', access.evidence.join('\n'));
          assert.match(access.evidence[0], c.basis);
          assert.equal(r.code, 0, `${r.err}\n${item.layers.map((l) => `${l.layer} ${l.verdict}`).join(', ')}`);
        });
      },
      { needsIsolatedNetwork: "net needs the sim's isolated pod network" },
    );
  }
});
