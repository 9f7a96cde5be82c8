// What the simulated control plane and kubelets write: version strings as platforms serve them, the
// fields kubelets report, and the state kept fresh at read time (table-driven, no server).
import assert from 'node:assert/strict';
import {
  identityLeaseStates,
  lastRenewal,
  refreshIdentityLease,
  refreshNode,
  STALE_RENEW_AGE_MS,
} from '../sim/control-plane.ts';
import { imageID, reportedNode, reportedPod } from '../sim/kubelet.ts';
import { parseKubernetesVersion, servedMinor } from '../sim/version.ts';
import { Store } from '../sim/store.ts';
import type { KubeObject } from '../sim/types.ts';

describe('sim version strings', () => {
  const cases: [string, number | undefined, string | undefined][] = [
    ['v1.32.0', 32, '32'],
    ['v1.31.5-gke.1000000', 31, '31+'],
    ['v1.30.4-eks-a737599', 30, '30+'],
    ['v1.29.4+k3s1', 29, '29'],
    ['v1.28.9+rke2r1', 28, '28'],
    ['1.32.0', undefined, undefined],
    ['v1.32', undefined, undefined],
    ['v1.32.0-', undefined, undefined],
  ];
  for (const [s, minor, served] of cases) {
    it(`${s} -> minor ${minor}, served "${served}"`, () => {
      const v = parseKubernetesVersion(s);
      assert.equal(v?.minor, minor);
      assert.equal(v ? servedMinor(v) : undefined, served);
    });
  }
});

describe('sim kubelet reports', () => {
  it('imageID names the full repository and a digest', () => {
    assert.match(imageID('apache/airflow:3.0.2'), /^docker\.io\/apache\/airflow@sha256:[0-9a-f]{64}$/);
    assert.match(imageID('busybox'), /^docker\.io\/library\/busybox@sha256:[0-9a-f]{64}$/);
    assert.match(imageID('registry.k8s.io/kube-apiserver:v1.32.0'), /^registry\.k8s\.io\/kube-apiserver@sha256:/);
    assert.equal(imageID('localhost:5000/x@sha256:' + 'a'.repeat(64)), 'localhost:5000/x@sha256:' + 'a'.repeat(64));
    assert.equal(imageID('apache/airflow:3.0.2'), imageID('apache/airflow:3.0.2'));
  });

  it('a running container gets imageID, containerID and started; a waiting one empty imageID', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n' },
      spec: {
        containers: [
          { name: 'a', image: 'apache/airflow:3.0.2' },
          { name: 'b', image: 'busybox' },
        ],
      },
      status: {
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, state: { running: {} } },
          { name: 'b', state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    };
    const [a, b] = (reportedPod(pod).status as { containerStatuses: Record<string, unknown>[] }).containerStatuses;
    assert.equal(a.image, 'apache/airflow:3.0.2');
    assert.match(String(a.imageID), /@sha256:/);
    assert.match(String(a.containerID), /^containerd:\/\/[0-9a-f]{64}$/);
    assert.equal(a.started, true);
    assert.deepEqual(
      [b.imageID, b.containerID, b.started, b.ready, b.restartCount, b.image],
      ['', undefined, false, false, 0, 'busybox'],
    );
  });

  it('nodeInfo is complete; kubeProxyVersion empty from 1.33', () => {
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { nodeInfo: { kubeletVersion: 'v1.30.1' } },
    };
    const info = (reportedNode(node, 'v1.30.4-eks-a737599', 30).status as { nodeInfo: Record<string, string> })
      .nodeInfo;
    for (const k of [
      'bootID',
      'machineID',
      'systemUUID',
      'kernelVersion',
      'osImage',
      'containerRuntimeVersion',
      'kubeletVersion',
      'kubeProxyVersion',
      'operatingSystem',
      'architecture',
    ]) {
      assert.equal(typeof info[k], 'string', k);
    }
    assert.equal(info.kubeletVersion, 'v1.30.1');
    assert.equal(info.kubeProxyVersion, 'v1.30.1');
    const later = (reportedNode(node, 'v1.33.0', 33).status as { nodeInfo: Record<string, string> }).nodeInfo;
    assert.equal(later.kubeProxyVersion, '');
  });
});

