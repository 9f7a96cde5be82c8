// Pure tests of the `ha` chain and checks (src/ha), no server.
import assert from 'node:assert/strict';
import { apiserverPodView, buildChain } from '../../src/ha/chain.ts';
import { staleEndpoints, unusableReads, worstVerdict } from '../../src/ha/checks.ts';
import { runChecks } from '../../src/ha/run-checks.ts';
import { leaseInfo, leaseNameForHostname } from '../../src/ha/identity.ts';
import type { Check, Fetched, HaInput, Lease, Node } from '../../src/ha/model.ts';
import { detectPlatform } from '../../src/ha/platform.ts';
import { age } from '../../src/ha/age.ts';
import { renderText } from '../../src/ha/report.ts';
import { palette } from '../../src/render/colour.ts';

const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const okf = <T>(value: T): Fetched<T> => ({ ok: true, value });
const forbidden = (permission: string): Fetched<never> => ({
  ok: false,
  code: 403,
  reason: 'Forbidden',
  message: 'forbidden',
  permission,
});

interface Rep {
  ip: string;
  node: string;
  port?: number;
  leaseAge?: number | null;
  nodeReady?: boolean;
  inSlice?: boolean;
  inEndpoints?: boolean;
  slicePort?: number;
}

function node(name: string, ip: string, ready = true, providerID?: string, controlPlane = true): Node {
  return {
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: providerID ? { providerID } : {},
    status: {
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'NodeStatusUnknown' },
      ],
    },
  };
}

function lease(host: string, renewedSecondsAgo: number, labelled = true): Lease {
  const name = leaseNameForHostname(host);
  return {
    metadata: {
      name,
      namespace: 'kube-system',
      labels: {
        'apiserver.kubernetes.io/identity': 'kube-apiserver',
        ...(labelled ? { 'kubernetes.io/hostname': host } : {}),
      },
      creationTimestamp: ago(86400),
    },
    spec: { holderIdentity: `${name}_0b5d6c1e`, leaseDurationSeconds: 3600, renewTime: ago(renewedSecondsAgo) },
  };
}

function input(reps: Rep[], over: Partial<HaInput> = {}): HaInput {
  const inEp = reps.filter((r) => r.inEndpoints !== false);
  const inSl = reps.filter((r) => r.inSlice !== false);
  const ports = [...new Set(inEp.map((r) => r.port ?? 6443))];
  return {
    service: okf({
      metadata: { name: 'kubernetes' },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] },
    }),
    endpoints: okf({
      subsets: ports.map((p) => ({
        addresses: inEp.filter((r) => (r.port ?? 6443) === p).map((r) => ({ ip: r.ip })),
        ports: [{ name: 'https', port: p }],
      })),
    }),
    slices: okf(
      [...new Set(inSl.map((r) => r.slicePort ?? r.port ?? 6443))].map((p) => ({
        addressType: 'IPv4',
        endpoints: inSl
          .filter((r) => (r.slicePort ?? r.port ?? 6443) === p)
          .map((r) => ({ addresses: [r.ip], conditions: { ready: true } })),
        ports: [{ name: 'https', port: p }],
      })),
    ),
    leases: okf(reps.filter((r) => r.leaseAge !== null).map((r) => lease(r.node, r.leaseAge ?? 3))),
    nodes: okf(reps.map((r) => node(r.node, r.ip, r.nodeReady ?? true))),
    readyz: okf({ status: 200, body: '[+]ping ok\n[+]etcd ok\nreadyz check passed\n' }),
    server: 'https://127.0.0.1:6443',
    now: NOW,
    ...over,
  };
}

const three: Rep[] = [
  { ip: '10.0.0.11', node: 'cp-1' },
  { ip: '10.0.0.12', node: 'cp-2' },
  { ip: '10.0.0.13', node: 'cp-3' },
];

function run(i: HaInput): Record<string, Check> {
  const checks = runChecks(buildChain(i), i);
  return Object.fromEntries(checks.map((c) => [c.id, c]));
}

