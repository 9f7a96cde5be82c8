// The claims test/scenarios/README.md makes about the healthy chart scenarios, run as a user would:
// `doctor` passes every layer, and `net` (and doctor's network layer) from every Airflow pod passes every
// layer, because the sim puts every pod on the pod network, as a
// cluster does, and each pod's Permissions layer asks what its component needs (the requirement model
// `rbac` uses) where Airflow launches pods. No test patches the scenario.
import assert from 'node:assert/strict';
import type { Sim } from '../sim/index.ts';
import { runMain, skipWithoutIsolatedNetwork, withSim } from './harness.ts';

interface Case {
  scenario: string;
  namespace: string;
  /** The pod doctor probes by default (the one that launches pods, or a worker). */
  doctorPod: string;
  /** What each component's Permissions layer is asked, by the requirement model ('' = nothing required). */
  needs: Record<string, string>;
  /** Where the launcher verbs are asked. */
  launchIn: string;
  release: string;
  executor: string;
}

const CASES: Case[] = [
  // the official and the community chart's Celery installs claim the same
  ...['official-celery', 'community-chart'].map((scenario) => ({
    scenario,
    namespace: 'airflow',
    doctorPod: 'airflow-worker-0',
    launchIn: 'airflow',
    release: 'airflow',
    executor: 'CeleryExecutor',
    needs: {
      scheduler: '',
      worker: 'kubernetes-pod-operator',
      triggerer: 'deferrable-pod-operator',
      // the UI reads logs from running task pods only under the KubernetesExecutor (requirements.yaml)
      webserver: '',
    },
  })),
  {
    scenario: 'official-kubernetes-executor',
    namespace: 'airflow',
    doctorPod: 'airflow-scheduler-5d8c9f7b6-x7k2p',
    launchIn: 'airflow',
    release: 'airflow',
    executor: 'KubernetesExecutor',
    needs: {
      scheduler: 'kubernetes-executor',
      worker: 'kubernetes-pod-operator',
      triggerer: 'deferrable-pod-operator',
      'api-server': 'log-reading',
      'dag-processor': '',
    },
  },
  ...['official-multi-namespace', 'official-multi-namespace-narrowed', 'official-multi-namespace-cluster-wide'].map(
    (scenario) => ({
      scenario,
      namespace: 'data',
      doctorPod: 'etl-airflow-scheduler-5d8c9f7b6-x7k2p',
      release: 'etl',
      executor: 'KubernetesExecutor',
      launchIn: scenario.endsWith('cluster-wide') ? 'all namespaces (cluster-wide)' : 'etl-jobs, etl-backfill',
      needs: {
        scheduler: 'kubernetes-executor',
        triggerer: 'deferrable-pod-operator',
        'api-server': 'log-reading',
        'dag-processor': '',
      },
    }),
  ),
];

/** Every Airflow pod of the scenario (either chart's labels), as the store holds it. */
function airflowPods(sim: Sim, namespace: string): Array<{ name: string; component: string }> {
  return sim.store
    .all('pods', namespace)
    .map((p) => p.metadata as { name: string; labels?: Record<string, string> })
    .filter((m) => (m.labels?.tier === 'airflow' || m.labels?.app === 'airflow') && m.labels.component)
    .map((m) => ({ name: m.name, component: m.labels!.component === 'web' ? 'webserver' : m.labels!.component }));
}

interface DocLayer {
  layer: string;
  verdict: string;
  summary: string;
  result?: { pod?: string };
}
interface NetItem {
  pod: string;
  ok: boolean;
  probe: string;
  layers: Array<{ layer: string; verdict: string; evidence: string[] }>;
}