describe('sim control plane kept fresh at read time', () => {
  const lease: KubeObject = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'apiserver-x', namespace: 'kube-system' },
    spec: { renewTime: '2020-01-01T00:00:00.000000Z' },
  };
  const hoursLater = new Date('2026-12-03T12:34:56.789Z');

  it('a live server renewed its lease at the last 10 s tick, however long after start', () => {
    const renew = Date.parse(
      String((refreshIdentityLease(lease, 'fresh', hoursLater).spec as { renewTime: string }).renewTime),
    );
    assert.equal(renew, lastRenewal(hoursLater));
    assert.ok(hoursLater.getTime() - renew < 10_000);
  });

  it('a dead server stopped renewing 20 minutes before now', () => {
    const renew = Date.parse(
      String((refreshIdentityLease(lease, 'stale', hoursLater).spec as { renewTime: string }).renewTime),
    );
    assert.equal(hoursLater.getTime() - renew, STALE_RENEW_AGE_MS);
  });

  it('deadForMinutes: renewals stopped that long ago; past the lease duration (1 h) the lease GC deleted it', () => {
    const states = identityLeaseStates({
      replicas: [
        { name: 'a', address: '10.0.0.1', alive: false, deadForMinutes: 5 },
        { name: 'b', address: '10.0.0.2', alive: false, deadForMinutes: 90 },
      ],
    });
    assert.deepEqual(
      states.map((s) => [s.state, s.staleMs]),
      [['stale', 300_000]],
    );
    const renew = Date.parse(
      String((refreshIdentityLease(lease, 'stale', hoursLater, 300_000).spec as { renewTime: string }).renewTime),
    );
    assert.equal(hoursLater.getTime() - renew, 300_000);
  });

  it('lease states follow the replicas: alive fresh, dead stale, absent none', () => {
    const states = identityLeaseStates({
      replicas: [
        { name: 'a', address: '10.0.0.1', node: 'cp-1' },
        { name: 'b', address: '10.0.0.2', node: 'cp-2', alive: false },
        { name: 'c', address: '10.0.0.3', lease: 'absent' },
      ],
    });
    assert.deepEqual(
      states.map((s) => s.state),
      ['fresh', 'stale'],
    );
  });

  it('node heartbeats: Ready nodes posted at the last tick, Unknown ones went silent 20 minutes ago', () => {
    const node = (status: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      status: { conditions: [{ type: 'Ready', status }] },
    });
    const ready = (refreshNode(node('True'), hoursLater).status as { conditions: Record<string, string>[] })
      .conditions[0];
    assert.equal(Date.parse(ready.lastHeartbeatTime), Math.floor(lastRenewal(hoursLater) / 1000) * 1000);
    const dead = (refreshNode(node('Unknown'), hoursLater).status as { conditions: Record<string, string>[] })
      .conditions[0];
    assert.equal(hoursLater.getTime() - Date.parse(dead.lastHeartbeatTime), STALE_RENEW_AGE_MS + 789);
  });
});

describe('sim metadata.generation', () => {
  it('1 on create, +1 when the spec changes, unchanged otherwise; none on kinds without it', () => {
    const store = new Store();
    const deploy = (replicas: number, labels: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'a', labels },
      spec: { replicas },
    });
    assert.equal(store.apply(deploy(1))[0].metadata.generation, 1);
    assert.equal(store.apply(deploy(2))[0].metadata.generation, 2);
    assert.equal(store.apply(deploy(2, { x: 'y' }))[0].metadata.generation, 2);
    assert.equal(
      store.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' } })[0].metadata
        .generation,
      undefined,
    );
    assert.equal(
      store.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: {} })[0].metadata
        .generation,
      undefined,
    );
    store.generationResources.add('/pods');
    assert.equal(
      store.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'a' }, spec: {} })[0].metadata
        .generation,
      1,
    );
  });
});
