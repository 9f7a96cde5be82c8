// What `rbac` makes a user wait for, in dependent round trips (test/sim/critical-path.ts), from the
// sim's request log: the release, its config and its accounts in one wave, the rules reviews in the
// next, confirmations (and the bindings that explain denials) after. Every request is slowed to
// 300 ms so the waves cannot blur whatever else the machine does; nothing here measures speed.
import { strict as assert } from 'node:assert';
import type { LogEntry } from '../sim/log.ts';
import { criticalPath } from '../sim/critical-path.ts';
import { runMain, withSim } from './harness.ts';

const SLOW = [{ path: '^/(api|apis)/', latencyMs: 300 }];
// make bench's bench-250 run: 5 accounts x 2 namespaces x 25 cells, 24 required cells denied
const BENCH_250 = [
  '-n',
  'data',
  '--profile',
  'kubernetes-executor,kubernetes-pod-operator,deferrable-pod-operator,log-reading,job-launching',
  '--resources',
  'configmaps,persistentvolumeclaims',
  '--verbs',
  'get,list,watch',
];

const is = {
  rules: (e: LogEntry) => e.path.endsWith('/selfsubjectrulesreviews'),
  access: (e: LogEntry) => e.path.endsWith('/selfsubjectaccessreviews'),
  bindings: (e: LogEntry) => /\/(cluster)?rolebindings$/.test(e.path),
};
const end = (e: LogEntry) => e.closedAt ?? e.endedAt;

describe('rbac e2e: round trips', function () {
  this.timeout(60_000);

  withSim('bench-250', (sim) => {
    it('four: release, config and accounts in one wave; rules reviews; 24 confirmations and the bindings beside them (16 in flight)', async () => {
      sim().faults.set(SLOW);
      try {
        sim().log.reset();
        const r = await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, ...BENCH_250]);
        assert.equal(r.code, 1, r.err);
        const log = [...sim().log.entries].sort((a, b) => a.startedAt - b.startedAt);
        const firstRules = log.findIndex(is.rules);
        const wave1 = log.slice(0, firstRules);
        assert.deepEqual(wave1.map((e) => `${e.verb} ${e.resource}`).sort(), [
          'list configmaps',
          'list deployments',
          'list pods',
          'list pods',
          'list serviceaccounts',
          'list statefulsets',
        ]);
        // one wave: every read of it was sent before any of them had answered
        assert.ok(Math.max(...wave1.map((e) => e.startedAt)) < Math.min(...wave1.map(end)), 'the first reads overlap');
        // the rules reviews need the accounts and namespaces the first wave found
        assert.ok(log.filter(is.rules).every((e) => e.startedAt > Math.max(...wave1.map(end))));
        assert.equal(log.filter(is.rules).length, 10, 'one rules review per account and namespace');
        assert.equal(log.filter(is.access).length, 24, 'a confirmation per required cell the rules do not allow');
        const bindings = log.filter(is.bindings);
        assert.equal(bindings.length, 3, 'RoleBindings in data and etl-jobs, ClusterRoleBindings');
        assert.ok(
          Math.max(...bindings.map((e) => e.startedAt)) < Math.max(...log.filter(is.access).map(end)),
          'bindings read beside the confirmations',
        );
        assert.ok(sim().log.maxInFlight <= 16, `${sim().log.maxInFlight} in flight`);
        // 6 reads, 10 rules reviews, then 27 requests: 16 at once and 11 as slots free up
        assert.equal(criticalPath(log).roundTrips, 4);
      } finally {
        sim().faults.clear();
      }
    });
  });

  withSim('official-kubernetes-executor', (sim) => {
    it('two when nothing is missing: the first wave and the rules reviews; no binding is read', async () => {
      sim().faults.set(SLOW);
      try {
        sim().log.reset();
        const r = await runMain(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow']);
        assert.equal(r.code, 0, r.out + r.err);
        const log = sim().log.entries;
        assert.equal(log.filter(is.bindings).length, 0);
        assert.equal(log.filter(is.access).length, 0);
        assert.equal(criticalPath(log).roundTrips, 2);
      } finally {
        sim().faults.clear();
      }
    });
  });
});