describe('ha: identity Lease naming', () => {
  it('derives the Lease name kube-apiserver uses for a hostname (vector computed independently in Python)', () => {
    assert.equal(leaseNameForHostname('cp-1'), 'apiserver-rplpdvtx3lntmi4xy2xnxookk4');
    assert.match(leaseNameForHostname('kind-control-plane'), /^apiserver-[a-z2-7]{26}$/);
    assert.notEqual(leaseNameForHostname('cp-1'), leaseNameForHostname('cp-2'));
  });

  it('a Lease is live only when renewed recently, whatever its 3600 s duration', () => {
    assert.equal(leaseInfo(lease('cp-1', 5), NOW).live, true);
    assert.equal(leaseInfo(lease('cp-1', 600), NOW).live, false);
    assert.equal(
      leaseInfo({ metadata: { name: 'x' }, spec: { renewTime: new Date(NOW.getTime() - 2000) } }, NOW).live,
      true,
    );
  });

  it('matches a Lease without the hostname label by the name derived from the node hostname', () => {
    const i = input(three);
    i.leases = okf(three.map((r) => lease(r.node, 2, false)));
    const chain = buildChain(i);
    assert.deepEqual(
      chain.endpoints.map((e) => e.lease?.by),
      ['lease-name', 'lease-name', 'lease-name'],
    );
  });
});

