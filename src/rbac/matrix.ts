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
    return {
      ...c,
      required: !!r,
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
    verdict: missing.length ? 'missing' : 'ok',
  };
}

export function missingPermissions(permissions: Permission[]): Permission[] {
  return permissions.filter((c) => c.required && !c.allowed);
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
    allowed: c.allowed,
    reason: c.reason,
    via: c.via,
  };
}
