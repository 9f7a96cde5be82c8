// The pod's network as data: kube-proxy's DNAT rules, NetworkPolicy egress on the translated
// destination, dead replicas, the node's view for hostNetwork pods, resolv.conf by dnsPolicy, and the
// DNS answerer. Pure functions, no namespaces.
import assert from 'node:assert/strict';
import { TYPE_A, TYPE_AAAA, answer, buildQuery, parseAnswer } from '../sim/exec/dns.ts';
import type { ObjectLookup } from '../sim/exec/pod-files.ts';
import { podDnsType, podResolvConf } from '../sim/exec/pod-files.ts';
import {
  NODE_RESOLVER,
  networkConfig,
  egressPolicies,
  kubernetesEndpoints,
  planNetwork,
  renderDnat,
  renderEgressChain,
  selectorMatches,
} from '../sim/exec/pod-network.ts';
import type { KubeObject } from '../sim/types.ts';

function lookup(objects: KubeObject[]): ObjectLookup {
  const kindOf: Record<string, string> = {
    pods: 'Pod',
    services: 'Service',
    endpoints: 'Endpoints',
    namespaces: 'Namespace',
    nodes: 'Node',
    'endpointslices.discovery.k8s.io': 'EndpointSlice',
    'networkpolicies.networking.k8s.io': 'NetworkPolicy',
  };
  return {
    get: (ref, ns, name) =>
      objects.find(
        (o) => o.kind === kindOf[ref] && o.metadata.name === name && (ns === undefined || o.metadata.namespace === ns),
      ),
    all: (ref, ns) =>
      objects.filter((o) => o.kind === kindOf[ref] && (ns === undefined || o.metadata.namespace === ns)),
  };
}

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'worker', namespace: 'airflow', labels: { component: 'worker' } },
  spec: { containers: [{ name: 'main' }] },
};

const slice = (addresses: string[], port = 6443, name = 'kubernetes'): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
  addressType: 'IPv4',
  ports: [{ name: 'https', port, protocol: 'TCP' }],
  endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
});

const policy = (spec: object, name = 'p'): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace: 'airflow' },
  spec,
});