describe('ha: checks', () => {
  it('three healthy replicas: every check OK', () => {
    const c = run(input(three));
    for (const check of Object.values(c))
      assert.equal(check.verdict, 'OK', `${check.id}: ${check.evidence.join(' | ')}`);
    assert.match(
      c['ports']!.evidence.join('\n'),
      /ipBlock 10\.0\.0\.11\/32, 10\.0\.0\.12\/32, 10\.0\.0\.13\/32 port 6443\/TCP/,
    );
    assert.equal(buildChain(input(three)).endpoints[0]!.lease?.by, 'hostname-label');
  });

  it('names the stale endpoint whose server stopped renewing its Lease', () => {
    const i = input([...three.slice(0, 2), { ip: '10.0.0.13', node: 'cp-3', leaseAge: 900 }]);
    const c = run(i);
    assert.equal(c['stale-endpoints']!.verdict, 'FAIL');
    assert.match(
      c['stale-endpoints']!.evidence[0]!,
      /stale endpoint 10\.0\.0\.13: Lease apiserver-\w+ renewed 15m ago/,
    );
    // the tree says the same age in the same unit as the checks, and explains its (+N more) markers
    const text = renderText(buildChain(i), Object.values(c), i, palette(false));
    assert.match(text, /renewed 15m ago \(NOT live\)/);
    assert.doesNotMatch(text, /renewed 900s/);
    assert.doesNotMatch(text, /\(\+\d+\)/);
    if (/\(\+\d+ more\)/.test(text))
      assert.match(text, /\n\(\+N more\): further evidence lines of that check; -o wide shows them all\n/);
    assert.equal(c['endpoint-leases']!.verdict, 'FAIL');
    assert.equal(c['endpoint-count']!.verdict, 'OK', 'two healthy replicas remain');
    assert.deepEqual(
      staleEndpoints(buildChain(i)).map((s) => s.address),
      ['10.0.0.13'],
    );
  });

  it('names an endpoint without any Lease, on a NotReady node, or on no node', () => {
    const i = input([
      { ip: '10.0.0.11', node: 'cp-1' },
      { ip: '10.0.0.12', node: 'cp-2', leaseAge: null },
      { ip: '10.0.0.13', node: 'cp-3', nodeReady: false },
    ]);
    i.endpoints = okf({
      subsets: [
        {
          addresses: ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.99'].map((ip) => ({ ip })),
          ports: [{ port: 6443 }],
        },
      ],
    });
    i.slices = okf([
      {
        endpoints: ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.99'].map((a) => ({ addresses: [a] })),
        ports: [{ port: 6443 }],
      },
    ]);
    const stale = staleEndpoints(buildChain(i));
    assert.deepEqual(
      stale.map((s) => s.address),
      ['10.0.0.12', '10.0.0.13', '10.0.0.99'],
    );
    assert.match(stale[0]!.reasons.join(), /no identity Lease/);
    assert.match(stale[1]!.reasons.join(), /node cp-3 is NotReady/);
    assert.match(stale[2]!.reasons.join(), /on no node/);
  });

  it('a live Lease with no endpoint is a WARN (server running, not published)', () => {
    const i = input(three.slice(0, 2));
    i.leases = okf([lease('cp-1', 1), lease('cp-2', 1), lease('cp-3', 1)]);
    const c = run(i);
    assert.equal(c['endpoint-leases']!.verdict, 'WARN');
    assert.match(c['endpoint-leases']!.evidence.join('\n'), /host cp-3\) is live but no endpoint/);
  });

  it('Endpoints and EndpointSlice disagreeing on an address or a port', () => {
    const c = run(input([...three.slice(0, 2), { ip: '10.0.0.13', node: 'cp-3', inSlice: false }]));
    assert.equal(c['endpoints-agree']!.verdict, 'FAIL');
    assert.deepEqual(c['endpoints-agree']!.evidence, ['10.0.0.13 is in Endpoints but not in the EndpointSlice']);
    const p = run(input([...three.slice(0, 2), { ip: '10.0.0.13', node: 'cp-3', slicePort: 8443 }]));
    assert.match(
      p['endpoints-agree']!.evidence.join(),
      /10\.0\.0\.13: port 6443 in Endpoints, 8443 in the EndpointSlice/,
    );
  });

  it('a single self-managed replica is a single point of failure', () => {
    const c = run(input(three.slice(0, 1)));
    assert.equal(c['endpoint-count']!.verdict, 'FAIL');
    assert.match(c['endpoint-count']!.remedy, /single point of failure/);
  });

  it('managed platforms: the platform expectation replaces the replica count, and says so', () => {
    const gke = input([]);
    gke.endpoints = okf({ subsets: [{ addresses: [{ ip: '172.16.0.2' }], ports: [{ name: 'https', port: 443 }] }] });
    gke.slices = okf([{ endpoints: [{ addresses: ['172.16.0.2'] }], ports: [{ name: 'https', port: 443 }] }]);
    gke.nodes = okf([node('gke-pool-1-abc', '10.128.0.5', true, 'gce://proj/us-central1-a/gke-pool-1-abc', false)]);
    gke.leases = okf([lease('gke-master-x', 2)]);
    const c = run(gke);
    assert.equal(c['endpoint-count']!.verdict, 'OK');
    assert.match(c['endpoint-count']!.evidence[1]!, /platform: GKE/);
    assert.match(c['endpoint-count']!.evidence[1]!, /proves nothing/);
    assert.equal(c['stale-endpoints']!.verdict, 'OK', 'the VIP is not a node and that is normal');
    assert.equal(worstVerdict(Object.values(c)), 'WARN', 'ports WARN: targetPort 6443 vs 443 in this fixture');

    const eks = input([]);
    eks.endpoints = okf({ subsets: [{ addresses: [{ ip: '192.168.10.7' }], ports: [{ port: 443 }] }] });
    eks.slices = okf([{ endpoints: [{ addresses: ['192.168.10.7'] }], ports: [{ port: 443 }] }]);
    eks.nodes = okf([node('ip-192-168-1-1.ec2.internal', '192.168.1.1', true, 'aws:///us-east-1a/i-0abc', false)]);
    const e = run(eks);
    assert.match(e['endpoint-count']!.evidence[1]!, /EKS/);
    assert.equal(e['endpoint-count']!.verdict, 'WARN', 'EKS normally lists two ENI IPs');
  });

  it('a cloud providerID with the API server on the cluster nodes is self-managed', () => {
    const n = [node('cp-1', '10.0.0.11', true, 'aws:///us-east-1a/i-1')];
    assert.equal(detectPlatform(n, 1).name, 'self-managed');
    assert.equal(detectPlatform([node('w', '10.0.0.5', true, 'azure:///subscriptions/x', false)], 0).name, 'AKS');
  });

  it('ports disagreeing across endpoints fail; the NetworkPolicy hint names the target port', () => {
    const c = run(input([...three.slice(0, 2), { ip: '10.0.0.13', node: 'cp-3', port: 8443 }]));
    assert.equal(c['ports']!.verdict, 'FAIL');
    assert.match(c['ports']!.evidence.join('\n'), /10\.0\.0\.13: 8443/);
    assert.match(c['ports']!.remedy, /--secure-port/);
  });

  it('no Lease access: lease checks SKIP naming the permission, the rest still decides', () => {
    const i = input(three, { leases: forbidden('list leases.coordination.k8s.io in kube-system') });
    const c = run(i);
    assert.equal(c['endpoint-leases']!.verdict, 'SKIP');
    assert.match(c['endpoint-leases']!.evidence[0]!, /needs list leases\.coordination\.k8s\.io in kube-system/);
    assert.equal(c['stale-endpoints']!.verdict, 'OK');
    assert.match(c['stale-endpoints']!.evidence.join(), /partial: Leases in kube-system not readable/);
    assert.equal(c['endpoints-agree']!.verdict, 'OK');
    const both = run(
      input(three, {
        leases: forbidden('list leases.coordination.k8s.io in kube-system'),
        nodes: forbidden('list nodes (cluster-wide)'),
      }),
    );
    assert.equal(both['stale-endpoints']!.verdict, 'SKIP');
    assert.match(both['stale-endpoints']!.remedy, /list nodes/);
  });

  it('readyz failure lists the failed checks; a kubeconfig pointing at one replica of several warns', () => {
    const c = run(
      input(three, {
        readyz: okf({ status: 500, body: '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n' }),
        server: 'https://10.0.0.12:6443',
      }),
    );
    assert.equal(c['readyz']!.verdict, 'FAIL');
    assert.deepEqual(c['readyz']!.evidence.slice(1), ['[-]etcd failed: reason withheld']);
    assert.equal(c['kubeconfig-server']!.verdict, 'WARN');
    assert.match(c['kubeconfig-server']!.evidence[0]!, /replica 10\.0\.0\.12 on node cp-2, one of 3/);
    assert.equal(
      run(input(three.slice(0, 1), { server: 'https://10.0.0.11:6443' }))['kubeconfig-server']!.verdict,
      'OK',
    );
  });

  it('--from: names the endpoints the pod cannot reach', () => {
    const results = okf([
      { address: '10.0.0.11', port: 6443, ok: true, status: 200 },
      { address: '10.0.0.12', port: 6443, ok: false, error: 'TCP connect: timeout (timed out)' },
      { address: '10.0.0.13', port: 6443, ok: false, error: 'TLS: unknown-ca' },
    ]);
    const c = run(input(three, { from: { pod: 'airflow-worker-0', namespace: 'airflow', results } }));
    assert.equal(c['from-pod']!.verdict, 'FAIL');
    assert.deepEqual(c['from-pod']!.evidence, [
      '10.0.0.11:6443: reachable (HTTP 200)',
      '10.0.0.12:6443: UNREACHABLE (TCP connect: timeout (timed out))',
      '10.0.0.13:6443: FAILED (TLS: unknown-ca)',
    ]);
    assert.match(c['from-pod']!.remedy, /cannot reach 10\.0\.0\.12:6443 although a server runs there/);
    assert.match(
      c['from-pod']!.remedy,
      /10\.0\.0\.13:6443 accepted the connection but TLS: unknown-ca: a TLS failure means the pod's ca\.crt/,
    );
    assert.equal(run(input(three))['from-pod'], undefined);
  });

  it('--from: replicas the pod reached are never counted unhealthy or stale, whatever the Leases say', () => {
    // Leases that match no endpoint (their hostnames are not the nodes'): by the control plane alone all three are gone
    const leases = okf(['api-a', 'api-b', 'api-c'].map((h) => lease(h, 3)));
    const alone = run(input(three, { leases }));
    assert.match(alone['endpoint-count']!.evidence[0]!, /^3 endpoint\(s\), 0 healthy/);
    const results = okf([
      { address: '10.0.0.11', port: 6443, ok: true, status: 200 },
      { address: '10.0.0.12', port: 6443, ok: true, status: 200 },
      {
        address: '10.0.0.13',
        port: 6443,
        ok: false,
        error: 'TCP connect: net-unreachable ([Errno 101] Network is unreachable)',
      },
    ]);
    const c = run(input(three, { leases, from: { pod: 'airflow-worker-0', namespace: 'airflow', results } }));
    assert.match(
      c['endpoint-count']!.evidence[0]!,
      /^3 endpoint\(s\), 2 healthy \(2 answered from pod airflow-worker-0\)/,
    );
    assert.equal(c['stale-endpoints']!.verdict, 'FAIL', '10.0.0.13 did not answer and has no Lease');
    assert.deepEqual(c['stale-endpoints']!.evidence.slice(0, 1), ['stale endpoint 10.0.0.13: no identity Lease']);
    assert.match(
      c['stale-endpoints']!.evidence[1]!,
      /^10\.0\.0\.11: no identity Lease, but it answered from pod airflow-worker-0: a server runs there, so it is not stale$/,
    );
    assert.ok(
      c['endpoint-leases']!.evidence.includes('10.0.0.12: answered from pod airflow-worker-0: a server runs there'),
    );
    assert.match(c['from-pod']!.remedy, /10\.0\.0\.13:6443: stale/);
    // with its Lease live, the unreachable endpoint is not stale: its kind and causes, as net words them
    const live = run(input(three, { from: { pod: 'airflow-worker-0', namespace: 'airflow', results } }));
    assert.match(
      live['from-pod']!.remedy,
      /cannot reach 10\.0\.0\.13:6443 although a server runs there \(network unreachable: the pod has no route to that network/,
    );
    // every replica reached: nothing stale, a WARN about the Lease evidence instead
    const all = okf(three.map((r) => ({ address: r.ip, port: 6443, ok: true, status: 200 })));
    const w = run(input(three, { leases, from: { pod: 'airflow-worker-0', namespace: 'airflow', results: all } }));
    assert.deepEqual(
      [w['stale-endpoints']!.verdict, w['endpoint-leases']!.verdict, w['endpoint-count']!.verdict],
      ['WARN', 'WARN', 'OK'],
    );
    assert.match(w['endpoint-count']!.evidence[0]!, /^3 endpoint\(s\), 3 healthy/);
  });
});

