// The NetworkPolicy that lets one pod reach the API server past the policies that block it, as a
// whole manifest a person pipes to `kubectl apply -f -`. NetworkPolicies add up (an allow in any
// policy selecting the pod allows it), so a new policy fixes it without editing the blocking one.
// Its rule names the endpoint IPs and target port, which is what policies see after kube-proxy's DNAT.
import * as YAML from 'yaml';
import { hostCidr } from './netpol.ts';
import { byText } from '../base/order.ts';

/** Labels a controller sets per pod instance: selecting by them would miss the pod's replacement. */
const PER_POD =
  /^(pod-template-hash|controller-revision-hash|statefulset\.kubernetes\.io\/pod-name|apps\.kubernetes\.io\/pod-index|batch\.kubernetes\.io\/.*|job-name|controller-uid)$/;

export interface EgressFixInput {
  namespace: string;
  podLabels: Record<string, string>;
  /** The API-server endpoints the pod may not reach. */
  blocked: Array<{ ip: string; port: number }>;
}

/**
 * The Airflow charts' own labels (official: tier/component/release; community: app/component/release)
 * select every pod of the component, a KubernetesExecutor task pod's dag_id/task_id/try_number only
 * itself: with the chart's labels present, only those are used.
 */
const CHART = ['tier', 'app', 'component', 'release'];

export function podSelectorLabels(labels: Record<string, string>): Record<string, string> {
  const stable = Object.entries(labels).filter(([k]) => !PER_POD.test(k));
  const chart = stable.filter(([k]) => CHART.includes(k));
  const chosen = chart.some(([k]) => k === 'component') && chart.some(([k]) => k === 'release') ? chart : stable;
  return Object.fromEntries(chosen.sort(([a], [b]) => byText(a, b)));
}

export function egressFixManifest(i: EgressFixInput): string {
  const matchLabels = podSelectorLabels(i.podLabels);
  const cidrs = [...new Set(i.blocked.map((e) => hostCidr(e.ip)))];
  const ports = [...new Set(i.blocked.map((e) => e.port))];
  const policy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-kube-apiserver-egress', namespace: i.namespace },
    spec: {
      podSelector: Object.keys(matchLabels).length ? { matchLabels } : {},
      policyTypes: ['Egress'],
      egress: [
        { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: ports.map((port) => ({ protocol: 'TCP', port })) },
      ],
    },
  };
  return YAML.stringify(policy, { lineWidth: 0 });
}
