// Plain data shared by the rbac decisions. A namespace of '*' means cluster-wide.
import type { Account } from '../airflow/release.ts';

export type { Account } from '../airflow/release.ts';

export interface Cell {
  account: Account;
  namespace: string;
  group: string;
  resource: string;
  subresource: string;
  verb: string;
}

export interface RequiredCell extends Cell {
  /** The profiles that need this cell. */
  profiles: string[];
}

export type AnswerSource = 'SelfSubjectRulesReview' | 'SelfSubjectAccessReview' | 'SubjectAccessReview';

export interface Answer {
  allowed: boolean;
  /** The server's reason (empty for an RBAC denial). */
  reason: string;
  denied?: boolean;
  evaluationError?: string;
  source: AnswerSource;
}

export interface Check extends Cell {
  required: boolean;
  profiles: string[];
  allowed: boolean;
  reason: string;
  via: string;
  source: AnswerSource;
}

export function username(a: Account): string {
  return `system:serviceaccount:${a.namespace}:${a.name}`;
}

/** The groups the API server gives a ServiceAccount (for a SubjectAccessReview, which takes them verbatim). */
export function serviceAccountGroups(a: Account): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${a.namespace}`, 'system:authenticated'];
}

export function cellKey(c: Cell): string {
  return [c.account.namespace, c.account.name, c.namespace, c.group, c.resource, c.subresource, c.verb].join('|');
}

export function resourceLabel(c: { group: string; resource: string; subresource: string }): string {
  const r = c.subresource ? `${c.resource}/${c.subresource}` : c.resource;
  return c.group ? `${r}.${c.group}` : r;
}
