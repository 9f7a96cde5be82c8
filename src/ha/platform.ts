// Which managed platform runs the control plane, recognised from the nodes' providerID. A cloud
// providerID alone does not make the control plane managed (kubeadm and kops run on EC2 too), so a
// cluster whose API-server endpoints are its own nodes, or that has control-plane nodes, is
// self-managed whatever the cloud.
import type { Node } from './model.ts';

export type PlatformName = 'EKS' | 'GKE' | 'AKS' | 'self-managed';

export interface Platform {
  name: PlatformName;
  /** Why we think so, in the user's words. */
  because: string;
  /** How many endpoints the platform normally publishes, and what a count proves there. */
  expectation: string;
  minEndpoints: number;
}

const PROVIDERS: {
  prefix: string;
  name: Exclude<PlatformName, 'self-managed'>;
  expectation: string;
  minEndpoints: number;
}[] = [
  {
    prefix: 'aws://',
    name: 'EKS',
    minEndpoints: 2,
    expectation:
      'EKS publishes two cross-account ENI IPs of its managed control plane; one endpoint is transient (during an upgrade), zero is an outage',
  },
  {
    prefix: 'gce://',
    name: 'GKE',
    minEndpoints: 1,
    expectation:
      'GKE publishes one address (the control plane VIP); the count proves nothing about replicas, which Google runs',
  },
  {
    prefix: 'azure://',
    name: 'AKS',
    minEndpoints: 1,
    expectation:
      'AKS publishes one address (the API server VIP/tunnel); the count proves nothing about replicas, which Azure runs',
  },
];

const CONTROL_PLANE_ROLES = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

export function detectPlatform(nodes: Node[] | undefined, endpointsOnNodes: number): Platform {
  const selfManaged = (because: string): Platform => ({
    name: 'self-managed',
    because,
    minEndpoints: 2,
    expectation:
      'a self-managed control plane needs at least two API-server replicas; one is a single point of failure',
  });
  if (!nodes) return selfManaged('nodes not readable: assumed self-managed');
  const cp = nodes.filter((n) => CONTROL_PLANE_ROLES.some((r) => r in (n.metadata?.labels ?? {})));
  for (const p of PROVIDERS) {
    const matching = nodes.filter((n) => n.spec?.providerID?.startsWith(p.prefix));
    if (matching.length === 0) continue;
    if (cp.length > 0 || endpointsOnNodes > 0) {
      return selfManaged(
        `nodes run on ${p.prefix.replace('://', '')} but the API server runs on the cluster's own nodes: self-managed`,
      );
    }
    return {
      name: p.name,
      because: `node providerID ${p.prefix}... (${matching.length}/${nodes.length} nodes), no control-plane nodes`,
      expectation: p.expectation,
      minEndpoints: p.minEndpoints,
    };
  }
  return selfManaged(
    cp.length > 0 ? `${cp.length} control-plane node(s)` : 'no managed-platform providerID on any node',
  );
}
