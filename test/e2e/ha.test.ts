// `kubectl airflow ha` in-process against the simulated API server: the acceptance of issue 4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startSim, type Sim } from '../sim/index.ts';
import { kubeconfigWithUserinfo, runMain, skipWithoutIsolatedNetwork, withSim, type Run } from './harness.ts';

function run(sim: Sim, args: string[]): Promise<Run> {
  return runMain(['ha', '--kubeconfig', sim.kubeconfigPath, ...args]);
}

interface Report {
  verdict: string;
  platform: { name: string; expectation: string };
  endpoints: {
    address: string;
    ports: number[];
    lease?: { live: boolean; matchedBy: string };
    node?: { name: string; ready: boolean };
  }[];
  checks: { id: string; verdict: string; evidence: string[]; remedy: string }[];
}

async function report(sim: Sim, args: string[] = []): Promise<{ r: Report; code: number }> {
  const res = await run(sim, ['-o', 'json', ...args]);
  assert.equal(res.err, '', `no stderr expected, got: ${res.err}`);
  return { r: JSON.parse(res.out) as Report, code: res.code };
}

const check = (r: Report, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `check ${id} present`);
  return c;
};

describe('e2e: kubectl airflow ha', function () {
  this.timeout(60_000);

  withSim('ha-healthy', (sim) => {
    it('three healthy replicas: every check OK, exit 0, in one round trip of parallel reads', async () => {
      sim().log.reset();
      const { r, code } = await report(sim());
      assert.equal(code, 0);
      assert.equal(r.verdict, 'OK');
      for (const c of r.checks) assert.equal(c.verdict, 'OK', `${c.id}: ${c.evidence.join(' | ')}`);
      assert.deepEqual(
        r.endpoints.map((e) => e.address),
        ['10.0.0.11', '10.0.0.12', '10.0.0.13'],
      );
      assert.deepEqual(
        r.endpoints.map((e) => [e.node?.name, e.lease?.live, e.lease?.matchedBy]),
        [
          ['cp-1', true, 'hostname-label'],
          ['cp-2', true, 'hostname-label'],
          ['cp-3', true, 'hostname-label'],
        ],
      );
      assert.equal(
        sim().log.count({}),
        7,
        'seven reads: Service, Endpoints, EndpointSlices, Leases, Nodes, /readyz, kube-apiserver pods',
      );
      assert.deepEqual(check(r, 'endpoint-reconciler').evidence, [
        'kube-apiserver-cp-1 on cp-1: --endpoint-reconciler-type=lease --secure-port=6443 --advertise-address=10.0.0.11',
        'kube-apiserver-cp-2 on cp-2: --endpoint-reconciler-type=lease --secure-port=6443 --advertise-address=10.0.0.12',
        'kube-apiserver-cp-3 on cp-3: --endpoint-reconciler-type=lease --secure-port=6443 --advertise-address=10.0.0.13',
      ]);
    });

    it('people see the chain as a tree, Service -> endpoint -> replica -> node', async () => {
      const { code, out } = await run(sim(), []);
      assert.equal(code, 0);
      assert.match(out, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1 KUBERNETES_SERVICE_PORT=443/);
      assert.match(out, /└─ Service default\/kubernetes {2}10\.96\.0\.1:443 -> targetPort 6443/);
      assert.match(
        out,
        /├─ 10\.0\.0\.11:6443 {2}Endpoints \+ EndpointSlice\n.*├─ replica {2}Lease apiserver-\w+ {2}renewed \d+s ago \(live\)/,
      );
      assert.match(out, /└─ node {5}cp-3 {2}Ready/);
      assert.match(out, /^stale-endpoints +OK/m);
    });

    it('a kubeconfig server with userinfo is shown redacted (table, json, yaml), as kubectl redacts it', async () => {
      const kc = kubeconfigWithUserinfo(sim(), 'user:s3cret');
      try {
        for (const o of [[], ['-o', 'json'], ['-o', 'yaml'], ['-o', 'wide']]) {
          const res = await runMain(['ha', '--kubeconfig', kc.path, ...o]);
          assert.equal(res.code, 0, res.err);
          assert.doesNotMatch(res.out + res.err, /s3cret/, `-o ${o[1] ?? 'table'} shows no password`);
          assert.match(
            res.out,
            /https:\/\/user:xxxxx@127\.0\.0\.1:\d+: ready/,
            `-o ${o[1] ?? 'table'}: the /readyz evidence names the redacted server`,
          );
        }
        assert.match(
          (await runMain(['ha', '--kubeconfig', kc.path])).out,
          /^kubeconfig server: https:\/\/user:xxxxx@127\.0\.0\.1:\d+$/m,
        );
      } finally {
        kc.cleanup();
      }
    });

    it('-o yaml is the same document', async () => {
      const res = await run(sim(), ['-o', 'yaml']);
      assert.equal(res.code, 0);
      assert.match(res.out, /^verdict: OK$/m);
      assert.match(res.out, /^ {2}- id: endpoints-agree$/m);
    });
  });

  // A long latency so that the reads overlap at the server even when the machine is loaded and the
  // seven TLS handshakes start unevenly: this asserts concurrency, not speed.
  describe('ha-healthy with 400 ms latency per request', () => {
    let sim: Sim;
    before(async () => {
      sim = await startSim({ scenario: 'ha-healthy', latencyMs: 400 });
    });
    after(async () => sim?.stop());
    it('all seven reads are in flight at once (one round trip, whatever the replica count)', async () => {
      sim.log.reset();
      const { code } = await report(sim);
      assert.equal(code, 0);
      assert.equal(sim.log.count({}), 7);
      assert.equal(sim.log.maxInFlight, 7);
    });
  });

  withSim('ha-three-replicas-one-stale', (sim) => {
    it('names the stale endpoint and exits 1', async () => {
      const { r, code } = await report(sim());
      assert.equal(code, 1);
      const stale = check(r, 'stale-endpoints');
      assert.equal(stale.verdict, 'FAIL');
      assert.equal(stale.evidence.length, 1);
      assert.match(
        stale.evidence[0]!,
        /^stale endpoint 10\.0\.0\.13: Lease apiserver-\w+ renewed \d+[smhd] ago; node cp-3 is NotReady/,
      );
      assert.equal(check(r, 'endpoint-leases').verdict, 'FAIL');
      assert.equal(check(r, 'endpoint-count').verdict, 'OK', 'two live replicas remain');
      assert.equal(check(r, 'endpoints-agree').verdict, 'OK');
    });

    it('text output names it too, with the fix', async () => {
      const { code, out } = await run(sim(), []);
      assert.equal(code, 1);
      assert.match(out, /^FAIL stale-endpoints: No stale endpoint\n {2}- stale endpoint 10\.0\.0\.13: /m);
      assert.match(out, /fix: Clients sent to 10\.0\.0\.13 time out or are refused/);
    });
  });

  describe('master-count reconciler (derived from ha-three-replicas-one-stale)', () => {
    let sim: Sim;
    before(async () => {
      const text = readFileSync(new URL('../scenarios/ha-three-replicas-one-stale.yaml', import.meta.url), 'utf8')
        .replace('reconciler: lease', 'reconciler: master-count')
        .replace(/ {4}knobs:\n {6}staleEndpoints: \[[^\]]*\]\n/, '')
        .replace('name: ha-three-replicas-one-stale', 'name: ha-master-count');
      assert.ok(text.includes('reconciler: master-count') && !/^\s+staleEndpoints:/m.test(text), 'derived scenario');
      sim = await startSim({ scenario: 'ha-master-count', scenarioText: text });
    });
    after(async () => sim?.stop());
    it('the dead server stays in the endpoints; the flag that keeps it there is named', async () => {
      const { r, code } = await report(sim);
      assert.equal(code, 1);
      assert.match(check(r, 'stale-endpoints').evidence[0]!, /^stale endpoint 10\.0\.0\.13: /);
      assert.match(
        check(r, 'stale-endpoints').remedy,
        /kube-apiserver-cp-1, kube-apiserver-cp-2, kube-apiserver-cp-3 run --endpoint-reconciler-type=master-count, which never removes a dead server/,
      );
      const rec = check(r, 'endpoint-reconciler');
      assert.equal(rec.verdict, 'WARN');
      assert.match(rec.remedy, /Remove --endpoint-reconciler-type from every kube-apiserver/);
    });
  });

  withSim('ha-endpoints-disagree', (sim) => {
    it('Endpoints and EndpointSlice disagreeing is a FAIL naming the address', async () => {
      const { r, code } = await report(sim());
      assert.equal(code, 1);
      const c = check(r, 'endpoints-agree');
      assert.equal(c.verdict, 'FAIL');
      assert.deepEqual(c.evidence, ['10.0.0.13 is in Endpoints but not in the EndpointSlice']);
      assert.equal(check(r, 'stale-endpoints').verdict, 'OK', 'the server behind 10.0.0.13 is alive');
    });
  });

  withSim('ha-single-replica', (sim) => {
    it('one self-managed replica is a single point of failure', async () => {
      const { r, code } = await report(sim());
      assert.equal(code, 1);
      const c = check(r, 'endpoint-count');
      assert.equal(c.verdict, 'FAIL');
      assert.match(c.remedy, /single point of failure/);
      assert.equal(r.platform.name, 'self-managed');
      assert.deepEqual(
        r.checks.filter((x) => x.verdict === 'FAIL').map((x) => x.id),
        ['endpoint-count'],
      );
    });
  });

  withSim('ha-managed-eks', (sim) => {
    it('recognises EKS, applies its expectation and raises no false alarm', async () => {
      const { r, code } = await report(sim());
      assert.equal(code, 0);
      assert.equal(r.platform.name, 'EKS');
      assert.match(r.platform.expectation, /two cross-account ENI IPs/);
      const c = check(r, 'endpoint-count');
      assert.equal(c.verdict, 'OK');
      assert.match(c.evidence.join('\n'), /platform: EKS \(node providerID aws:\/\/\.\.\./);
      for (const x of r.checks) assert.notEqual(x.verdict, 'FAIL', `${x.id}: ${x.evidence.join(' | ')}`);
      assert.equal(
        check(r, 'stale-endpoints').verdict,
        'OK',
        'ENI addresses are no node addresses, and that is normal on EKS',
      );
    });
  });

  describe('a GKE-like cluster (one VIP endpoint, gce:// providerIDs; derived from ha-managed-eks)', () => {
    let sim: Sim;
    before(async () => {
      const eks = readFileSync(new URL('../scenarios/ha-managed-eks.yaml', import.meta.url), 'utf8');
      const gke = eks
        .replace(/providerID: aws:\/\/\/([\w-]+)\/(i-\w+)/g, 'providerID: gce://airflow-prod/$1/gke-pool-$2')
        .replace(/ {4}- \{name: ip-10-0-101-27[^\n]*\n/, '')
        .replace('name: ha-managed-eks', 'name: ha-managed-gke-like');
      assert.ok(
        gke.includes('providerID: gce://') && !gke.includes('providerID: aws://'),
        'the derived scenario is GKE-like',
      );
      sim = await startSim({ scenario: 'ha-managed-gke-like', scenarioText: gke });
    });
    after(async () => sim?.stop());
    it('one endpoint is normal there: recognised as GKE and said so, exit 0', async () => {
      const { r, code } = await report(sim);
      assert.equal(code, 0);
      assert.equal(r.platform.name, 'GKE');
      assert.equal(r.endpoints.length, 1);
      const c = check(r, 'endpoint-count');
      assert.equal(c.verdict, 'OK');
      assert.match(c.evidence.join('\n'), /proves nothing about replicas/);
    });
  });

  withSim('ha-no-lease-access', (sim) => {
    it('without Lease (and Node) access: partial result, skipped checks name the missing permission', async () => {
      sim().log.reset();
      const { r, code } = await report(sim());
      assert.equal(code, 0);
      const leases = check(r, 'endpoint-leases');
      assert.equal(leases.verdict, 'SKIP');
      assert.match(
        leases.evidence[0]!,
        /Leases in kube-system not readable \(forbidden\): needs list leases\.coordination\.k8s\.io in kube-system/,
      );
      assert.match(leases.remedy, /^Grant list leases\.coordination\.k8s\.io in kube-system/);
      const stale = check(r, 'stale-endpoints');
      assert.equal(stale.verdict, 'SKIP');
      assert.match(stale.evidence.join('\n'), /Nodes not readable \(forbidden\): needs list nodes/);
      // the rest still decides
      assert.equal(check(r, 'endpoints-agree').verdict, 'OK');
      assert.equal(check(r, 'ports').verdict, 'OK');
      assert.equal(check(r, 'readyz').verdict, 'OK');
      assert.equal(r.endpoints.length, 3);
      assert.equal(
        sim().log.count({ code: 403, resource: 'leases' }),
        1,
        'the Lease list was really refused by the server',
      );
      assert.equal(sim().log.count({ code: 403, resource: 'nodes' }), 1, 'and the Node list');
      assert.equal(check(r, 'endpoint-reconciler').verdict, 'SKIP');
      assert.match(check(r, 'endpoint-reconciler').evidence[0]!, /needs list pods in kube-system/);
    });
  });

  describe('--from <pod> (the pod network)', () => {
    let sim: Sim | undefined;
    before(async function () {
      skipWithoutIsolatedNetwork(this, "--from needs the sim's isolated pod network");
      sim = await startSim({ scenario: 'ha-three-replicas-one-stale' });
    });
    after(async () => sim?.stop());

    it('one exec; the replica the pod cannot reach is named', async () => {
      sim!.log.reset();
      const { r, code } = await report(sim!, [
        '--from',
        'airflow-scheduler-5d8c9f7b6-x7k2p',
        '-n',
        'airflow',
        '-c',
        'scheduler',
      ]);
      assert.equal(code, 1);
      const c = check(r, 'from-pod');
      assert.equal(c.verdict, 'FAIL');
      assert.deepEqual(
        c.evidence.map((e) => e.split(':').slice(0, 3).join(':')),
        [
          '10.0.0.11:6443: reachable (HTTP 200)',
          '10.0.0.12:6443: reachable (HTTP 200)',
          '10.0.0.13:6443: UNREACHABLE (TCP connect',
        ],
      );
      assert.match(c.remedy, /10\.0\.0\.13:6443: stale/);
      assert.deepEqual(
        (r as unknown as { from: { results: { address: string; ok: boolean }[] } }).from.results.map((x) => [
          x.address,
          x.ok,
        ]),
        [
          ['10.0.0.11', true],
          ['10.0.0.12', true],
          ['10.0.0.13', false],
        ],
      );
      assert.equal(sim!.log.count({ subresource: 'exec' }), 1, 'exactly one exec');
      assert.equal(
        sim!.log.count((e) => !e.user.startsWith('system:serviceaccount:')),
        9,
        'the seven reads, the pod (read alongside them) and the exec',
      );
      assert.equal(
        sim!.log.count((e) => e.user.startsWith('system:serviceaccount:airflow:') && e.path === '/readyz'),
        2,
        'the pod itself reached the two live replicas with its own token',
      );
    });

    it('a live replica blocked by a NetworkPolicy is named with the ipBlock to allow', async () => {
      const healthy = await startSim({ scenario: 'ha-healthy' });
      try {
        // egress allowed to two of the three API servers only (what a policy written for one cluster often does)
        healthy.store.apply({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'scheduler-egress', namespace: 'airflow' },
          spec: {
            podSelector: { matchLabels: { component: 'scheduler' } },
            policyTypes: ['Egress'],
            egress: [
              {
                to: [{ ipBlock: { cidr: '10.0.0.11/32' } }, { ipBlock: { cidr: '10.0.0.12/32' } }],
                ports: [{ protocol: 'TCP', port: 6443 }],
              },
            ],
          },
        } as never);
        const { r, code } = await report(healthy, [
          '--from',
          'airflow-scheduler-5d8c9f7b6-x7k2p',
          '-n',
          'airflow',
          '-c',
          'scheduler',
        ]);
        assert.equal(code, 1);
        const c = check(r, 'from-pod');
        assert.equal(c.verdict, 'FAIL');
        assert.match(c.evidence[2]!, /^10\.0\.0\.13:6443: UNREACHABLE \(TCP connect: timeout/);
        assert.doesNotMatch(c.evidence[2]!, /stale/);
        assert.match(
          c.remedy,
          /cannot reach 10\.0\.0\.13:6443 although a server runs there \(timed out: packets are dropped on the way.*\): allow egress to 10\.0\.0\.13\/32 port 6443\/TCP/,
        );
        assert.equal(check(r, 'stale-endpoints').verdict, 'OK', 'the cluster itself is healthy');
      } finally {
        await healthy.stop();
      }
    });

    it('a pod that does not exist is a usage error: one line, exit 2 (as net and doctor --pod)', async () => {
      const res = await run(sim!, ['--from', 'nope', '-n', 'airflow']);
      assert.equal(res.code, 2);
      assert.equal(
        res.err,
        'kubectl-airflow: pod "nope" not found in namespace "airflow": check the name with kubectl get pods -n airflow\n',
      );
    });
  });

  it('usage errors exit 2', async () => {
    const { code, err } = await runMain(['ha', '--container', 'x']);
    assert.equal(code, 2);
    assert.match(err, /--container needs --from <pod>/);
  });
});
