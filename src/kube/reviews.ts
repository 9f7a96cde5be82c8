// The review objects the plugin creates (and never stores: the API server answers and forgets).
// Each returns the response with its status, since callers read 403s (impersonation refused) and
// 404s (a review kind this server does not serve) as answers.
import type { Connection, Impersonation, KubeResponse } from './connection.ts';

const AUTHZ = 'authorization.k8s.io/v1';

/** resourceAttributes of an access review; namespace '' asks cluster-wide. */
export interface ResourceAttributes {
  namespace: string;
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  name?: string;
}

export interface ReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface ResourceRuleStatus {
  resourceRules?: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
  incomplete?: boolean;
  evaluationError?: string;
}

/** SelfSubjectAccessReview: may I (or the impersonated identity) do this? */
export function selfSubjectAccessReview(
  conn: Connection,
  attrs: ResourceAttributes,
  impersonate?: Impersonation,
): Promise<KubeResponse<{ status?: ReviewStatus }>> {
  return conn.send({
    method: 'POST',
    path: `/apis/${AUTHZ}/selfsubjectaccessreviews`,
    body: { apiVersion: AUTHZ, kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } },
    ...(impersonate ? { impersonate } : {}),
  });
}

/** SelfSubjectRulesReview: everything I (or the impersonated identity) may do in one namespace. */
export function selfSubjectRulesReview(
  conn: Connection,
  namespace: string,
  impersonate?: Impersonation,
): Promise<KubeResponse<{ status?: ResourceRuleStatus }>> {
  return conn.send({
    method: 'POST',
    path: `/apis/${AUTHZ}/selfsubjectrulesreviews`,
    body: { apiVersion: AUTHZ, kind: 'SelfSubjectRulesReview', spec: { namespace } },
    ...(impersonate ? { impersonate } : {}),
  });
}

/** SubjectAccessReview: may this user with these groups do it (the groups are taken verbatim)? */
export function subjectAccessReview(
  conn: Connection,
  subject: { user: string; groups: string[] },
  attrs: ResourceAttributes,
): Promise<KubeResponse<{ status?: ReviewStatus }>> {
  return conn.send({
    method: 'POST',
    path: `/apis/${AUTHZ}/subjectaccessreviews`,
    body: {
      apiVersion: AUTHZ,
      kind: 'SubjectAccessReview',
      spec: { user: subject.user, groups: subject.groups, resourceAttributes: attrs },
    },
  });
}

export interface UserInfo {
  username?: string;
  groups?: string[];
}

/** SelfSubjectReview (authentication.k8s.io): who the server takes me for. */
export function selfSubjectReview(
  conn: Connection,
  version: 'v1' | 'v1beta1',
): Promise<KubeResponse<{ status?: { userInfo?: UserInfo } }>> {
  return conn.send({
    method: 'POST',
    path: `/apis/authentication.k8s.io/${version}/selfsubjectreviews`,
    body: { apiVersion: `authentication.k8s.io/${version}`, kind: 'SelfSubjectReview' },
  });
}