describe('sim exec network: kube-proxy DNAT', () => {
  it('spreads the ClusterIP over n endpoints with probabilities 1/n, 1/(n-1), ... and a catch-all last', () => {
    const rules = renderDnat('10.96.0.1', 443, [
      { address: '10.0.0.11', port: 6443 },
      { address: '10.0.0.12', port: 6443 },
      { address: '10.0.0.13', port: 6443 },
    ]);
    assert.deepEqual(rules, [
      '-A OUTPUT -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -m statistic --mode random --probability 0.33333333333 -j DNAT --to-destination 10.0.0.11:6443',
      '-A OUTPUT -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.0.0.12:6443',
      '-A OUTPUT -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 10.0.0.13:6443',
    ]);
  });

  it('routes by the EndpointSlices (as kube-proxy does), per-slice ports, unready endpoints left out', () => {
    const s2 = slice(['10.0.0.12'], 8443, 'kubernetes-2');
    const s1 = slice(['10.0.0.11']);
    (s1.endpoints as { conditions: { ready: boolean } }[]).push({
      addresses: ['10.0.0.99'],
      conditions: { ready: false },
    } as never);
    assert.deepEqual(kubernetesEndpoints(lookup([s1, s2])), [
      { address: '10.0.0.11', port: 6443 },
      { address: '10.0.0.12', port: 8443 },
    ]);
  });

  it('falls back to the Endpoints object when no slice exists', () => {
    const ep: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.0.0.11' }], ports: [{ name: 'https', port: 6443 }] }],
    };
    assert.deepEqual(kubernetesEndpoints(lookup([ep])), [{ address: '10.0.0.11', port: 6443 }]);
  });

  it('plans listeners for alive replicas, a reset listener, DROP for timeouts and stale endpoints, nothing for refused', () => {
    const plan = planNetwork(
      pod,
      {
        serviceIP: '10.96.0.1',
        servicePort: 443,
        replicas: [
          { address: '10.0.0.11', port: 6443, alive: true },
          { address: '10.0.0.12', port: 6443, alive: false, failure: 'refused' },
          { address: '10.0.0.13', port: 6443, alive: false, failure: 'reset' },
          { address: '10.0.0.14', port: 6443, alive: false },
        ],
      },
      lookup([slice(['10.0.0.11', '10.0.0.15'])]),
    );
    assert.deepEqual(plan.listeners, [
      { address: '10.0.0.11', port: 6443, action: 'forward' },
      { address: '10.0.0.13', port: 6443, action: 'reset' },
    ]);
    assert.ok(
      plan.iptables.includes('-A INPUT -d 10.0.0.14/32 -p tcp -m tcp --dport 6443 -j DROP'),
      'timeout: SYNs vanish',
    );
    assert.ok(!plan.iptables.includes('10.0.0.12/32'), 'refused: nothing listens, the kernel answers RST');
    assert.ok(
      plan.iptables.includes('-A INPUT -d 10.0.0.15/32 -j DROP'),
      'a stale endpoint behind no replica times out',
    );
    // the node resolver's address exists for pods too (dnsPolicy: Default uses it)
    assert.deepEqual(plan.addresses.sort(), [
      '10.0.0.11',
      '10.0.0.12',
      '10.0.0.13',
      '10.0.0.14',
      '10.0.0.15',
      '10.0.0.2',
      '10.96.0.1',
      '10.96.0.10',
    ]);
    assert.equal(plan.records['kubernetes.default.svc.cluster.local'], '10.96.0.1');
    assert.match(
      plan.iptables,
      /^\*nat\n:OUTPUT ACCEPT \[0:0\]\n-A OUTPUT -d 10\.96\.0\.1\/32 .*--probability 0\.50000000000 -j DNAT --to-destination 10\.0\.0\.11:6443\n/,
    );
  });

  it("the pod IP is one of the namespace's addresses", () => {
    const withIP = planNetwork({ ...pod, status: { podIP: '10.244.3.7' } }, undefined, lookup([]));
    assert.ok(withIP.addresses.includes('10.244.3.7'));
  });

  it('dns: broken drops the nameserver, nxdomain keeps the server', () => {
    const broken = planNetwork(
      { ...pod, metadata: { ...pod.metadata, annotations: { 'sim.kubectl-airflow.dev/dns': 'broken' } } },
      undefined,
      lookup([]),
    );
    assert.equal(broken.dnsMode, 'broken');
    assert.ok(broken.iptables.includes('-A INPUT -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DROP'));
    assert.ok(!broken.iptables.includes('-d 10.0.0.2/32'), 'only the nameserver the pod uses is blackholed');
    const nx = planNetwork(
      { ...pod, metadata: { ...pod.metadata, annotations: { 'sim.kubectl-airflow.dev/dns': 'nxdomain' } } },
      undefined,
      lookup([]),
    );
    assert.equal(nx.dnsMode, 'nxdomain');
    assert.ok(!nx.iptables.includes('--dport 53 -j DROP'));
    assert.deepEqual(
      nx.dnsServers.map((d) => [d.ip, d.mode]),
      [
        ['10.96.0.10', 'nxdomain'],
        ['10.0.0.2', 'ok'],
      ],
    );
  });

  it('a dead machine stays dead whatever a policy allows: its DROP comes before the policy chain', () => {
    const allowAll = policy({ podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
    const plan = planNetwork(
      pod,
      { replicas: [{ address: '10.0.0.14', port: 6443, alive: false }] },
      lookup([slice(['10.0.0.14']), allowAll]),
    );
    const filter = plan.iptables.split('*filter\n')[1].split('\n');
    assert.ok(
      filter.indexOf('-A INPUT -d 10.0.0.14/32 -p tcp -m tcp --dport 6443 -j DROP') <
        filter.indexOf('-A INPUT -j KAF-EGRESS'),
    );
  });
});

describe('sim exec network: NetworkPolicy egress on the translated destination', () => {
  it('selects policies by namespace, podSelector and Egress in policyTypes (or an egress section when unset)', () => {
    const ps = [
      policy({ podSelector: { matchLabels: { component: 'worker' } }, policyTypes: ['Egress'] }, 'a'),
      policy({ podSelector: {}, egress: [] }, 'b'),
      policy({ podSelector: {} }, 'c'),
      policy({ podSelector: { matchLabels: { component: 'web' } }, policyTypes: ['Egress'] }, 'd'),
      { ...policy({ podSelector: {}, policyTypes: ['Egress'] }, 'e'), metadata: { name: 'e', namespace: 'other' } },
    ];
    assert.deepEqual(
      egressPolicies(pod, ps).map((p) => p.metadata.name),
      ['a', 'b'],
    );
  });

  it('label selectors: matchLabels and matchExpressions', () => {
    assert.ok(selectorMatches({}, { a: 'b' }));
    assert.ok(
      selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['x', 'y'] }] }, { tier: 'y' }),
    );
    assert.ok(
      !selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['y'] }] }, { tier: 'y' }),
    );
    assert.ok(!selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, {}));
    assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, {}));
  });

  it('a policy allowing only ClusterIP:443 and DNS renders accepts for those and a final DROP', () => {
    const p = policy({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 'dns-tcp' },
          ],
        },
      ],
    });
    const plan = planNetwork(
      pod,
      { serviceIP: '10.96.0.1', replicas: [{ address: '10.0.0.11', port: 6443 }] },
      lookup([slice(['10.0.0.11']), p]),
    );
    const filter = plan.iptables.split('*filter\n')[1];
    assert.deepEqual(
      filter.split('\n').filter((l) => l.includes('KAF')),
      [
        ':KAF-EGRESS - [0:0]',
        ':KAF-E0 - [0:0]',
        '-A INPUT -j KAF-EGRESS',
        '-A KAF-EGRESS -d 127.0.0.0/8 -j ACCEPT',
        '-A KAF-EGRESS -j KAF-E0',
        '-A KAF-E0 -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j ACCEPT',
        '-A KAF-EGRESS -d 10.96.0.10/32 -p udp -m udp --dport 53 -j ACCEPT',
        '-A KAF-EGRESS -d 10.96.0.10/32 -p tcp -m tcp --dport 53 -j ACCEPT',
        '-A KAF-EGRESS -j DROP',
      ],
    );
    // Established traffic passes before the policy chain; after DNAT nothing accepts 10.0.0.11:6443.
    // Filtering sits in INPUT (after the loop through lo): silent drops, as on a CNI's host side.
    assert.match(plan.iptables, /\*filter\n:INPUT ACCEPT \[0:0\]\n/);
    assert.ok(filter.indexOf('ESTABLISHED') < filter.indexOf('-A INPUT -j KAF-EGRESS'));
    assert.ok(!filter.includes('10.0.0.11'));
  });

  it('ipBlock except returns before the accept; empty to/ports allow everything', () => {
    const lines = renderEgressChain(
      pod,
      [
        policy({
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.12/32'] } }], ports: [{ port: 6443 }] },
            { ports: [{ protocol: 'UDP', port: 53 }] },
            {},
          ],
        }),
      ],
      [],
      [],
    );
    assert.deepEqual(lines.slice(3), [
      ':KAF-E0 - [0:0]',
      '-A KAF-EGRESS -j KAF-E0',
      '-A KAF-E0 -d 10.0.0.12/32 -j RETURN',
      '-A KAF-E0 -d 10.0.0.0/8 -p tcp -m tcp --dport 6443 -j ACCEPT',
      '-A KAF-EGRESS -p udp -m udp --dport 53 -j ACCEPT',
      '-A KAF-EGRESS -j ACCEPT',
      '-A KAF-EGRESS -j DROP',
    ]);
  });

  it('pods without an egress policy get no policy chain', () => {
    assert.deepEqual(renderEgressChain(pod, [policy({ podSelector: {}, policyTypes: ['Ingress'] })], [], []), []);
  });
});

