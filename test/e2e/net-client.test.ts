// net's verdict against the official Kubernetes Python client (Debian's python3-kubernetes, the
// client Airflow's executor and KubernetesPodOperator use) making Airflow's start-up call inside the
// same simulated pod: load_incluster_config(), then list the pods of the pod's namespace (the
// executor's watcher lists and watches pods there). For every pod of net-cases the two must agree:
// the client succeeds exactly when net fails no layer on the path, and where the client fails, net
// fails (or, lacking the tools, skips) the layer of that step.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import type { Sim } from '../sim/index.ts';
import type { KubeObject } from '../sim/types.ts';
import { hasTool, runMain, withSim } from './harness.ts';

/** What the client saw, by step: config (in-cluster config would not load), connect, tls, unauthorized, forbidden, proxy, http, ok. */
const CLIENT = `
import json, sys
def done(outcome, detail=""):
    print(json.dumps({"outcome": outcome, "detail": str(detail)[:300]}))
    sys.exit(0)
try:
    import urllib3
    from kubernetes import client, config
except Exception as e:
    done("no-client", e)
try:
    config.load_incluster_config()
except Exception as e:
    done("config", e)
c = client.Configuration.get_default_copy()
c.retries = False
api = client.CoreV1Api(client.ApiClient(c))
ns = open("/var/run/secrets/kubernetes.io/serviceaccount/namespace").read().strip()
try:
    # the answer as received: the call's outcome, not the model classes' validation of the objects
    api.list_namespaced_pod(ns, limit=1, _request_timeout=(3, 5), _preload_content=False)
    done("ok")
except client.exceptions.ApiException as e:
    if not e.status:
        # 22.6's REST client wraps urllib3's errors: status 0, the error class first in the reason
        why = str(e.reason)
        for k, v in (("SSLError", "tls"), ("ProxyError", "proxy"), ("NewConnectionError", "connect"), ("ConnectTimeoutError", "connect"), ("MaxRetryError", "connect")):
            if why.startswith(k) or (k + "(") in why:
                done(v, why)
        done("http", why)
    done({401: "unauthorized", 403: "forbidden", 407: "proxy"}.get(e.status, "http"), "%s %s" % (e.status, e.reason))
except Exception as e:
    r = getattr(e, "reason", e)
    name = type(e).__name__ + " " + type(r).__name__
    if "ProxyError" in name: done("proxy", e)
    if "SSLError" in name: done("tls", e)
    if "NewConnectionError" in name or "ConnectTimeoutError" in name or "ConnectionRefused" in name: done("connect", e)
    done("http", "%s: %s" % (name, e))
`;

interface Layer {
  layer: string;
  verdict: string;
  evidence: string[];
}
interface Item {
  pod: string;
  container: string;
  probe: string;
  error?: string;
  layers: Layer[];
}

/** The step net says the client stops at ('ok' when no path layer fails), and the steps net could not check. */
function netExpects(item: Item, pod: string): { outcome: string; unchecked: string[] } {
  const by = (id: string) => item.layers.find((l) => l.layer === id);
  const text = (id: string) => (by(id)?.evidence ?? []).join('\n');
  const step: Record<string, string> = { tcp: 'connect', tls: 'tls', http: 'unauthorized', access: 'forbidden' };
  const unchecked: string[] = Object.entries(step)
    .filter(([id]) => by(id)?.verdict === 'SKIP')
    .map(([, s]) => s);
  for (const id of ['env', 'files', 'tcp', 'tls', 'http', 'access']) {
    if (by(id)?.verdict !== 'FAIL') continue;
    if (id === 'env') {
      if (/Service host\/port is not set/.test(text(id))) return { outcome: 'config', unchecked };
      // a proxy verdict resting on an assumed client (the sh probe cannot read versions) says nothing of this client
      if (/assumed a client/.test(text(id))) {
        unchecked.push('proxy');
        continue;
      }
      return { outcome: 'proxy', unchecked };
    }
    if (id === 'files') return { outcome: /EXPIRED/.test(text(id)) ? 'unauthorized' : 'config', unchecked };
    if (id === 'http') return { outcome: /-> 401/.test(text(id)) ? 'unauthorized' : 'http', unchecked };
    // the client's call is a list of pods in the pod's namespace: only that permission decides it
    if (id === 'access')
      return {
        outcome: new RegExp(`in ${pod.split('/')[0]}: denied [^\\n]*\\blist pods\\b`).test(text(id))
          ? 'forbidden'
          : 'ok',
        unchecked,
      };
    return { outcome: step[id], unchecked };
  }
  // TCP not checkable (no tool) but a NetworkPolicy that drops the API-server endpoints: no connection
  if (
    by('policy')?.verdict === 'FAIL' &&
    /egress to the API server .* is not allowed/.test(text('policy')) &&
    unchecked.includes('connect')
  )
    return { outcome: 'connect', unchecked };
  return { outcome: 'ok', unchecked };
}

