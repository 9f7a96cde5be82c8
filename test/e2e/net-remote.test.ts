// `net <pod>` where Airflow loads a kubeconfig for another cluster (scenario net-remote): the "Remote
// cluster" layer probes the server that kubeconfig names from inside the pod. The official Python
// client (Debian's python3-kubernetes, what Airflow's executor and KubernetesPodOperator use) then
// loads the same kubeconfig in the same pod, as Airflow does, and must agree with the verdict: the
// missing exec plugin logged by name, the unresolvable name a connect error, the reachable cluster
// and the exec plugin that is in the image answered.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import type { Sim } from '../sim/index.ts';
import type { KubeObject } from '../sim/types.ts';
import { hasTool, runMain, withSim } from './harness.ts';

interface Layer {
  layer: string;
  verdict: string;
  evidence: string[];
  remedy?: string;
}

async function net(sim: Sim, pod: string, extra: string[] = []) {
  const r = await runMain(['net', pod, '--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', '-o', 'json', ...extra]);
  assert.ok(r.out, `net ${pod} printed a report: ${r.err}`);
  const item = (JSON.parse(r.out) as { items: Array<{ layers: Layer[]; ok: boolean; firstFailure?: string }> })
    .items[0];
  return { code: r.code, item, remote: item.layers.find((l) => l.layer === 'remote'), err: r.err };
}

/**
 * Airflow's load, in the pod: the executor's load_kube_config(config_file, context) (kube_client.py
 * get_kube_client), or KubernetesHook's for the connection (kube_config_path, or the inline
 * kube_config written to a temporary file), then one call. Prints what the client logged and how
 * the call ended; never a credential.
 */
const CLIENT = `
import json, logging, os, sys, tempfile
logs = []
class Keep(logging.Handler):
    def emit(self, record):
        logs.append(record.getMessage()[:300])
logging.getLogger().addHandler(Keep())
from kubernetes import client, config
mode, arg, context = sys.argv[1], sys.argv[2], (sys.argv[3] or None)
def done(outcome, detail=""):
    print(json.dumps({"outcome": outcome, "detail": str(detail)[:300], "logs": logs}))
    sys.exit(0)
try:
    if mode == "file":
        config.load_kube_config(config_file=arg, context=context)
    else:
        extra = json.loads(os.environ[arg])["extra"]
        with tempfile.NamedTemporaryFile() as f:
            f.write(json.dumps(extra["kube_config"]).encode())
            f.flush()
            config.load_kube_config(config_file=f.name, context=context)
except Exception as e:
    done("config", e)
c = client.Configuration.get_default_copy()
c.retries = False
try:
    client.CoreV1Api(client.ApiClient(c)).list_namespaced_pod("airflow", limit=1, _request_timeout=(3, 5), _preload_content=False)
    done("ok")
except client.exceptions.ApiException as e:
    done("status-%s" % e.status if e.status else "connect", e.reason)
except Exception as e:
    done("connect", type(getattr(e, "reason", e)).__name__ + " " + str(e))
`;

function inPod(sim: Sim, pod: string, args: string[]): Promise<{ outcome: string; detail: string; logs: string[] }> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      ['--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', 'exec', pod, '--', 'python3', '-c', CLIENT, ...args],
      { timeout: 60_000 },
      (e, out, err) => {
        const last = String(out).trim().split('\n').pop();
        if (!last?.startsWith('{')) reject(new Error(`client in ${pod}: ${e?.message ?? ''} ${err}`));
        else resolve(JSON.parse(last));
      },
    );
  });
}

const clientMissing = (() => {
  if (!hasTool('kubectl')) return 'kubectl';
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import kubernetes'], { stdio: 'ignore' });
    return '';
  } catch {
    return "Debian's python3-kubernetes";
  }
})();