describe("sim exec network: the pod network by default, the node's for hostNetwork", () => {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-a' },
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.0.1.21' },
        { type: 'Hostname', address: 'node-a' },
      ],
    },
  };
  const denyAll = policy({ podSelector: {}, policyTypes: ['Egress'] });
  const cp = { serviceIP: '10.96.0.1', servicePort: 443, replicas: [{ address: '10.0.0.11', port: 6443 }] };
  const objects = [slice(['10.0.0.11']), denyAll, node];
  const hostPod = (spec: object = {}): KubeObject => ({
    ...pod,
    spec: { containers: [{ name: 'main' }], nodeName: 'node-a', hostNetwork: true, ...spec },
    status: { hostIP: '10.0.1.21', podIP: '10.0.1.21' },
  });

  it('a pod with no annotation is on the pod network: DNAT, its NetworkPolicies, cluster DNS', () => {
    const plan = planNetwork(pod, cp, lookup(objects));
    assert.equal(plan.kind, 'pod');
    assert.match(plan.iptables, /-j DNAT --to-destination 10\.0\.0\.11:6443/);
    assert.match(plan.iptables, /-A INPUT -j KAF-EGRESS/);
    assert.equal(
      plan.resolvConf,
      'search airflow.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  it("hostNetwork: the node's address, kube-proxy's DNAT, the endpoints directly, no NetworkPolicy", () => {
    const plan = planNetwork(hostPod(), cp, lookup(objects));
    assert.equal(plan.kind, 'host');
    assert.ok(plan.addresses.includes('10.0.1.21'));
    assert.match(
      plan.iptables,
      /-A OUTPUT -d 10\.96\.0\.1\/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 10\.0\.0\.11:6443/,
    );
    assert.deepEqual(plan.listeners, [{ address: '10.0.0.11', port: 6443, action: 'forward' }]);
    assert.ok(
      !plan.iptables.includes('KAF-EGRESS'),
      'a deny-all egress policy in its namespace does not apply to the node',
    );
  });

  it("hostNetwork without status.hostIP takes the Node's InternalIP", () => {
    const plan = planNetwork({ ...hostPod(), status: {} }, cp, lookup(objects));
    assert.ok(plan.addresses.includes('10.0.1.21'));
  });

  it("hostNetwork with ClusterFirst resolves with the node's resolver, which knows nodes, not Services", () => {
    const plan = planNetwork(hostPod(), cp, lookup(objects));
    assert.equal(plan.resolvConf, `nameserver ${NODE_RESOLVER.nameservers[0]}\n`);
    const nodeDns = plan.dnsServers.find((d) => d.ip === NODE_RESOLVER.nameservers[0])!;
    assert.deepEqual(nodeDns.records, { 'node-a': '10.0.1.21' });
    assert.equal(parseAnswer(answer(buildQuery('kubernetes.default.svc.cluster.local'), nodeDns.records)!).rcode, 3);
    // cluster DNS is still reachable from the node by its ClusterIP
    assert.deepEqual(
      networkConfig(plan).dns.map((d) => d.ip),
      ['10.96.0.10', '10.0.0.2'],
    );
  });

  it('hostNetwork with ClusterFirstWithHostNet gets cluster DNS; dns: broken blackholes the nameserver it uses', () => {
    const withHostNet = planNetwork(hostPod({ dnsPolicy: 'ClusterFirstWithHostNet' }), cp, lookup(objects));
    assert.match(
      withHostNet.resolvConf,
      /^search airflow\.svc\.cluster\.local svc\.cluster\.local cluster\.local\nnameserver 10\.96\.0\.10\n/,
    );
    const broken = planNetwork(
      { ...hostPod(), metadata: { ...pod.metadata, annotations: { 'sim.kubectl-airflow.dev/dns': 'broken' } } },
      cp,
      lookup(objects),
    );
    assert.ok(broken.iptables.includes('-A INPUT -d 10.0.0.2/32 -p udp -m udp --dport 53 -j DROP'));
    assert.ok(!broken.iptables.includes('-d 10.96.0.10/32 -p udp'));
  });
});