function kubectl(sim: Sim, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', sim.kubeconfigPath, '-n', 'airflow', ...args],
      { timeout: 60_000 },
      (e, out, err) => {
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) });
      },
    );
  });
}

/** A pod whose image has no python3 runs the client in a twin with the python image (same account, env, network). */
function pythonTwin(sim: Sim, pod: KubeObject): string {
  if ((pod.metadata.annotations?.['sim.kubectl-airflow.dev/image-profile'] ?? 'python') === 'python')
    return pod.metadata.name;
  const name = `${pod.metadata.name}-client`.slice(0, 63);
  if (!sim.store.get('pods', 'airflow', name)) {
    const twin = structuredClone(pod);
    const meta = twin.metadata as KubeObject['metadata'] & { uid?: string; resourceVersion?: string };
    delete meta.uid;
    delete meta.resourceVersion;
    meta.name = name;
    meta.annotations = { ...meta.annotations, 'sim.kubectl-airflow.dev/image-profile': 'python' };
    sim.store.apply(twin);
  }
  return name;
}

const missing = (() => {
  if (process.getuid?.() !== 0 || !hasTool('iptables') || !hasTool('unshare'))
    return "the sim's isolated pod network (root, iptables, unshare)";
  if (!hasTool('kubectl')) return 'kubectl';
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import kubernetes'], { stdio: 'ignore' });
  } catch {
    return "Debian's python3-kubernetes (/usr/bin/python3 -c 'import kubernetes')";
  }
  return '';
})();

describe('e2e: net agrees with the official Python client, pod by pod (net-cases)', function () {
  this.timeout(600_000);
  before(function () {
    if (missing) {
      console.log(`    skipped: needs ${missing}`);
      this.skip();
    }
  });

  withSim('net-cases', (sim) => {
    it('every pod: the client succeeds exactly where net fails no path layer, and fails at the step net names', async () => {
      const pods = sim()
        .store.list('pods', { namespace: 'airflow' })
        .items.filter((p) => !p.metadata.name.endsWith('-client'));
      assert.ok(pods.length >= 20, `${pods.length} pods`);
      const rows: string[] = [];
      const disagree: string[] = [];
      let compared = 0;
      for (const pod of pods.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
        const name = pod.metadata.name;
        const r = await runMain([
          'net',
          name,
          '--kubeconfig',
          sim().kubeconfigPath,
          '-n',
          'airflow',
          '-o',
          'json',
          '--probe-timeout',
          '2',
        ]);
        if (!r.out) {
          // not Running: nothing to exec into, for net as for any client
          assert.match(r.err, /is Pending, not Running/, name);
          rows.push(`${name}: not running (both)`);
          continue;
        }
        const item = (JSON.parse(r.out) as { items: Item[] }).items[0];
        if (item.error) {
          // no python3 and no sh: the client cannot run in that image either
          const c = await kubectl(sim(), ['exec', name, '-c', item.container, '--', 'python3', '-c', 'pass']);
          assert.notEqual(c.code, 0, `${name}: python3 runs although net found none`);
          assert.match(c.err, /executable file not found/, name);
          rows.push(`${name}: no python3 or sh (both)`);
          continue;
        }
        const target = pythonTwin(sim(), pod);
        const c = await kubectl(sim(), ['exec', target, '-c', item.container, '--', 'python3', '-c', CLIENT]);
        const got = JSON.parse(c.out.trim().split('\n').pop() || '{}') as { outcome?: string; detail?: string };
        assert.ok(got.outcome && got.outcome !== 'no-client', `${name}: the client ran (${c.err} ${c.out})`);
        const want = netExpects(item, `airflow/${name}`);
        const agree = got.outcome === want.outcome || (want.outcome === 'ok' && want.unchecked.includes(got.outcome!));
        rows.push(
          `${name}: client ${got.outcome}${got.outcome === 'ok' ? '' : ` (${got.detail})`}; net ${want.outcome}${want.unchecked.length ? ` (not checkable: ${want.unchecked.join(', ')})` : ''}`,
        );
        if (!agree) disagree.push(rows.at(-1)!);
        compared++;
      }
      console.log(rows.map((x) => `      ${x}`).join('\n'));
      assert.deepEqual(disagree, []);
      assert.ok(compared >= 18, `${compared} pods compared`);
    });
  });
});