describe('e2e: net probes the remote cluster a kubeconfig of Airflow points at (net-remote)', function () {
  this.timeout(180_000);
  withSim(
    'net-remote',
    (sim) => {
      it('a kubeconfig whose exec plugin is missing from the image: exit 1, the binary named, with the fix', async () => {
        const r = await net(sim(), 'remote-eks-no-aws');
        assert.equal(r.code, 1, r.err);
        assert.equal(r.remote?.verdict, 'FAIL');
        assert.equal(r.item.firstFailure, 'remote');
        assert.match(r.remote!.evidence[0], /exec credential plugin "aws" is not in the image/);
        assert.match(r.remote!.evidence[0], /\/usr\/local\/bin/, 'the PATH searched is named');
        assert.match(r.remote!.remedy ?? '', /Install the AWS CLI/);
        // read from the connection in the pod (a Secret), inline: named as such, the network to it fine
        assert.ok(r.remote!.evidence.some((e) => /inline kubeconfig of the connection, context eks-prod/.test(e)));
        assert.ok(r.remote!.evidence.some((e) => /TCP 10\.0\.0\.11:6443 connected, TLS verified/.test(e)));
        // the in-cluster layers are untouched by it
        for (const l of r.item.layers.filter((x) => x.layer !== 'remote')) assert.equal(l.verdict, 'OK', l.layer);
        const text = await runMain(['net', 'remote-eks-no-aws', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow']);
        assert.match(text.out, /First failing layer: Remote cluster\nFix: Install the AWS CLI/);
      });

      it('a server name that does not resolve from the pod: DNS named as the cause', async () => {
        const r = await net(sim(), 'remote-unresolvable');
        assert.equal(r.code, 1, r.err);
        assert.equal(r.remote?.verdict, 'FAIL');
        assert.match(r.remote!.evidence[0], /api\.gone\.example\.com does not resolve from the pod: NXDOMAIN/);
        assert.ok(
          r.remote!.evidence.some((e) =>
            /^executor: in_cluster False .*kubeconfig \/opt\/airflow\/kube\/config/.test(e),
          ),
        );
      });

      it('a kubeconfig that reaches a server with working credentials: OK, the named context used', async () => {
        const r = await net(sim(), 'remote-reachable');
        assert.equal(r.code, 0, JSON.stringify(r.item.layers));
        assert.equal(r.remote?.verdict, 'OK');
        assert.match(
          r.remote!.evidence[0],
          /SelfSubjectReview answered 201: authenticated as system:serviceaccount:airflow:airflow-worker/,
        );
        assert.ok(r.remote!.evidence.some((e) => /context same-cluster -> https:\/\/10\.96\.0\.1:443/.test(e)));
        assert.ok(!r.remote!.evidence.some((e) => /decoy/.test(e)), 'the current-context decoy is not the one used');
      });

      it('an exec plugin that is in the image: run as the Python client runs it, its credential used, OK', async () => {
        const r = await net(sim(), 'remote-exec-plugin');
        assert.equal(r.code, 0, JSON.stringify(r.item.layers));
        assert.equal(r.remote?.verdict, 'OK');
        assert.match(r.remote!.evidence[0], /authenticated as system:serviceaccount:airflow:airflow-worker/);
        assert.ok(
          r.remote!.evidence.some((e) =>
            /credentials: exec plugin \.\/token-plugin \(\/opt\/airflow\/kube\/token-plugin\)/.test(e),
          ),
          r.remote!.evidence.join('\n'),
        );
      });

      it('an image with sh only: the layer is SKIP, "needs python3", and the kubeconfig named', async () => {
        const pod = sim().store.get('pods', 'airflow', 'remote-unresolvable') as KubeObject;
        const annotations = { ...pod.metadata.annotations, 'sim.kubectl-airflow.dev/image-profile': 'shell' };
        sim().store.apply({ ...pod, metadata: { ...pod.metadata, annotations } });
        try {
          const r = await net(sim(), 'remote-unresolvable');
          assert.equal(r.remote?.verdict, 'SKIP');
          assert.match(r.remote!.evidence[0], /not checked: needs python3/);
          assert.ok(r.remote!.evidence.some((e) => /\/opt\/airflow\/kube\/config/.test(e)));
        } finally {
          sim().store.apply(pod);
        }
      });

      it('doctor --pod: its network layer fails with the remote cause', async () => {
        const r = await runMain([
          'doctor',
          '--pod',
          'remote-eks-no-aws',
          '--kubeconfig',
          sim().kubeconfigPath,
          '-n',
          'airflow',
          '-o',
          'json',
        ]);
        const doc = JSON.parse(r.out) as { layers: Array<{ layer: string; verdict: string; summary: string }> };
        const network = doc.layers.find((l) => l.layer === 'network');
        assert.equal(network?.verdict, 'FAIL', r.out);
        assert.match(network!.summary, /Remote cluster fails: the exec credential plugin "aws" is not in the image/);
      });

      it("doctor (the scheduler's pod by default): only the network layer fails, on the unresolvable name", async () => {
        const r = await runMain(['doctor', '--kubeconfig', sim().kubeconfigPath, '-n', 'airflow', '-o', 'json']);
        assert.equal(r.code, 1, r.err);
        const doc = JSON.parse(r.out) as { layers: Array<{ layer: string; verdict: string; summary: string }> };
        for (const l of doc.layers)
          assert.equal(l.verdict, l.layer === 'network' ? 'FAIL' : 'OK', `${l.layer}: ${l.summary}`);
        assert.match(
          doc.layers.find((l) => l.layer === 'network')!.summary,
          /remote-unresolvable .*api\.gone\.example\.com does not resolve/,
        );
      });

      it('the official Python client loading the same kubeconfig in the same pod agrees', async function () {
        if (clientMissing) {
          console.log(`      skipped: needs ${clientMissing}`);
          this.skip();
        }
        const eks = await inPod(sim(), 'remote-eks-no-aws', ['conn', 'AIRFLOW_CONN_KUBERNETES_DEFAULT', '']);
        // the client only logs the missing plugin and calls anonymously: the cluster refuses anonymous
        assert.ok(
          eks.logs.some((l) => /No such file or directory: 'aws'/.test(l)),
          JSON.stringify(eks),
        );
        assert.notEqual(eks.outcome, 'ok');
        const gone = await inPod(sim(), 'remote-unresolvable', ['file', '/opt/airflow/kube/config', '']);
        assert.equal(gone.outcome, 'connect', JSON.stringify(gone));
        assert.match(gone.detail, /NewConnectionError|Name or service not known|resolution/i);
        const ok = await inPod(sim(), 'remote-reachable', ['file', '/opt/airflow/kube/config', 'same-cluster']);
        assert.equal(ok.outcome, 'ok', JSON.stringify(ok));
        const plugin = await inPod(sim(), 'remote-exec-plugin', ['file', '/opt/airflow/kube/config', '']);
        assert.equal(plugin.outcome, 'ok', JSON.stringify(plugin));
      });
    },
    { needsIsolatedNetwork: 'net execs into pods' },
  );
});
