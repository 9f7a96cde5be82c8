// The API Priority and Fairness objects a default kube-apiserver creates at start (kubernetes
// staging/src/k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap/default.go: the mandatory exempt and
// catch-all, and the suggested ones), served as flowcontrol.apiserver.k8s.io/v1 (1.29+), where
// assuredConcurrencyShares is called nominalConcurrencyShares. Every object carries the
// apf.kubernetes.io/autoupdate-spec annotation the bootstrap sets.
// Not modelled: lendablePercent / borrowingLimitPercent values, and the objects' status.
import type { KubeObject } from './types.ts';

const ALL_RESOURCES = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }];
const ALL_NON_RESOURCES = [{ verbs: ['*'], nonResourceURLs: ['*'] }];
const group = (name: string) => ({ kind: 'Group', group: { name } });
const user = (name: string) => ({ kind: 'User', user: { name } });
const kubeSystemSAs = () => ({ kind: 'ServiceAccount', serviceAccount: { name: '*', namespace: 'kube-system' } });
const meta = (name: string) => ({ name, annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' } });

function level(
  name: string,
  shares: number,
  queuing?: { queues: number; handSize: number; queueLengthLimit: number },
): KubeObject {
  const limited = queuing
    ? { nominalConcurrencyShares: shares, limitResponse: { type: 'Queue', queuing } }
    : { nominalConcurrencyShares: shares, limitResponse: { type: 'Reject' } };
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'PriorityLevelConfiguration',
    metadata: meta(name),
    spec: { type: 'Limited', limited },
  };
}

function schema(
  name: string,
  levelName: string,
  precedence: number,
  distinguisher: string | undefined,
  rules: object[],
): KubeObject {
  const spec: Record<string, unknown> = {
    priorityLevelConfiguration: { name: levelName },
    matchingPrecedence: precedence,
    rules,
  };
  if (distinguisher) spec.distinguisherMethod = { type: distinguisher };
  return { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: meta(name), spec };
}

const everything = (subjects: object[]) => [
  { subjects, resourceRules: ALL_RESOURCES, nonResourceRules: ALL_NON_RESOURCES },
];
const leaderElection = (coreNamespaces: string[], subjects: object[]) => [
  {
    subjects,
    resourceRules: [
      {
        verbs: ['get', 'create', 'update'],
        apiGroups: [''],
        resources: ['endpoints', 'configmaps'],
        namespaces: coreNamespaces,
      },
      {
        verbs: ['get', 'create', 'update'],
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        namespaces: ['*'],
      },
    ],
  },
];

export function defaultFlowControlObjects(): KubeObject[] {
  const q = (queues: number, handSize: number) => ({ queues, handSize, queueLengthLimit: 50 });
  return [
    {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: meta('exempt'),
      spec: { type: 'Exempt', exempt: { nominalConcurrencyShares: 0 } },
    },
    level('catch-all', 5),
    level('system', 30, q(64, 6)),
    level('node-high', 40, q(64, 6)),
    level('leader-election', 10, q(16, 4)),
    level('workload-high', 40, q(128, 6)),
    level('workload-low', 100, q(128, 6)),
    level('global-default', 20, q(128, 6)),
    schema('exempt', 'exempt', 1, undefined, everything([group('system:masters')])),
    schema('probes', 'exempt', 2, undefined, [
      {
        subjects: [group('system:unauthenticated'), group('system:authenticated')],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }],
      },
    ]),
    schema(
      'system-leader-election',
      'leader-election',
      100,
      'ByUser',
      leaderElection(
        ['kube-system'],
        [user('system:kube-controller-manager'), user('system:kube-scheduler'), kubeSystemSAs()],
      ),
    ),
    schema('workload-leader-election', 'leader-election', 200, 'ByUser', leaderElection(['*'], [kubeSystemSAs()])),
    schema('system-node-high', 'node-high', 400, 'ByUser', [
      {
        subjects: [group('system:nodes')],
        resourceRules: [
          {
            verbs: ['*'],
            apiGroups: [''],
            resources: ['nodes', 'nodes/status'],
            namespaces: ['*'],
            clusterScope: true,
          },
          { verbs: ['*'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] },
        ],
      },
    ]),
    schema('system-nodes', 'system', 500, 'ByUser', everything([group('system:nodes')])),
    schema(
      'kube-controller-manager',
      'workload-high',
      800,
      'ByNamespace',
      everything([user('system:kube-controller-manager')]),
    ),
    schema('kube-scheduler', 'workload-high', 800, 'ByNamespace', everything([user('system:kube-scheduler')])),
    schema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', everything([kubeSystemSAs()])),
    schema('service-accounts', 'workload-low', 9000, 'ByUser', everything([group('system:serviceaccounts')])),
    schema(
      'global-default',
      'global-default',
      9900,
      'ByUser',
      everything([group('system:unauthenticated'), group('system:authenticated')]),
    ),
    schema(
      'catch-all',
      'catch-all',
      10000,
      'ByUser',
      everything([group('system:unauthenticated'), group('system:authenticated')]),
    ),
  ];
}
