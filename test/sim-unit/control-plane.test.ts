import assert from 'node:assert/strict';
import {
  deriveControlPlane,
  endpointAddresses,
  identityLeaseName,
  type ControlPlaneSpec,
} from '../sim/control-plane.ts';
import type { KubeObject } from '../sim/types.ts';

const NOW = new Date('2026-11-22T03:00:00Z');

function find(objs: KubeObject[], kind: string, name?: string): KubeObject[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}
function one(objs: KubeObject[], kind: string, name: string): any {
  const f = find(objs, kind, name);
  assert.equal(f.length, 1, `${kind} ${name}`);
  return f[0];
}
function endpointIPs(objs: KubeObject[]): string[] {
  const ep: any = one(objs, 'Endpoints', 'kubernetes');
  return ep.subsets.flatMap((s: any) => s.addresses.map((a: any) => a.ip));
}
function sliceIPs(objs: KubeObject[]): string[] {
  return find(objs, 'EndpointSlice').flatMap((s: any) => s.endpoints.flatMap((e: any) => e.addresses));
}

const three = (over: Partial<ControlPlaneSpec> = {}): ControlPlaneSpec => ({
  serviceIP: '10.96.0.1',
  servicePort: 443,
  reconciler: 'lease',
  replicas: [
    { name: 'kube-apiserver-cp-1', address: '10.0.0.11', port: 6443, node: 'cp-1', alive: true },
    { name: 'kube-apiserver-cp-2', address: '10.0.0.12', port: 6443, node: 'cp-2', alive: true },
    { name: 'kube-apiserver-cp-3', address: '10.0.0.13', port: 6443, node: 'cp-3', alive: false, failure: 'timeout' },
  ],
  ...over,
});

