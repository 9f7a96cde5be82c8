// Answers -> permissions -> verdict and summary. Pure.
import { viaText } from './reason.ts';
import { cellKey, username, type Answer, type Cell, type Permission, type RequiredCell } from './types.ts';
import { apiNamespace } from '../airflow/namespaces.ts';

export function buildPermissions(cells: Cell[], required: RequiredCell[], answers: Map<string, Answer>): Permission[] {
  const req = new Map(required.map((r) => [cellKey(r), r]));
  return cells.map((c) => {
    const a = answers.get(cellKey(c));
    if (!a) throw new Error(`internal: no answer for ${cellKey(c)}`);
    const r = req.get(cellKey(c));
    const level = r ? (r.level ?? 'required') : undefined;
    return {
      ...c,
      required: level === 'required' && !r?.maybe,
      ...(level ? { level } : {}),
      ...(r?.maybe ? { maybe: r.maybe } : {}),
      ...(r?.features?.length ? { features: r.features } : {}),
      ...(r?.rows?.length ? { rows: r.rows } : {}),
      profiles: r?.profiles ?? [],
      allowed: a.allowed,
      reason: a.reason,
      via: viaText(a.reason, a.allowed),
      source: a.source,
    };
  });
}

export interface Summary {
  accounts: number;
  namespaces: number;
  checks: number;
  required: number;
  allowedRequired: number;
  missing: number;
  /** Allowed but not required: informative (least privilege), never a failure. */
  extra: number;
  /** Denied cells an optional feature needs, or a required call that may not exist in the (unknown) version: WARN. */
  warnings: number;
  /** Granted, and no Airflow code of these versions calls it (level unused). */
  unused: number;
  verdict: 'ok' | 'missing';
}

export function summarize(permissions: Permission[]): Summary {
  const required = permissions.filter((c) => c.required);
  const missing = required.filter((c) => !c.allowed);
  return {
    accounts: new Set(permissions.map((c) => username(c.account))).size,
    namespaces: new Set(permissions.map((c) => c.namespace)).size,
    checks: permissions.length,
    required: required.length,
    allowedRequired: required.length - missing.length,
    missing: missing.length,
    extra: permissions.filter((c) => !c.required && c.allowed).length,
    warnings: warningPermissions(permissions).length,
    unused: permissions.filter((c) => c.level === 'unused' && c.allowed).length,
    verdict: missing.length ? 'missing' : 'ok',
  };
}

export function missingPermissions(permissions: Permission[]): Permission[] {
  return permissions.filter((c) => c.required && !c.allowed);
}

/** Denied, and needed by an optional feature or by a call the unknown version may make: said, never failed. */
export function warningPermissions(permissions: Permission[]): Permission[] {
  return permissions.filter(
    (c) => !c.allowed && !c.required && (c.level === 'feature' || (c.level === 'required' && !!c.maybe)),
  );
}

/** The machine-readable form of one check (-o json|yaml), field names as documented. */
export function permissionRecord(c: Permission) {
  return {
    subject: username(c.account),
    namespace: apiNamespace(c.namespace),
    group: c.group,
    resource: c.resource,
    subresource: c.subresource,
    verb: c.verb,
    required: c.required,
    level: c.level ?? 'none',
    ...(c.maybe ? { maybe: c.maybe } : {}),
    ...(c.features?.length ? { features: c.features } : {}),
    ...(c.rows?.length ? { rows: c.rows } : {}),
    allowed: c.allowed,
    reason: c.reason,
    via: c.via,
  };
}
