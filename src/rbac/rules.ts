// Reading a SelfSubjectRulesReview answer: does one of the server's rules for this identity cover
// a cell? The matching follows kubernetes pkg/apis/rbac/v1/evaluation_helpers.go so a rule never
// reads as broader than the server meant; anything not covered is confirmed by an access review.
import type { Cell } from './types.ts';

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

function verbMatches(rule: ResourceRule, verb: string): boolean {
  return rule.verbs.some((v) => v === '*' || v === verb);
}

function groupMatches(rule: ResourceRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

// ResourceMatches: exact, "*", or "*" + "/<subresource>"; "pods/" + "*" is not a wildcard.
function resourceMatches(rule: ResourceRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`),
  );
}

/** A name-less request: a rule restricted to resourceNames never covers it. */
export function rulesAllow(rules: ResourceRule[], cell: Cell): boolean {
  return rules.some(
    (r) =>
      (r.resourceNames ?? []).length === 0 &&
      verbMatches(r, cell.verb) &&
      groupMatches(r, cell.group) &&
      resourceMatches(r, cell.resource, cell.subresource),
  );
}

/**
 * Whether a cell needs its own SelfSubjectAccessReview after the rules review: an allowed cell only
 * for its reason (the rules review names no binding); a denied one unless the rules review was
 * complete and nobody requires the cell. `rules` undefined: no rules review answered (a
 * cluster-wide cell, or the review failed).
 */
export function needsAccessReview(
  rules: ResourceRule[] | undefined,
  incomplete: boolean,
  cell: Cell,
  required: boolean,
  wantReason: boolean,
): boolean {
  if (rules !== undefined && rulesAllow(rules, cell)) return wantReason;
  return rules === undefined || incomplete || required;
}
