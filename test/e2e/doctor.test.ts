// `kubectl airflow doctor` in-process against the simulated API server: every layer for real
// (the network layer execs the probe into the pod, in its own network namespace).
//
// The sim gives every pod the cluster's network (DNAT to the API-server replicas, cluster DNS,
// NetworkPolicies), as a real cluster does (no test patches the scenarios).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as YAML from 'yaml';
import { main } from '../../src/cli/main.ts';
import { startSim, type Sim } from '../sim/index.ts';
import { kubeconfigWithUserinfo, runMain, withSim, type Run } from './harness.ts';

function run(kubeconfig: string, args: string[]): Promise<Run> {
  return runMain(['doctor', '--kubeconfig', kubeconfig, ...args]);
}

interface DocLayer {
  layer: string;
  order: number;
  verdict: string;
  summary: string;
  remedy?: string;
  command?: string;
  result?: Record<string, unknown>;
}
interface Doc {
  kind: string;
  namespace: string;
  release: string | null;
  firstFailingLayer: string | null;
  layers: DocLayer[];
}

async function doc(sim: Sim, args: string[]): Promise<{ d: Doc; code: number; err: string }> {
  const r = await run(sim.kubeconfigPath, ['-n', 'airflow', '-o', 'json', ...args]);
  return { d: JSON.parse(r.out) as Doc, code: r.code, err: r.err };
}

const layerOf = (d: Doc, id: string) => {
  const l = d.layers.find((x) => x.layer === id);
  assert.ok(l, `layer ${id} present`);
  return l;
};
const verdicts = (d: Doc) => Object.fromEntries(d.layers.map((l) => [l.layer, l.verdict]));

const SCHEDULER = 'airflow-scheduler-5d8c9f7b6-x7k2p';
const TASK_POD = 'etl-daily-extract-orders-h3k9w2qz';