describe('sim exec network: resolv.conf by dnsPolicy (kubelet dns.go getPodDNSType, GetPodDNS)', () => {
  const node = { nameservers: ['10.0.0.2'], searches: ['ec2.internal'] };
  const withSpec = (spec: object): KubeObject => ({ ...pod, spec: { containers: [{ name: 'main' }], ...spec } });
  const cases: [string, object, 'cluster' | 'node' | 'none', string][] = [
    [
      'default (ClusterFirst)',
      {},
      'cluster',
      'search airflow.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\noptions ndots:5\n',
    ],
    [
      'ClusterFirst on hostNetwork falls back to Default',
      { hostNetwork: true },
      'node',
      'search ec2.internal\nnameserver 10.0.0.2\n',
    ],
    [
      'ClusterFirstWithHostNet on hostNetwork',
      { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
      'cluster',
      'search airflow.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\noptions ndots:5\n',
    ],
    [
      'ClusterFirstWithHostNet on the pod network',
      { dnsPolicy: 'ClusterFirstWithHostNet' },
      'cluster',
      'search airflow.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\noptions ndots:5\n',
    ],
    ['Default', { dnsPolicy: 'Default' }, 'node', 'search ec2.internal\nnameserver 10.0.0.2\n'],
    [
      'None with dnsConfig',
      {
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }] },
      },
      'none',
      'search a.b\nnameserver 1.2.3.4\noptions ndots:2\n',
    ],
    [
      'dnsConfig appended, options replaced by name',
      {
        dnsConfig: {
          nameservers: ['10.96.0.10', '1.1.1.1'],
          options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }],
        },
      },
      'cluster',
      'search airflow.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\nnameserver 1.1.1.1\noptions ndots:1 edns0\n',
    ],
  ];
  for (const [name, spec, type, text] of cases) {
    it(name, () => {
      assert.equal(podDnsType(withSpec(spec)), type);
      assert.equal(podResolvConf(withSpec(spec), '10.96.0.10', node).text, text);
    });
  }
});

