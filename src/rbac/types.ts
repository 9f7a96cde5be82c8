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

export interface Permission extends Cell {
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

/** Cells by (account, namespace), in first-seen order: one rules review, or one Role, each. */
export function byAccountAndNamespace<C extends Cell>(cells: C[]): Array<{ account: Account; namespace: string; cells: C[] }> {
  const groups = new Map<string, { account: Account; namespace: string; cells: C[] }>();
  for (const c of cells) {
    const k = `${c.account.namespace}|${c.account.name}|${c.namespace}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { account: c.account, namespace: c.namespace, cells: [] }));
    g.cells.push(c);
  }
  return [...groups.values()];
}

export function cellKey(c: Cell): string {
  return [c.account.namespace, c.account.name, c.namespace, c.group, c.resource, c.subresource, c.verb].join('|');
}

export function resourceLabel(c: { group: string; resource: string; subresource: string }): string {
  const r = c.subresource ? `${c.resource}/${c.subresource}` : c.resource;
  return c.group ? `${r}.${c.group}` : r;
}