describe('ha: kube-apiserver pods as evidence', () => {
  it('reads the flags in both --name=value and --name value forms, else the kubeadm annotation', () => {
    const v = apiserverPodView({
      metadata: { name: 'kube-apiserver-cp-1' },
      spec: {
        nodeName: 'cp-1',
        containers: [
          {
            name: 'kube-apiserver',
            command: [
              'kube-apiserver',
              '--advertise-address',
              '10.0.0.11',
              '--secure-port=8443',
              '--endpoint-reconciler-type=master-count',
            ],
          },
        ],
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    assert.deepEqual(v, {
      name: 'kube-apiserver-cp-1',
      node: 'cp-1',
      ready: true,
      advertiseAddress: '10.0.0.11',
      securePort: 8443,
      reconciler: 'master-count',
    });
    const a = apiserverPodView({
      metadata: {
        name: 'kube-apiserver-cp-2',
        annotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': '10.0.0.12:6443' },
      },
      spec: { containers: [{ name: 'kube-apiserver', command: ['kube-apiserver'] }] },
    });
    assert.equal(a.advertiseAddress, '10.0.0.12');
    assert.equal(a.securePort, 6443);
    assert.equal(a.reconciler, undefined, 'absent flag: the default, lease');
  });

  it("a port mismatch names each server's --secure-port", () => {
    const i = input([...three.slice(0, 2), { ip: '10.0.0.13', node: 'cp-3', port: 8443 }]);
    i.apiserverPods = okf(
      three.map((r) => ({
        metadata: { name: `kube-apiserver-${r.node}` },
        spec: {
          nodeName: r.node,
          containers: [
            {
              name: 'kube-apiserver',
              command: [
                'kube-apiserver',
                `--advertise-address=${r.ip}`,
                `--secure-port=${r.node === 'cp-3' ? 8443 : 6443}`,
              ],
            },
          ],
        },
      })),
    );
    const c = run(i);
    assert.match(c['ports']!.evidence.join('\n'), /10\.0\.0\.13: 8443 \(kube-apiserver-cp-3 --secure-port=8443\)/);
    assert.equal(c['endpoint-reconciler']!.verdict, 'OK');
  });
});

describe('ha: reads that leave nothing to decide', () => {
  const no = (code: number): Fetched<unknown> => ({ ok: false, code, reason: 'x', message: `HTTP ${code}` });
  const yes: Fetched<unknown> = { ok: true, value: {} };
  it('every read 401 is a credentials error; every read 5xx a failing server; anything else is a partial result', () => {
    assert.deepEqual(unusableReads([no(401), no(401)]), {
      kind: 'unauthorized',
      message: 'the API server rejected the credentials (401 Unauthorized)',
      code: 401,
    });
    assert.deepEqual(unusableReads([no(503), no(500)]), { kind: 'unreachable', message: 'HTTP 503', code: 503 });
    assert.equal(unusableReads([no(401), yes]), undefined);
    assert.equal(unusableReads([no(403), no(403)]), undefined, 'forbidden reads are SKIPs naming the permission');
    assert.equal(unusableReads([no(401), no(503)]), undefined);
  });
});

describe('ha: ages', () => {
  it("one format everywhere, kubectl's AGE column (ShortHumanDuration)", () => {
    const cases: Array<[number | undefined, string]> = [
      [undefined, '?'],
      [-3, '0s'],
      [0, '0s'],
      [59.9, '59s'],
      [60, '1m'],
      [1200, '20m'],
      [3599, '59m'],
      [3600, '1h'],
      [86399, '23h'],
      [86400, '1d'],
      [86400 * 400, '1y'],
    ];
    for (const [s, want] of cases) assert.equal(age(s), want, String(s));
  });
});