describe('e2e: the healthy chart scenarios are healthy (test/scenarios/README.md)', function () {
  this.timeout(120_000);
  before(function () {
    skipWithoutIsolatedNetwork(this, "net and doctor exec into pods, which needs the sim's pod network");
  });

  for (const c of CASES) {
    withSim(c.scenario, (sim) => {
      it(`doctor: every layer OK, exit 0, the network probed from ${c.doctorPod}`, async () => {
        const r = await runMain(['doctor', '--kubeconfig', sim().kubeconfigPath, '-n', c.namespace, '-o', 'json']);
        assert.equal(r.code, 0, r.out + r.err);
        const d = JSON.parse(r.out) as { layers: DocLayer[]; firstFailingLayer: string | null };
        assert.equal(d.firstFailingLayer, null);
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
        const net = d.layers.find((l) => l.layer === 'network')!;
        assert.equal(net.result?.pod, c.doctorPod);
        assert.doesNotMatch(net.summary, /lacks permissions/);
      });

      it('net: every layer OK on every Airflow pod, each asked what its component needs, through the ClusterIP and cluster DNS', async () => {
        const pods = airflowPods(sim(), c.namespace);
        assert.deepEqual(
          [...new Set(pods.map((p) => p.component))].sort(),
          Object.keys(c.needs).sort(),
          'every component of the scenario is covered',
        );
        for (const { name: pod, component } of pods) {
          const r = await runMain(['net', pod, '--kubeconfig', sim().kubeconfigPath, '-n', c.namespace, '-o', 'json']);
          const item = (JSON.parse(r.out) as { items: NetItem[] }).items[0];
          const bad = item.layers.filter((l) => l.verdict !== 'OK').map((l) => `${l.layer} ${l.verdict}`);
          assert.deepEqual(bad, [], `${pod}: ${r.out}`);
          assert.equal(item.probe, 'python3', pod);
          // the pod network: the ClusterIP the kubelet injects and cluster DNS
          assert.ok(
            item.layers
              .find((l) => l.layer === 'env')!
              .evidence.some((e) => e.includes('KUBERNETES_SERVICE_HOST=10.96.0.1 ')),
            pod,
          );
          assert.ok(
            item.layers
              .find((l) => l.layer === 'dns')!
              .evidence.some((e) => /kubernetes\.default\.svc -> 10\.96\.0\.1/.test(e)),
            pod,
          );
          const access = item.layers.find((l) => l.layer === 'access')!.evidence;
          const profile = c.needs[component];
          if (profile) {
            // required rows, or rows only an optional feature needs (the model's level decides the words)
            const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            assert.match(
              access[0],
              new RegExp(
                `^(required for|needed only by optional features for) the ${component} of release ${c.release} \\(${c.executor}, Airflow [^)]+\\): ${esc(profile)}, in ${esc(c.launchIn)}$`,
              ),
              pod,
            );
            assert.ok(
              access.slice(1).every((e) => e.startsWith('allowed')),
              `${pod}: ${access.join(' | ')}`,
            );
          } else {
            // the requirement model decides: no row of Airflow's code for this component and executor
            assert.equal(access.length, 1, `${pod}: ${access.join(' | ')}`);
            assert.match(
              access[0],
              new RegExp(
                `^nothing required: Airflow's code makes no Kubernetes call from the ${component} of release ${c.release} \\(${c.executor}, Airflow [^)]+\\)$`,
              ),
              pod,
            );
          }
          assert.equal(r.code, 0, pod);
        }
      });

      it('doctor --pod: the network layer is OK from every Airflow pod, no permission missing', async () => {
        for (const { name: pod } of airflowPods(sim(), c.namespace)) {
          const r = await runMain([
            'doctor',
            '--kubeconfig',
            sim().kubeconfigPath,
            '-n',
            c.namespace,
            '--pod',
            pod,
            '-o',
            'json',
          ]);
          const d = JSON.parse(r.out) as { layers: DocLayer[] };
          const net = d.layers.find((l) => l.layer === 'network')!;
          assert.equal(net.verdict, 'OK', `${pod}: ${net.summary}`);
          assert.equal(net.result?.pod, pod);
          assert.doesNotMatch(net.summary, /lacks permissions/, pod);
        }
      });
    });
  }
});
