// `COLUMNS=100 kubectl airflow config` fits 100 columns, for every built-in scenario with a release,
// in its default view; what is said once above the table is what every pod shares.
import { strict as assert } from 'node:assert';
import { startSim } from '../sim/index.ts';
import { runMain } from './harness.ts';

const SCENARIOS = [
  'official-kubernetes-executor',
  'official-kubernetes-executor-broken-rbac',
  'official-celery',
  'official-multi-namespace',
  'official-multi-namespace-narrowed',
  'official-multi-namespace-cluster-wide',
  'community-chart',
  'rbac-edge-cases',
  'net-egress-blocked',
];

describe('config fits the screen', function () {
  this.timeout(120_000);
  for (const scenario of SCENARIOS) {
    it(`${scenario}: every line within COLUMNS=100 (and 80), nothing of the wide view lost`, async () => {
      const sim = await startSim({ scenario });
      try {
        const wide = await runMain(['config', '--kubeconfig', sim.kubeconfigPath, '-o', 'json']);
        if (wide.code === 2) {
          console.log(`      (${scenario}: no single release in its namespace: ${wide.err.trim()})`);
          return;
        }
        const pods = (JSON.parse(wide.out) as { pods: Array<{ pod: string }> }).pods;
        for (const columns of ['100', '80']) {
          const r = await runMain(['config', '--kubeconfig', sim.kubeconfigPath], { COLUMNS: columns });
          assert.ok(r.code <= 1, r.err);
          const long = r.out.split('\n').filter((l) => l.length > Number(columns));
          assert.deepEqual(long, [], `COLUMNS=${columns}`);
          for (const p of pods) assert.ok(r.out.includes(p.pod), `${p.pod} shown`);
        }
        const r = await runMain(['config', '--kubeconfig', sim.kubeconfigPath], { COLUMNS: '100' });
        if (pods.length > 1 && /^every pod: /m.test(r.out)) assert.match(r.out, /IN_CLUSTER=|NAMESPACE=/);
      } finally {
        await sim.stop();
      }
    });
  }
});
