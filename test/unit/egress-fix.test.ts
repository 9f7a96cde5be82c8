// The NetworkPolicy net prints as the fix: a whole manifest that parses, selects the component's
// pods by the chart's labels, and allows exactly the blocked endpoints after DNAT.
import assert from 'node:assert/strict';
import * as YAML from 'yaml';
import { egressFixManifest, podSelectorLabels } from '../../src/net/egress-fix.ts';
import { evaluateEgress } from '../../src/net/netpol.ts';

describe('net: the egress fix manifest', () => {
  const blocked = [
    { ip: '10.0.0.11', port: 6443 },
    { ip: '10.0.0.12', port: 6443 },
    { ip: '10.0.0.11', port: 6443 },
  ];
  it('parses as one NetworkPolicy with one rule: every blocked address once, the target port', () => {
    const docs = YAML.parseAllDocuments(
      egressFixManifest({
        namespace: 'airflow',
        podLabels: { tier: 'airflow', component: 'worker', release: 'airflow' },
        blocked,
      }),
    );
    assert.equal(docs.length, 1);
    assert.deepEqual(docs[0].errors, []);
    assert.deepEqual(docs[0].toJS(), {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-kube-apiserver-egress', namespace: 'airflow' },
      spec: {
        podSelector: { matchLabels: { component: 'worker', release: 'airflow', tier: 'airflow' } },
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ipBlock: { cidr: '10.0.0.11/32' } }, { ipBlock: { cidr: '10.0.0.12/32' } }],
            ports: [{ protocol: 'TCP', port: 6443 }],
          },
        ],
      },
    });
  });

  it('selects by the chart labels when present, else by every label a controller does not set per pod', () => {
    assert.deepEqual(
      podSelectorLabels({ tier: 'airflow', component: 'worker', release: 'a', dag_id: 'd', try_number: '1' }),
      { component: 'worker', release: 'a', tier: 'airflow' },
    );
    assert.deepEqual(
      podSelectorLabels({ app: 'airflow', component: 'scheduler', release: 'a', 'pod-template-hash': 'x' }),
      { app: 'airflow', component: 'scheduler', release: 'a' },
    );
    assert.deepEqual(
      podSelectorLabels({ run: 'x', 'pod-template-hash': 'h', 'statefulset.kubernetes.io/pod-name': 'p-0' }),
      { run: 'x' },
    );
  });

  it('fixes what it says: with it added, the evaluation allows every blocked endpoint', () => {
    const labels = { tier: 'airflow', component: 'worker', release: 'airflow', dag_id: 'd' };
    const blocking = {
      metadata: { name: 'only-clusterip' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443 }] }],
      },
    };
    const eps = [
      { ip: '10.0.0.11', port: 6443 },
      { ip: '10.0.0.12', port: 6443 },
    ];
    assert.ok(
      evaluateEgress([blocking] as never, labels, eps, { ip: '10.96.0.1', port: 443 }).endpoints.every(
        (e) => !e.allowed,
      ),
    );
    const fix = YAML.parse(egressFixManifest({ namespace: 'airflow', podLabels: labels, blocked: eps }));
    assert.ok(
      evaluateEgress([blocking, fix] as never, labels, eps, { ip: '10.96.0.1', port: 443 }).endpoints.every(
        (e) => e.allowed,
      ),
    );
  });
});
