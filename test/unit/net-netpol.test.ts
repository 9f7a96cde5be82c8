import assert from 'node:assert/strict';
import {
  cidrContains,
  evaluateEgress,
  restrictsEgress,
  selectorMatches,
  type NetworkPolicy,
} from '../../src/net/netpol.ts';

const pod = { tier: 'airflow', component: 'worker', release: 'airflow' };
const endpoints = [
  { ip: '10.0.0.11', port: 6443 },
  { ip: '10.0.0.12', port: 6443 },
];
const service = { ip: '10.96.0.1', port: 443 };

function np(name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
  return { metadata: { name, namespace: 'airflow' }, spec };
}

describe('net: NetworkPolicy egress evaluation', () => {
  it('matches label selectors (matchLabels and every matchExpressions operator)', () => {
    assert.equal(selectorMatches({}, pod), true);
    assert.equal(selectorMatches({ matchLabels: { component: 'worker' } }, pod), true);
    assert.equal(selectorMatches({ matchLabels: { component: 'scheduler' } }, pod), false);
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: 'component', operator: 'In', values: ['worker', 'x'] }] }, pod),
      true,
    );
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: 'component', operator: 'NotIn', values: ['worker'] }] }, pod),
      false,
    );
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, pod), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, pod), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, pod), false);
  });

  it('contains IPs in IPv4 and IPv6 CIDRs', () => {
    assert.equal(cidrContains('10.0.0.0/24', '10.0.0.11'), true);
    assert.equal(cidrContains('10.0.0.0/30', '10.0.0.11'), false);
    assert.equal(cidrContains('0.0.0.0/0', '192.168.1.1'), true);
    assert.equal(cidrContains('10.0.0.11/32', '10.0.0.11'), true);
    assert.equal(cidrContains('fd00::/64', 'fd00::1'), true);
    assert.equal(cidrContains('fd00::/64', 'fd01::1'), false);
    assert.equal(cidrContains('10.0.0.0/24', 'fd00::1'), false);
    assert.equal(cidrContains('garbage', '10.0.0.1'), false);
  });

  it('knows which policies restrict egress (policyTypes, or egress rules when policyTypes is absent)', () => {
    assert.equal(restrictsEgress(np('a', { policyTypes: ['Ingress'] })), false);
    assert.equal(restrictsEgress(np('a', { policyTypes: ['Ingress', 'Egress'] })), true);
    assert.equal(restrictsEgress(np('a', { egress: [] })), true);
    assert.equal(restrictsEgress(np('a', { ingress: [] })), false);
  });

  it('no policy selecting the pod: everything allowed, DNS too', () => {
    const other = np('scheduler-only', {
      podSelector: { matchLabels: { component: 'scheduler' } },
      policyTypes: ['Egress'],
    });
    const e = evaluateEgress([other], pod, endpoints, service);
    assert.equal(e.isolated, false);
    assert.ok(e.endpoints.every((x) => x.allowed));
    assert.deepEqual(e.dns, { udp: true, tcp: true, allowedBy: [] });
  });

  it('a policy allowing only ClusterIP:443 blocks the endpoints after DNAT and is flagged', () => {
    const p = np('airflow-worker-egress', {
      podSelector: { matchLabels: { component: 'worker' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ protocol: 'TCP', port: 443 }] },
        {
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        { to: [{ podSelector: { matchLabels: { app: 'postgresql' } } }], ports: [{ port: 5432 }] },
      ],
    });
    const e = evaluateEgress([p], pod, endpoints, service);
    assert.deepEqual(e.selecting, ['airflow-worker-egress']);
    assert.deepEqual(
      e.endpoints.map((x) => x.allowed),
      [false, false],
    );
    assert.deepEqual(e.clusterIpOnly, ['airflow-worker-egress']);
    assert.equal(e.dns.udp, true);
    assert.equal(e.dns.tcp, true);
    // the postgres rule's selector is irrelevant to port 6443: no note about it
    assert.deepEqual(e.notes, []);
  });

  it('ipBlock with except, port ranges (endPort), and protocol', () => {
    const p = np('api', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.12/32'] } }],
          ports: [{ protocol: 'TCP', port: 6000, endPort: 7000 }],
        },
      ],
    });
    const e = evaluateEgress([p], pod, endpoints, service);
    assert.deepEqual(
      e.endpoints.map((x) => [x.ip, x.allowed, x.allowedBy]),
      [
        ['10.0.0.11', true, ['api rule #1']],
        ['10.0.0.12', false, []],
      ],
    );
    const udpOnly = np('udp', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ ports: [{ protocol: 'UDP', port: 6443 }] }],
    });
    assert.equal(evaluateEgress([udpOnly], pod, endpoints).endpoints[0].allowed, false);
    // a rule without ports allows every port; a rule without `to` every destination
    const any = np('any', { podSelector: {}, egress: [{}] });
    assert.ok(evaluateEgress([any], pod, endpoints).endpoints.every((x) => x.allowed));
  });

  it('named ports and selectors cannot match the host-networked API server, and say so', () => {
    const p = np('named', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 'https' }] },
        { to: [{ namespaceSelector: {} }], ports: [{ port: 6443 }] },
      ],
    });
    const e = evaluateEgress([p], pod, endpoints, service);
    assert.ok(e.endpoints.every((x) => !x.allowed));
    assert.ok(e.notes.some((n) => n.includes('named port "https"')));
    assert.ok(e.notes.some((n) => n.includes('selectors never match the API server')));
  });

  it('a deny-all egress policy blocks the API server and DNS', () => {
    const e = evaluateEgress([np('deny', { podSelector: {}, policyTypes: ['Egress'] })], pod, endpoints, service);
    assert.equal(e.isolated, true);
    assert.ok(e.endpoints.every((x) => !x.allowed));
    assert.deepEqual([e.dns.udp, e.dns.tcp], [false, false]);
    assert.deepEqual(e.clusterIpOnly, []);
  });

  it('DNS over UDP only is reported as missing TCP 53', () => {
    const p = np('dns-udp', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }],
    });
    const e = evaluateEgress([p], pod, endpoints);
    assert.deepEqual([e.dns.udp, e.dns.tcp], [true, false]);
  });

  it('one of several policies allowing the endpoints is enough (policies are additive)', () => {
    const deny = np('deny', { podSelector: {}, policyTypes: ['Egress'] });
    const allow = np('allow-api', {
      podSelector: { matchLabels: { tier: 'airflow' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ipBlock: { cidr: '10.0.0.11/32' } }, { ipBlock: { cidr: '10.0.0.12/32' } }], ports: [{ port: 6443 }] },
      ],
    });
    const e = evaluateEgress([deny, allow], pod, endpoints, service);
    assert.ok(e.endpoints.every((x) => x.allowed && x.allowedBy[0] === 'allow-api rule #1'));
    assert.deepEqual(e.clusterIpOnly, []);
  });
});
