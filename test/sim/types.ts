// Types shared by the simulator's modules. Independent of src/: the sim is a second implementation.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Who is asking, after authentication and impersonation (k8s.io/apiserver user.Info). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** authorizer.Attributes as the RBAC authorizer sees them. */
export interface RequestAttributes {
  resourceRequest: boolean;
  verb: string;
  /** resource requests */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** non-resource requests */
  path?: string;
}

export interface Decision {
  allowed: boolean;
  denied?: boolean;
  /** The RBAC reason string, e.g. `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`; "" when denied. */
  reason: string;
  evaluationError?: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** metav1.Status */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code: number;
}