describe('sim exec network: DNS', () => {
  it('resolv.conf: namespace search list, cluster nameserver, ndots:5', () => {
    assert.equal(
      podResolvConf(pod, '10.96.0.10', { nameservers: ['10.0.0.2'], searches: [] }).text,
      'search airflow.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  const records = { 'kubernetes.default.svc.cluster.local': '10.96.0.1' };
  it('answers A for known names, case-insensitively, with the query id', () => {
    const a = parseAnswer(answer(buildQuery('Kubernetes.Default.svc.cluster.local', TYPE_A, 77), records)!);
    assert.deepEqual(a, { id: 77, rcode: 0, addresses: ['10.96.0.1'] });
  });

  it('NXDOMAIN for unknown names (the search list walks through them); NODATA for AAAA of a known name', () => {
    assert.equal(
      parseAnswer(answer(buildQuery('kubernetes.default.svc.airflow.svc.cluster.local'), records)!).rcode,
      3,
    );
    assert.deepEqual(parseAnswer(answer(buildQuery('kubernetes.default.svc.cluster.local', TYPE_AAAA), records)!), {
      id: 0x1234,
      rcode: 0,
      addresses: [],
    });
  });

  it('dns: nxdomain answers NXDOMAIN even for the API server', () => {
    assert.equal(
      parseAnswer(answer(buildQuery('kubernetes.default.svc.cluster.local'), records, 'nxdomain')!).rcode,
      3,
    );
  });

  it('garbage gets FORMERR or nothing', () => {
    assert.equal(answer(Buffer.from([1, 2, 3]), records), undefined);
    assert.equal(parseAnswer(answer(Buffer.from([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 200]), records)!).rcode, 1);
  });
});