describe('control-plane: deriveControlPlane', () => {
  it('renders default/kubernetes as the apiserver does: no selector, https 443 -> secure port, labels', () => {
    const objs = deriveControlPlane(three(), [], NOW);
    const svc = one(objs, 'Service', 'kubernetes');
    assert.equal(svc.metadata.namespace, 'default');
    assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
    assert.equal(svc.spec.selector, undefined);
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
  });

  it('lease reconciler: Endpoints and EndpointSlice hold only the live replicas', () => {
    const objs = deriveControlPlane(three(), [], NOW);
    assert.deepEqual(endpointIPs(objs), ['10.0.0.11', '10.0.0.12']);
    const slice = one(objs, 'EndpointSlice', 'kubernetes');
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.deepEqual(slice.endpoints, [
      { addresses: ['10.0.0.11'], conditions: { ready: true } },
      { addresses: ['10.0.0.12'], conditions: { ready: true } },
    ]);
    assert.deepEqual(slice.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
  });

  it('lease reconciler never erases every endpoint: all dead keeps the last set', () => {
    const spec = three({ replicas: three().replicas!.map((r) => ({ ...r, alive: false })) });
    assert.deepEqual(endpointAddresses(spec), ['10.0.0.11', '10.0.0.12', '10.0.0.13']);
  });

  it('master-count keeps a dead replica in Endpoints', () => {
    const objs = deriveControlPlane(three({ reconciler: 'master-count' }), [], NOW);
    assert.deepEqual(endpointIPs(objs), ['10.0.0.11', '10.0.0.12', '10.0.0.13']);
    assert.deepEqual(sliceIPs(objs), ['10.0.0.11', '10.0.0.12', '10.0.0.13']);
  });

  it('knob staleEndpoints keeps an address without a live lease, sorted numerically', () => {
    const objs = deriveControlPlane(three({ knobs: { staleEndpoints: ['10.0.0.13', '10.0.0.9'] } }), [], NOW);
    assert.deepEqual(endpointIPs(objs), ['10.0.0.9', '10.0.0.11', '10.0.0.12', '10.0.0.13']);
  });

  it('knob endpointSliceAddresses makes the EndpointSlice disagree with Endpoints', () => {
    const objs = deriveControlPlane(three({ knobs: { endpointSliceAddresses: ['10.0.0.11', '10.0.0.13'] } }), [], NOW);
    assert.deepEqual(endpointIPs(objs), ['10.0.0.11', '10.0.0.12']);
    assert.deepEqual(sliceIPs(objs), ['10.0.0.11', '10.0.0.13']);
  });

  it('knob endpointPorts splits Endpoints subsets and EndpointSlices by port', () => {
    const objs = deriveControlPlane(three({ knobs: { endpointPorts: { '10.0.0.12': 8443 } } }), [], NOW);
    const ep: any = one(objs, 'Endpoints', 'kubernetes');
    assert.deepEqual(ep.subsets, [
      { addresses: [{ ip: '10.0.0.11' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.12' }], ports: [{ name: 'https', port: 8443, protocol: 'TCP' }] },
    ]);
    const slices: any[] = find(objs, 'EndpointSlice');
    assert.deepEqual(
      slices.map((s) => [s.metadata.name, s.ports[0].port, s.endpoints.map((e: any) => e.addresses[0])]),
      [
        ['kubernetes', 6443, ['10.0.0.11']],
        ['kubernetes-8443', 8443, ['10.0.0.12']],
      ],
    );
    for (const s of slices) assert.equal(s.metadata.labels['kubernetes.io/service-name'], 'kubernetes');
  });

  it('identity Leases: one per replica in kube-system, fresh for live, stale for dead, absent on request', () => {
    const spec = three();
    spec.replicas!.push({
      name: 'kube-apiserver-cp-4',
      address: '10.0.0.14',
      node: 'cp-4',
      alive: false,
      lease: 'absent',
    });
    const leases: any[] = find(deriveControlPlane(spec, [], NOW), 'Lease');
    assert.equal(leases.length, 3);
    for (const l of leases) {
      assert.equal(l.metadata.namespace, 'kube-system');
      assert.equal(l.metadata.labels['apiserver.kubernetes.io/identity'], 'kube-apiserver');
      assert.match(l.metadata.name, /^apiserver-[a-z2-7]{26}$/);
      assert.ok(l.spec.holderIdentity.startsWith(l.metadata.name + '_'));
      assert.equal(l.spec.leaseDurationSeconds, 3600);
    }
    const age = (l: any) => (NOW.getTime() - Date.parse(l.spec.renewTime)) / 1000;
    const byHost = Object.fromEntries(leases.map((l) => [l.metadata.labels['kubernetes.io/hostname'], age(l)]));
    assert.ok(byHost['cp-1'] < 15 && byHost['cp-2'] < 15, 'live leases renewed within the 15 s TTL');
    assert.ok(byHost['cp-3'] > 600, 'dead replica lease not renewed for minutes');
    assert.equal(
      leases.find((l) => l.metadata.labels['kubernetes.io/hostname'] === 'cp-1').metadata.name,
      identityLeaseName('cp-1'),
    );
  });

  it('adds control-plane Nodes and apiserver mirror pods unless the Node is declared; none for managed replicas', () => {
    const declared: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'cp-1' } };
    const objs = deriveControlPlane(three(), [declared], NOW);
    assert.deepEqual(
      find(objs, 'Node').map((n) => n.metadata.name),
      ['cp-2', 'cp-3'],
    );
    const dead: any = one(objs, 'Node', 'cp-3');
    assert.equal(dead.status.conditions[0].status, 'Unknown');
    assert.deepEqual(dead.status.addresses[0], { type: 'InternalIP', address: '10.0.0.13' });
    assert.equal(find(objs, 'Pod').length, 3);
    const managed = deriveControlPlane(
      {
        replicas: [
          { name: 'eks-a', address: '10.0.1.5' },
          { name: 'eks-b', address: '10.0.2.5' },
        ],
      },
      [],
      NOW,
    );
    assert.equal(find(managed, 'Node').length, 0);
    assert.equal(find(managed, 'Pod').length, 0);
    assert.deepEqual(endpointIPs(managed), ['10.0.1.5', '10.0.2.5']);
  });

  it('is pure: same input and time, same output', () => {
    assert.deepEqual(deriveControlPlane(three(), [], NOW), deriveControlPlane(three(), [], NOW));
  });

  it('without a controlPlane section still renders the Service, one endpoint-less slice and no leases', () => {
    const objs = deriveControlPlane(undefined, [], NOW);
    assert.equal(one(objs, 'Service', 'kubernetes').spec.clusterIP, '10.96.0.1');
    assert.deepEqual(endpointIPs(objs), []);
    assert.equal(find(objs, 'Lease').length, 0);
  });
});
