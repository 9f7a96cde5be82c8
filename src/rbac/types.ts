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

/** How much Airflow needs a cell (src/airflow/requirements.yaml): required fails, feature warns, unused is shown. */
export type Level = 'required' | 'feature' | 'unused';

export interface RequiredCell extends Cell {
  /** The profiles that need this cell. */
  profiles: string[];
  /** Absent: required (--verbs/--resources, --profile of the old kind). */
  level?: Level;
  /** A required call whose Airflow version range may not cover the (unknown) detected version: a WARN. */
  maybe?: string;
  /** The optional features (feature level) or the reasons (unused level) behind it. */
  features?: string[];
  /** requirements.yaml rows behind it. */
  rows?: string[];
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
  /** A denial fails the check (level required, version known to apply). */
  required: boolean;
  /** required | feature | unused; undefined: asked for the layout only. */
  level?: Level;
  maybe?: string;
  features?: string[];
  rows?: string[];
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
export function byAccountAndNamespace<C extends Cell>(
  cells: C[],
): Array<{ account: Account; namespace: string; cells: C[] }> {
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
