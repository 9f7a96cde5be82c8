// The resources the simulated server knows: what discovery publishes and how the store keys objects.
// Verbs, short names and scope as kube-apiserver 1.32 publishes them (`kubectl api-resources -o wide`).

export interface ResourceType {
  group: string; // '' for core
  version: string;
  resource: string; // plural
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** POST-only virtual resources (reviews): no storage. */
  virtual?: boolean;
  /** The first minor version whose kube-apiserver serves it with default flags (absent: every version the sim plays). */
  since?: number;
  subresources?: { name: string; kind: string; verbs: string[]; group?: string; version?: string }[];
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE = ['create'];

export const RESOURCES: ResourceType[] = [
  // core/v1
  {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    verbs: RW,
    shortNames: ['cm'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'endpoints',
    singular: 'endpoints',
    kind: 'Endpoints',
    namespaced: true,
    verbs: RW,
    shortNames: ['ep'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: RW,
    shortNames: ['ev'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
      { name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'nodes',
    singular: 'node',
    kind: 'Node',
    namespaced: false,
    verbs: RW,
    shortNames: ['no'],
    subresources: [
      { name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      { name: 'status', kind: 'Node', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: RW,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'eviction', kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      { name: 'resize', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    verbs: RW,
    shortNames: ['pvc'],
    subresources: [{ name: 'status', kind: 'PersistentVolumeClaim', verbs: ['get', 'patch', 'update'] }],
  },
  {
    group: '',
    version: 'v1',
    resource: 'limitranges',
    singular: 'limitrange',
    kind: 'LimitRange',
    namespaced: true,
    verbs: RW,
    shortNames: ['limits'],
  },
  {
    group: '',
    version: 'v1',
    resource: 'resourcequotas',
    singular: 'resourcequota',
    kind: 'ResourceQuota',
    namespaced: true,
    verbs: RW,
    shortNames: ['quota'],
    subresources: [{ name: 'status', kind: 'ResourceQuota', verbs: ['get', 'patch', 'update'] }],
  },
  { group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, verbs: RW },
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    singular: 'serviceaccount',
    kind: 'ServiceAccount',
    namespaced: true,
    verbs: RW,
    shortNames: ['sa'],
    subresources: [
      { name: 'token', kind: 'TokenRequest', verbs: ['create'], group: 'authentication.k8s.io', version: 'v1' },
    ],
  },
  {
    group: '',
    version: 'v1',
    resource: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [
      { name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      { name: 'status', kind: 'Service', verbs: ['get', 'patch', 'update'] },
    ],
  },
  // apps/v1
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    verbs: RW,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      { name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' },
      { name: 'status', kind: 'Deployment', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    verbs: RW,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: [
      { name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' },
      { name: 'status', kind: 'StatefulSet', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: RW,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [
      { name: 'scale', kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' },
      { name: 'status', kind: 'ReplicaSet', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    verbs: RW,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'DaemonSet', verbs: ['get', 'patch', 'update'] }],
  },
  // batch/v1
  {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    verbs: RW,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'CronJob', verbs: ['get', 'patch', 'update'] }],
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    verbs: RW,
    categories: ['all'],
    subresources: [{ name: 'status', kind: 'Job', verbs: ['get', 'patch', 'update'] }],
  },
  {
    group: 'policy',
    version: 'v1',
    resource: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    verbs: RW,
    shortNames: ['pdb'],
    subresources: [{ name: 'status', kind: 'PodDisruptionBudget', verbs: ['get', 'patch', 'update'] }],
  },
  // reviews: create only, no storage
  // SelfSubjectReview: v1alpha1 (1.26) and v1beta1 (1.27) were never served with default flags (alpha
  // and new beta APIs are off by default, KEP-3136: authentication.k8s.io/v1beta1 is in kube-apiserver's
  // betaAPIGroupVersionsDisabledByDefault), so a default server answers it from 1.28 (v1, GA) only.
  {
    group: 'authentication.k8s.io',
    version: 'v1',
    resource: 'selfsubjectreviews',
    singular: 'selfsubjectreview',
    kind: 'SelfSubjectReview',
    namespaced: false,
    verbs: CREATE,
    virtual: true,
    since: 28,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'localsubjectaccessreviews',
    singular: 'localsubjectaccessreview',
    kind: 'LocalSubjectAccessReview',
    namespaced: true,
    verbs: CREATE,
    virtual: true,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: CREATE,
    virtual: true,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'selfsubjectrulesreviews',
    singular: 'selfsubjectrulesreview',
    kind: 'SelfSubjectRulesReview',
    namespaced: false,
    verbs: CREATE,
    virtual: true,
  },
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resource: 'subjectaccessreviews',
    singular: 'subjectaccessreview',
    kind: 'SubjectAccessReview',
    namespaced: false,
    verbs: CREATE,
    virtual: true,
  },
  // apiextensions: kubectl's create/apply validation lists CRDs for kinds it finds no PATCH path for
  // (QueryParamVerifier -> CRDFinder); a cluster without CRDs answers an empty list.
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    verbs: RW,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
  },
  // admission webhooks (test/sim/admission/webhooks.ts) and API Priority and Fairness (flowcontrol v1 is served from 1.29)
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    resource: 'validatingwebhookconfigurations',
    singular: 'validatingwebhookconfiguration',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
    verbs: RW,
    categories: ['api-extensions'],
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    resource: 'flowschemas',
    singular: 'flowschema',
    kind: 'FlowSchema',
    namespaced: false,
    verbs: RW,
    since: 29,
    subresources: [{ name: 'status', kind: 'FlowSchema', verbs: ['get', 'patch', 'update'] }],
  },
  {
    group: 'flowcontrol.apiserver.k8s.io',
    version: 'v1',
    resource: 'prioritylevelconfigurations',
    singular: 'prioritylevelconfiguration',
    kind: 'PriorityLevelConfiguration',
    namespaced: false,
    verbs: RW,
    since: 29,
    subresources: [{ name: 'status', kind: 'PriorityLevelConfiguration', verbs: ['get', 'patch', 'update'] }],
  },
  // coordination, discovery, networking, rbac
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    singular: 'lease',
    kind: 'Lease',
    namespaced: true,
    verbs: RW,
  },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    resource: 'endpointslices',
    singular: 'endpointslice',
    kind: 'EndpointSlice',
    namespaced: true,
    verbs: RW,
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: RW,
    shortNames: ['ev'],
  },
  // networking.k8s.io/v1 ingresses (and ingresses/status) as kubernetes/pkg/registry/networking/rest/storage_settings.go
  // serves them; GA in v1 since 1.19. Real renders of the community chart carry the webserver's Ingress.
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    verbs: RW,
    shortNames: ['ing'],
    since: 19,
    subresources: [{ name: 'status', kind: 'Ingress', verbs: ['get', 'patch', 'update'] }],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    resource: 'networkpolicies',
    singular: 'networkpolicy',
    kind: 'NetworkPolicy',
    namespaced: true,
    verbs: RW,
    shortNames: ['netpol'],
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterrolebindings',
    singular: 'clusterrolebinding',
    kind: 'ClusterRoleBinding',
    namespaced: false,
    verbs: RW,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'clusterroles',
    singular: 'clusterrole',
    kind: 'ClusterRole',
    namespaced: false,
    verbs: RW,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'rolebindings',
    singular: 'rolebinding',
    kind: 'RoleBinding',
    namespaced: true,
    verbs: RW,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    resource: 'roles',
    singular: 'role',
    kind: 'Role',
    namespaced: true,
    verbs: RW,
  },
];

/** Group -> versions, in the order /apis lists them (kube-apiserver's group priority order). */
export const GROUP_ORDER = [
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'batch',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

export function gvString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Whether a server of this minor version serves the resource (discovery, OpenAPI, requests). */
export function servedBy(r: ResourceType, minor: number): boolean {
  return r.since === undefined || minor >= r.since;
}

/** The resources a server of this minor version serves, in RESOURCES order. */
export function servedResources(minor: number): ResourceType[] {
  return RESOURCES.filter((r) => servedBy(r, minor));
}

export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

export function resourceKey(r: { group: string; version: string; resource: string }): string {
  return `${r.group}/${r.version}/${r.resource}`;
}