describe('e2e: kubectl airflow doctor', function () {
  this.timeout(90_000);

  withSim('official-kubernetes-executor', (sim) => {
    it('healthy: all seven layers OK in layer order, exit 0, the scheduler probed', async () => {
      sim().log.reset();
      const { d, code, err } = await doc(sim(), []);
      assert.equal(code, 0, err);
      assert.equal(err, '');
      assert.equal(d.kind, 'DoctorReport');
      assert.equal(d.release, 'airflow');
      assert.equal(d.firstFailingLayer, null);
      assert.deepEqual(
        d.layers.map((l) => [l.order, l.layer, l.verdict]),
        [
          [1, 'cluster', 'OK'],
          [2, 'release', 'OK'],
          [3, 'config', 'OK'],
          [4, 'network', 'OK'],
          [5, 'ha', 'OK'],
          [6, 'rbac', 'OK'],
          [7, 'admission', 'OK'],
        ],
      );
      // every layer carries its own command's full result
      assert.equal(
        (layerOf(d, 'network').result as { pod: string }).pod,
        SCHEDULER,
        'KubernetesExecutor: the scheduler launches pods',
      );
      assert.equal((layerOf(d, 'rbac').result as { summary: { missing: number } }).summary.missing, 0);
      assert.equal((layerOf(d, 'ha').result as { verdict: string }).verdict, 'OK');
      assert.equal((layerOf(d, 'config').result as { release: string }).release, 'airflow');
      assert.match(
        layerOf(d, 'cluster').summary,
        /\(v1\.32\.0\), context admin, authenticated as kubernetes-admin \(system:masters\)$/,
      );
    });

    it('independent fetches run in parallel: with 100 ms per request, the release, config and HA reads overlap', async () => {
      sim().faults.set([{ path: '^/(api|apis)/', latencyMs: 100 }]);
      try {
        sim().log.reset();
        const { code } = await doc(sim(), []);
        assert.equal(code, 0);
        assert.ok(sim().log.maxInFlight >= 6, `at most ${sim().log.maxInFlight} requests in flight`);
      } finally {
        sim().faults.clear();
      }
    });

    it('the release is found once: config and rbac decide on the pods and ServiceAccounts doctor listed', async () => {
      sim().log.reset();
      const { code } = await doc(sim(), []);
      assert.equal(code, 0);
      const admin = (path: string) =>
        sim().log.count((e) => e.requester === 'kubernetes-admin' && e.method === 'GET' && e.path === path);
      // admission lists only the task pods (kubernetes_executor=True), for sidecars seen running
      const releaseLists = sim().log.count(
        (e) =>
          e.requester === 'kubernetes-admin' &&
          e.method === 'GET' &&
          e.path === '/api/v1/namespaces/airflow/pods' &&
          !/kubernetes_executor/.test(decodeURIComponent(e.query)),
      );
      assert.equal(releaseLists, 2, 'one list per chart label (tier=airflow, app=airflow)');
      assert.equal(admin('/api/v1/namespaces/airflow/serviceaccounts'), 1);
      assert.equal(admin('/api/v1/namespaces/airflow/configmaps'), 1);
    });

    it('people get the table and "no layer failed"; -o yaml is the same document', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow']);
      assert.equal(r.code, 0);
      assert.match(r.out, /^LAYER +VERDICT +SUMMARY\n1\. cluster access +OK/);
      for (const t of [
        '2\\. Airflow release',
        '3\\. Airflow client config',
        '4\\. network from pod',
        '5\\. API-server HA',
        '6\\. RBAC',
      ])
        assert.match(r.out, new RegExp(`^${t} +OK `, 'm'));
      assert.match(r.out, /\nno layer failed: release airflow in namespace airflow\n$/);
      const y = await run(sim().kubeconfigPath, ['-n', 'airflow', '-o', 'yaml']);
      const parsed = YAML.parse(y.out) as Doc;
      assert.deepEqual(verdicts(parsed), {
        cluster: 'OK',
        release: 'OK',
        config: 'OK',
        network: 'OK',
        ha: 'OK',
        rbac: 'OK',
        admission: 'OK',
      });
    });

    it('no Airflow release in the namespace: release fails, config/network/rbac skipped with the reason, HA still runs', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'default', '-o', 'json']);
      assert.equal(r.code, 1);
      const d = JSON.parse(r.out) as Doc;
      assert.deepEqual(verdicts(d), {
        cluster: 'OK',
        release: 'FAIL',
        config: 'SKIP',
        network: 'SKIP',
        ha: 'OK',
        rbac: 'SKIP',
        admission: 'SKIP',
      });
      assert.equal(d.firstFailingLayer, 'release');
      assert.match(layerOf(d, 'release').summary, /no Airflow release found in namespace default/);
      for (const id of ['config', 'network', 'rbac'])
        assert.match(layerOf(d, id).summary, /no Airflow release to check/);
    });

    it('--pod in a namespace without a release: a pod that does not exist is still a usage error (exit 2); one that does is looked up and the network layer skipped', async () => {
      const missing = await run(sim().kubeconfigPath, ['-n', 'kube-system', '--pod', 'no-such-pod']);
      assert.deepEqual([missing.code, missing.out], [2, '']);
      assert.equal(
        missing.err,
        'kubectl-airflow: pod "no-such-pod" not found in namespace "kube-system": check the name with kubectl get pods -n kube-system\n',
      );
      sim().log.reset();
      const r = await run(sim().kubeconfigPath, ['-n', 'kube-system', '--pod', 'kube-apiserver-cp-1', '-o', 'json']);
      assert.equal(r.code, 1, r.err);
      const d = JSON.parse(r.out) as Doc;
      assert.deepEqual(verdicts(d), {
        cluster: 'OK',
        release: 'FAIL',
        config: 'SKIP',
        network: 'SKIP',
        ha: 'OK',
        rbac: 'SKIP',
        admission: 'SKIP',
      });
      assert.match(layerOf(d, 'network').summary, /no Airflow release to check/);
      assert.equal(
        sim().log.count({ method: 'GET', path: '/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1' }),
        1,
        'the pod was looked up once',
      );
      assert.equal(
        sim().log.count((e) => e.method === 'POST' || e.code === 101),
        1,
        'nothing but the SelfSubjectReview posted, no exec',
      );
    });

    it('a kubeconfig server with userinfo is shown redacted (table, json, yaml), as kubectl redacts it', async () => {
      const kc = kubeconfigWithUserinfo(sim(), 'user:s3cret');
      try {
        for (const o of [[], ['-o', 'json'], ['-o', 'yaml'], ['-o', 'wide']]) {
          const r = await run(kc.path, ['-n', 'airflow', ...o]);
          assert.equal(r.code, 0, r.err);
          assert.doesNotMatch(r.out + r.err, /s3cret/, `-o ${o[1] ?? 'table'} shows no password`);
          assert.match(
            r.out,
            /https:\/\/user:xxxxx@127\.0\.0\.1:\d+ \(v1\.32\.0\)/,
            `-o ${o[1] ?? 'table'}: the cluster summary names the redacted server`,
          );
        }
        const { d } = await doc(sim(), []);
        assert.match(
          layerOf(d, 'cluster').summary,
          /^https:\/\/127\.0\.0\.1:\d+ /,
          'a server without userinfo is shown as it is',
        );
      } finally {
        kc.cleanup();
      }
    });

    it('an unknown --release is a usage error (exit 2, one line), as for every command', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow', '--release', 'nope']);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(
        r.err,
        /^kubectl-airflow: no Airflow release "nope" in namespace airflow; releases found: airflow\n$/,
      );
    });
  });

  withSim('official-kubernetes-executor-broken-rbac', (sim) => {
    it('names rbac as the first failing layer, exit 1, with the root cause and the --fix command', async () => {
      const { d, code } = await doc(sim(), []);
      assert.equal(code, 1);
      assert.equal(d.firstFailingLayer, 'rbac');
      assert.deepEqual(verdicts(d), {
        cluster: 'OK',
        release: 'OK',
        config: 'OK',
        network: 'OK',
        ha: 'OK',
        rbac: 'FAIL',
        admission: 'SKIP',
      }); // the scheduler may not create pods: nothing reaches admission
      const rbac = layerOf(d, 'rbac');
      assert.match(rbac.summary, /^\d+ of \d+ required permissions missing: airflow\/airflow-scheduler cannot /);
      assert.match(
        rbac.remedy ?? '',
        /airflow-staging/,
        'the RoleBinding subject in the wrong namespace is the root cause',
      );
      assert.match(rbac.command ?? '', /^kubectl airflow rbac -n airflow --release airflow --fix --kubeconfig /);
      // the scheduler reaches the server; its token's missing permissions are RBAC's to report
      assert.match(layerOf(d, 'network').summary, /reaches the API server.*see RBAC/);
    });

    it('the table names it and says what to run', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow']);
      assert.equal(r.code, 1);
      assert.match(r.out, /^6\. RBAC +FAIL +\d+ of \d+ required permissions missing/m);
      assert.match(
        r.out,
        /^first failing layer: RBAC \(rbac\)\n.*\n {2}fix: .*airflow-staging.*\n {2}detail: kubectl airflow rbac -n airflow --release airflow --fix /m,
      );
    });

    it('after applying rbac --fix, doctor passes', async () => {
      const fix = await new Promise<string>((resolve) => {
        const stdout = new PassThrough();
        let out = '';
        stdout.on('data', (x) => (out += x));
        void main(['rbac', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow', '--fix'], {
          stdout,
          stderr: new PassThrough(),
          env: {},
        }).then(() => resolve(out));
      });
      const objs = YAML.parseAllDocuments(fix)
        .map((x) => x.toJS())
        .filter(Boolean);
      assert.ok(objs.length > 0, 'fix objects printed');
      sim().store.apply(objs);
      const { d, code } = await doc(sim(), []);
      assert.equal(code, 0);
      assert.equal(layerOf(d, 'rbac').verdict, 'OK');
    });
  });

  withSim('net-egress-blocked', (sim) => {
    it('--pod on the blocked task pod: network named first, the NetworkPolicy in the remedy; later layers still run', async () => {
      const { d, code } = await doc(sim(), ['--pod', TASK_POD]);
      assert.equal(code, 1);
      assert.equal(d.firstFailingLayer, 'network');
      assert.deepEqual(verdicts(d), {
        cluster: 'OK',
        release: 'OK',
        config: 'OK',
        network: 'FAIL',
        ha: 'OK',
        rbac: 'OK',
        admission: 'OK',
      });
      const net = layerOf(d, 'network');
      assert.match(net.summary, new RegExp(`^pod ${TASK_POD} \\(worker\\): TCP fails`));
      assert.match(net.remedy ?? '', /NetworkPolicy airflow-worker-egress/);
      assert.equal(net.command, `kubectl airflow net ${TASK_POD} -n airflow --kubeconfig ${sim().kubeconfigPath}`);
    });

    it('the table shows the partial results and the network remedy', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow', '--pod', TASK_POD]);
      assert.equal(r.code, 1);
      assert.match(r.out, /^4\. network from pod +FAIL +pod etl-daily-extract-orders-h3k9w2qz \(worker\): TCP fails/m);
      assert.match(r.out, /^6\. RBAC +OK/m);
      assert.match(
        r.out,
        /^first failing layer: network from pod \(network\)\n.*\n {2}fix: NetworkPolicy airflow-worker-egress/m,
      );
    });

    it('--pod that does not exist: a usage error, one line, exit 2 (as net and ha --from)', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow', '--pod', 'no-such-pod']);
      assert.deepEqual([r.code, r.out], [2, '']);
      assert.equal(
        r.err,
        'kubectl-airflow: pod "no-such-pod" not found in namespace "airflow": check the name with kubectl get pods -n airflow\n',
      );
    });
  });

  withSim('net-dns-broken', (sim) => {
    it("DNS broken but the Service IP works: network is a warning with the DNS remedy, exit 0 (Airflow's in-cluster client connects by IP)", async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow', '--pod', TASK_POD]);
      assert.equal(r.code, 0, r.out);
      assert.match(
        r.out,
        /^4\. network from pod +WARN +pod etl-daily-extract-orders-h3k9w2qz \(worker\): DNS fails .*the Service IP works/m,
      );
      assert.match(
        r.out,
        /^no layer failed: release airflow in namespace airflow\nwarning network from pod: the nameserver 10\.96\.0\.10 does not answer/m,
      );
    });
  });

  withSim('official-kubernetes-executor', (sim) => {
    it('an identity that may not read or review: partial table, exit 3 (not allowed to ask)', async () => {
      const r = await run(sim().kubeconfigPath, ['-n', 'airflow', '--context', 'nobody']);
      assert.equal(r.code, 3, r.err);
      assert.match(r.out, /^1\. cluster access +OK .*authenticated as nobody/m);
      assert.match(r.out, /^2\. Airflow release +SKIP +could not check: .*forbidden/m);
      assert.match(r.out, /^not checked Airflow release: ask a cluster admin for the permission named above$/m);
    });
  });

  describe('a 1.27 server (official-kubernetes-executor at v1.27.16): no SelfSubjectReview by default', () => {
    it('cluster access is still OK, says the user is unknown and why; both versions asked, nothing else changes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'doctor-127-'));
      const file = join(dir, 'scenario.yaml');
      const text = readFileSync(new URL('../scenarios/official-kubernetes-executor.yaml', import.meta.url), 'utf8');
      writeFileSync(file, text.replace(/kubernetesVersion: v1\.\d+\.\d+/, 'kubernetesVersion: v1.27.16'));
      const sim = await startSim({ scenario: file });
      try {
        const { d, code, err } = await doc(sim, []);
        assert.equal(code, 0, err);
        assert.match(
          layerOf(d, 'cluster').summary,
          /\(v1\.27\.16\), context admin, authenticated \(SelfSubjectReview not served: user unknown\)$/,
        );
        assert.deepEqual(
          sim.log.entries.filter((e) => /selfsubjectreviews/.test(e.path)).map((e) => `${e.path} ${e.code}`),
          [
            '/apis/authentication.k8s.io/v1/selfsubjectreviews 404',
            '/apis/authentication.k8s.io/v1beta1/selfsubjectreviews 404',
          ],
        );
      } finally {
        await sim.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('unreachable server', () => {
    it('exit 3 with one line on stderr and nothing on stdout', async () => {
      // the sim removes its own folder when it stops: keep the kubeconfig elsewhere
      const dir = mkdtempSync(join(tmpdir(), 'doctor-e2e-'));
      const copy = join(dir, 'kubeconfig');
      const sim = await startSim({ scenario: 'official-kubernetes-executor' });
      copyFileSync(sim.kubeconfigPath, copy);
      await sim.stop();
      try {
        const r = await run(copy, ['-n', 'airflow']);
        assert.equal(r.code, 3);
        assert.equal(r.out, '');
        assert.match(
          r.err,
          /^kubectl-airflow: cannot reach the API server at https:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\n$/,
        );
        assert.equal(r.err.split('\n').length, 2, 'exactly one line');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
