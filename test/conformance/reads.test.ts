// Real kubectl reads against the sim: label and field selectors, chunked lists, the control-plane
// objects (default/kubernetes Service, Endpoints, EndpointSlices, identity Leases, Nodes) compared
// with the hand-written HA expectations, api-resources, version, readyz, and an exec credential plugin.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, type Sim } from '../sim/index.ts';
import {
  EXEC_PLUGIN_V1_REFUSED,
  SCENARIOS_DIR,
  expectation,
  knowsExecPluginV1,
  kubectl,
  kubectls,
  parseTable,
  skipWithoutKubectl,
  type Kubectl,
} from './kubectl.ts';

async function getJson(k: Kubectl, sim: Sim, args: string[]): Promise<any> {
  const r = await kubectl(k, sim.kubeconfigPath, [...args, '-o', 'json']);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function names(list: any): string[] {
  return list.items.map((o: any) => o.metadata.name).sort();
}

/** What kubectl auth whoami prints where the server serves no SelfSubjectReview version it knows. */
const WHOAMI_REFUSED = {
  code: 1,
  stderr:
    'error: the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API\n',
};

async function whoamiRefused(k: Kubectl, sim: Sim): Promise<{ code: number; stderr: string }> {
  sim.log.reset();
  const r = await kubectl(k, sim.kubeconfigPath, ['--context', 'dev', 'auth', 'whoami']);
  return { code: r.code, stderr: r.stderr };
}

/** The SelfSubjectReview requests since the last log reset, with their status codes. */
function whoamiPaths(sim: Sim): string[] {
  return sim.log.entries.filter((e) => /selfsubjectreviews/.test(e.path)).map((e) => `${e.path} ${e.code}`);
}

describe('conformance: kubectl reads against official-kubernetes-executor', function () {
  // kubectl processes on a shared 2-core machine: generous, never a speed assertion
  this.timeout(180_000);
  let sim: Sim;
  before(async function () {
    skipWithoutKubectl(this);
    sim = await startSim({ scenario: 'official-kubernetes-executor' });
  });
  after(async () => {
    await sim?.stop();
  });

  for (const k of kubectls()) {
    describe(`kubectl ${k.label}`, () => {
      it('get pods -l with equality and set-based selectors', async () => {
        assert.deepEqual(
          names(await getJson(k, sim, ['get', 'pods', '-n', 'airflow', '-l', 'component=scheduler,release=airflow'])),
          ['airflow-scheduler-5d8c9f7b6-x7k2p'],
        );
        assert.deepEqual(
          names(await getJson(k, sim, ['get', 'pods', '-n', 'airflow', '-l', 'component in (worker,triggerer)'])),
          ['airflow-triggerer-0', 'etl-daily-extract-orders-h3k9w2qz'],
        );
        assert.deepEqual(
          names(
            await getJson(k, sim, [
              'get',
              'pods',
              '-n',
              'airflow',
              '-l',
              'tier=airflow,component!=worker,component!=triggerer',
            ]),
          ),
          [
            'airflow-api-server-7c9d4b5f8-x7k2p',
            'airflow-dag-processor-6b7f8d9c5-x7k2p',
            'airflow-scheduler-5d8c9f7b6-x7k2p',
          ],
        );
        assert.deepEqual(names(await getJson(k, sim, ['get', 'pods', '-n', 'airflow', '-l', 'kubernetes_executor'])), [
          'etl-daily-extract-orders-h3k9w2qz',
        ]);
        assert.deepEqual(names(await getJson(k, sim, ['get', 'pods', '-n', 'airflow', '-l', 'component=nothing'])), []);
      });

      it('get pods as a table shows READY and STATUS from containerStatuses', async () => {
        const r = await kubectl(k, sim.kubeconfigPath, ['get', 'pods', '-n', 'airflow', '-l', 'component=scheduler']);
        assert.equal(r.code, 0, r.stderr);
        const rows = parseTable(r.stdout);
        assert.deepEqual(
          rows.map((row) => row.slice(0, 4)),
          [['airflow-scheduler-5d8c9f7b6-x7k2p', '2/2', 'Running', '0']],
        );
      });

      it('field selectors and chunked lists (--chunk-size) return every pod once', async () => {
        assert.deepEqual(
          names(await getJson(k, sim, ['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-b'])),
          ['airflow-api-server-7c9d4b5f8-x7k2p', 'etl-daily-extract-orders-h3k9w2qz'],
        );
        const before = sim.log.count((e) => e.resource === 'pods' && /continue=/.test(e.query));
        const chunked = names(await getJson(k, sim, ['get', 'pods', '-A', '--chunk-size=2']));
        // 5 Airflow pods plus the 3 kube-apiserver mirror pods in kube-system
        assert.deepEqual(chunked, [
          'airflow-api-server-7c9d4b5f8-x7k2p',
          'airflow-dag-processor-6b7f8d9c5-x7k2p',
          'airflow-scheduler-5d8c9f7b6-x7k2p',
          'airflow-triggerer-0',
          'etl-daily-extract-orders-h3k9w2qz',
          'kube-apiserver-cp-1',
          'kube-apiserver-cp-2',
          'kube-apiserver-cp-3',
        ]);
        assert.ok(
          sim.log.count((e) => e.resource === 'pods' && /continue=/.test(e.query)) - before >= 2,
          'kubectl followed continue tokens',
        );
      });

      it('get serviceaccounts and the airflow.cfg ConfigMap', async () => {
        assert.deepEqual(
          names(await getJson(k, sim, ['get', 'serviceaccounts', '-n', 'airflow', '-l', 'release=airflow'])),
          [
            'airflow-api-server',
            'airflow-create-user-job',
            'airflow-dag-processor',
            'airflow-migrate-database-job',
            'airflow-scheduler',
            'airflow-statsd',
            'airflow-triggerer',
            'airflow-worker',
          ],
        );
        const cm = await getJson(k, sim, ['get', 'configmap', 'airflow-config', '-n', 'airflow']);
        assert.match(cm.data['airflow.cfg'], /\[kubernetes_executor\][\s\S]*namespace = airflow/);
        assert.match(cm.data['airflow.cfg'], /executor = KubernetesExecutor/);
      });

      it('api-resources lists the groups the plugin reads, with scope and kind', async () => {
        const r = await kubectl(k, sim.kubeconfigPath, ['api-resources']);
        assert.equal(r.code, 0, r.stderr);
        const rows = parseTable(r.stdout);
        const byName = new Map(rows.map((row) => [`${row[0]} ${row[2]}`, row]));
        const want: [string, string, string, string][] = [
          ['pods', 'v1', 'true', 'Pod'],
          ['nodes', 'v1', 'false', 'Node'],
          ['endpoints', 'v1', 'true', 'Endpoints'],
          ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
          ['leases', 'coordination.k8s.io/v1', 'true', 'Lease'],
          ['networkpolicies', 'networking.k8s.io/v1', 'true', 'NetworkPolicy'],
          ['deployments', 'apps/v1', 'true', 'Deployment'],
          ['statefulsets', 'apps/v1', 'true', 'StatefulSet'],
          ['roles', 'rbac.authorization.k8s.io/v1', 'true', 'Role'],
          ['clusterrolebindings', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRoleBinding'],
          ['subjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SubjectAccessReview'],
          ['selfsubjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview'],
          ['selfsubjectrulesreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectRulesReview'],
          ['localsubjectaccessreviews', 'authorization.k8s.io/v1', 'true', 'LocalSubjectAccessReview'],
        ];
        for (const [name, version, namespaced, kind] of want) {
          const row = byName.get(`${name} ${version}`);
          assert.ok(row, `${name} (${version}) in api-resources:\n${r.stdout}`);
          assert.deepEqual([row[3], row[4]], [namespaced, kind], name);
        }
      });

      it('version and readyz?verbose', async () => {
        const v = await getJson(k, sim, ['version']);
        assert.equal(v.serverVersion.gitVersion, sim.scenario.spec.kubernetesVersion);
        const r = await kubectl(k, sim.kubeconfigPath, ['get', '--raw', '/readyz?verbose']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /readyz check passed\s*$/);
      });

      it('reads as the exec-credential-plugin identity (and whoami where kubectl has it)', async () => {
        if (!knowsExecPluginV1(k)) {
          const r = await kubectl(k, sim.kubeconfigPath, ['--context', 'dev', 'get', 'pods', '-n', 'airflow']);
          assert.equal(r.code, 1);
          assert.match(r.stderr, EXEC_PLUGIN_V1_REFUSED);
          return;
        }
        const pods = await getJson(k, sim, [
          '--context',
          'dev',
          'get',
          'pods',
          '-n',
          'airflow',
          '-l',
          'component=scheduler',
        ]);
        assert.deepEqual(names(pods), ['airflow-scheduler-5d8c9f7b6-x7k2p']);
        const denied = await kubectl(k, sim.kubeconfigPath, ['--context', 'dev', 'get', 'secrets', '-n', 'airflow']);
        assert.equal(denied.code, 1);
        assert.match(
          denied.stderr,
          /secrets is forbidden: User "dev@example\.com" cannot list resource "secrets" in API group "" in the namespace "airflow"/,
        );
        if (k.minor >= 28) {
          const who = await getJson(k, sim, ['--context', 'dev', 'auth', 'whoami']);
          assert.equal(who.status.userInfo.username, 'dev@example.com');
          assert.deepEqual(who.status.userInfo.groups, ['airflow-devs', 'system:authenticated']);
        } else {
          // kubectl 1.27 asks v1beta1, then v1alpha1: neither is served by a default 1.32 server (the
          // beta and alpha versions were never on by default; v1 is GA from 1.28), so it fails there too.
          assert.deepEqual(await whoamiRefused(k, sim), WHOAMI_REFUSED);
          assert.deepEqual(whoamiPaths(sim), [
            '/apis/authentication.k8s.io/v1beta1/selfsubjectreviews 404',
            '/apis/authentication.k8s.io/v1alpha1/selfsubjectreviews 404',
          ]);
        }
      });
    });
  }

  it('the kubeconfig for the exec identity uses a non-interactive exec plugin and holds no token', async function () {
    skipWithoutKubectl(this);
    const cfg = await getJson(kubectls()[0], sim, ['config', 'view', '--raw']);
    const dev = cfg.users.find(
      (u: any) => u.name === 'dev' || cfg.contexts.find((c: any) => c.name === 'dev')?.context.user === u.name,
    );
    assert.ok(dev?.user.exec, 'exec section');
    assert.match(dev.user.exec.apiVersion, /^client\.authentication\.k8s\.io\/v1(beta1)?$/);
    assert.equal(dev.user.token, undefined);
    assert.equal(dev.user.exec.interactiveMode, 'Never');
  });

  it('a failing exec credential plugin makes kubectl fail with exit 1 and a credentials error', async function () {
    skipWithoutKubectl(this);
    const k = kubectls()[0];
    const set = await kubectl(k, sim.kubeconfigPath, [
      'config',
      'set-credentials',
      'broken-exec',
      '--exec-api-version=client.authentication.k8s.io/v1',
      '--exec-command=/bin/false',
      '--exec-interactive-mode=Never',
    ]);
    assert.equal(set.code, 0, set.stderr);
    const ctx = await kubectl(k, sim.kubeconfigPath, [
      'config',
      'set-context',
      'broken-exec',
      `--cluster=${sim.scenario.metadata.name}`,
      '--user=broken-exec',
    ]);
    assert.equal(ctx.code, 0, ctx.stderr);
    const r = await kubectl(k, sim.kubeconfigPath, ['--context', 'broken-exec', 'get', 'pods', '-n', 'airflow']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exec plugin|getting credentials/);
  });
});

describe('conformance: kubectl auth whoami against a 1.27 server (SelfSubjectReview not served by default)', function () {
  this.timeout(180_000);
  let sim: Sim;
  let dir: string;
  before(async function () {
    skipWithoutKubectl(this);
    dir = mkdtempSync(join(tmpdir(), 'whoami-127-'));
    const file = join(dir, 'official-kubernetes-executor-1.27.yaml');
    const text = readFileSync(join(SCENARIOS_DIR, 'official-kubernetes-executor.yaml'), 'utf8');
    writeFileSync(file, text.replace(/kubernetesVersion: v1\.\d+\.\d+/, 'kubernetesVersion: v1.27.16'));
    sim = await startSim({ scenario: file });
  });
  after(async () => {
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const k of kubectls()) {
    it(`kubectl ${k.label}: every version it knows is 404, so it says the API is not enabled; api-resources has no selfsubjectreviews`, async () => {
      if (k.minor < 27) {
        // `kubectl auth whoami` came with 1.27 (1.26 had it under `kubectl alpha`): an older kubectl has no such command and asks nothing
        assert.deepEqual(await whoamiRefused(k, sim), {
          code: 1,
          stderr: 'error: unknown command "whoami"\nSee \'kubectl auth -h\' for help and examples\n',
        });
        assert.deepEqual(whoamiPaths(sim), []);
        const r = await kubectl(k, sim.kubeconfigPath, ['api-resources', '-o', 'name']);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(
          r.stdout.split('\n').includes('selfsubjectaccessreviews.authorization.k8s.io') &&
            !/selfsubjectreviews/.test(r.stdout),
          r.stdout,
        );
        return;
      }
      assert.deepEqual(await whoamiRefused(k, sim), WHOAMI_REFUSED);
      // gcloud's kubectl on PATH is a dispatcher that runs the build matching the server (1.27 here):
      // the User-Agent says which kubectl asked.
      const agent = String(sim.log.entries.find((e) => /selfsubjectreviews/.test(e.path))?.headers['user-agent'] ?? '');
      const minor = Number(/^kubectl[^/]*\/v1\.(\d+)\./.exec(agent)?.[1]);
      assert.ok(minor === k.minor || (k.label.includes('PATH') && minor === 27), `User-Agent ${agent}`);
      const tried = minor >= 28 ? ['v1', 'v1beta1', 'v1alpha1'] : ['v1beta1', 'v1alpha1'];
      assert.deepEqual(
        whoamiPaths(sim),
        tried.map((v) => `/apis/authentication.k8s.io/${v}/selfsubjectreviews 404`),
      );
      const r = await kubectl(k, sim.kubeconfigPath, ['api-resources', '-o', 'name']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(
        r.stdout.split('\n').includes('selfsubjectaccessreviews.authorization.k8s.io'),
        'the authorization reviews are listed',
      );
      assert.ok(!/selfsubjectreviews/.test(r.stdout), r.stdout);
    });
  }
});

for (const name of [
  'ha-healthy',
  'ha-three-replicas-one-stale',
  'ha-single-replica',
  'ha-endpoints-disagree',
  'ha-managed-eks',
  'ha-port-mismatch',
]) {
  describe(`conformance: control-plane objects of ${name} through kubectl`, function () {
    // kubectl processes on a shared 2-core machine: generous, never a speed assertion
    this.timeout(180_000);
    const exp = expectation(name);
    let sim: Sim;
    before(async function () {
      skipWithoutKubectl(this);
      sim = await startSim({ scenario: name });
    });
    after(async () => {
      await sim?.stop();
    });

    for (const k of kubectls()) {
      it(`kubectl ${k.label}: Service, Endpoints, EndpointSlices, Leases and Nodes as expected`, async () => {
        const svc = await getJson(k, sim, ['get', 'service', 'kubernetes', '-n', 'default']);
        assert.equal(svc.spec.selector, undefined);
        assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
        assert.equal(svc.spec.clusterIP, exp.controlPlane.service.clusterIP);
        assert.deepEqual(
          svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]),
          [['https', exp.controlPlane.service.port, exp.controlPlane.service.targetPort]],
        );

        const ep = await getJson(k, sim, ['get', 'endpoints', 'kubernetes', '-n', 'default']);
        const got = ep.subsets.flatMap((s: any) => s.addresses.map((a: any) => ({ ip: a.ip, port: s.ports[0].port })));
        assert.deepEqual(got, exp.controlPlane.endpoints);

        const slices = await getJson(k, sim, [
          'get',
          'endpointslices',
          '-n',
          'default',
          '-l',
          'kubernetes.io/service-name=kubernetes',
        ]);
        const bySlice = Object.fromEntries(
          slices.items.map((s: any) => [s.metadata.name, s.endpoints.map((e: any) => e.addresses[0])]),
        );
        assert.deepEqual(bySlice, exp.controlPlane.endpointSlices);
        for (const s of slices.items) {
          assert.equal(s.addressType, 'IPv4');
          for (const e of s.endpoints) assert.equal(e.conditions.ready, true);
        }

        const table = await kubectl(k, sim.kubeconfigPath, ['get', 'endpointslices', '-n', 'default']);
        const row = parseTable(table.stdout).find((r) => r[0] === 'kubernetes');
        assert.deepEqual(row?.slice(1, 4), [
          'IPv4',
          String(exp.controlPlane.endpoints[0].port),
          exp.controlPlane.endpointSlices.kubernetes.join(','),
        ]);

        if (exp.controlPlane.leases) {
          const leases = await getJson(k, sim, [
            'get',
            'leases',
            '-n',
            'kube-system',
            '-l',
            'apiserver.kubernetes.io/identity=kube-apiserver',
          ]);
          const now = Date.now();
          const state = Object.fromEntries(
            leases.items.map((l: any) => [
              l.metadata.labels['kubernetes.io/hostname'],
              (now - Date.parse(l.spec.renewTime)) / 1000 < 40 ? 'live' : 'stale',
            ]),
          );
          assert.deepEqual(state, exp.controlPlane.leases);
          for (const l of leases.items) {
            assert.equal(l.spec.leaseDurationSeconds, 3600);
            assert.ok(l.spec.holderIdentity.startsWith(`${l.metadata.name}_`));
          }
        }

        const nodes = await getJson(k, sim, ['get', 'nodes', '-l', 'node-role.kubernetes.io/control-plane']);
        const ready = Object.fromEntries(
          nodes.items.map((n: any) => [
            n.metadata.name,
            n.status.conditions.find((c: any) => c.type === 'Ready').status === 'True' ? 'Ready' : 'NotReady',
          ]),
        );
        assert.deepEqual(ready, exp.controlPlane.nodes);
      });
    }
  });
}
