// The RBAC authorizer as kube-apiserver runs it (plugin/pkg/auth/authorizer/rbac/rbac.go,
// pkg/apis/rbac/v1/evaluation_helpers.go, pkg/registry/rbac/validation/rule.go), behind the
// privileged-group authorizer that kube-apiserver always puts first
// (pkg/kubeapiserver/authorizer: NewPrivilegedGroups(system:masters)).
import type { Decision, KubeObject, PolicyRule, RequestAttributes, UserInfo } from './types.ts';
export { defaultRbacObjects } from './default-rbac.ts';

export interface RbacObjects {
  roles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

interface RoleRef {
  kind: string;
  name: string;
  apiGroup?: string;
}

export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesForResult {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  evaluationError?: string;
}

const SYSTEM_MASTERS = 'system:masters';

// ---- rule matching (evaluation_helpers.go) ----

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return (rule.verbs ?? []).some((v) => v === '*' || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

export function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combinedResource) return true;
    if (!subresource) continue;
    // `*/exec` covers every resource's exec; `pods/*` is not a wildcard.
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.some((n) => n === name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** rbac.RuleAllows */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const sub = attrs.subresource ?? '';
    const combined = sub ? `${attrs.resource ?? ''}/${sub}` : (attrs.resource ?? '');
    return (
      verbMatches(rule, attrs.verb) &&
      apiGroupMatches(rule, attrs.apiGroup ?? '') &&
      resourceMatches(rule, combined, sub) &&
      resourceNameMatches(rule, attrs.name ?? '')
    );
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path ?? '');
}

// ---- subjects and bindings (rule.go) ----

function isDnsLabel(s: string): boolean {
  return s.length > 0 && s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every(isDnsLabel);
}

/** serviceaccount.SplitUsername: `system:serviceaccount:NS:NAME` -> [NS, NAME], or undefined. */
export function splitServiceAccountUsername(username: string): [string, string] | undefined {
  const prefix = 'system:serviceaccount:';
  if (!username.startsWith(prefix)) return undefined;
  const parts = username.slice(prefix.length).split(':');
  if (parts.length !== 2) return undefined;
  const [ns, name] = parts as [string, string];
  if (!isDnsLabel(ns) || !isDnsSubdomain(name)) return undefined;
  return [ns, name];
}

function appliesToUser(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return (user.groups ?? []).includes(subject.name);
    case 'ServiceAccount': {
      // A ServiceAccount subject without a namespace means the binding's namespace.
      const saNamespace = subject.namespace || namespace;
      if (!saNamespace) return false;
      return user.name === `system:serviceaccount:${saNamespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

function subjectsOf(binding: KubeObject): Subject[] {
  return Array.isArray(binding['subjects']) ? (binding['subjects'] as Subject[]) : [];
}

function roleRefOf(binding: KubeObject): RoleRef {
  const ref = binding['roleRef'] as RoleRef | undefined;
  return ref ?? { kind: '', name: '' };
}

function rulesOf(role: KubeObject): PolicyRule[] {
  return Array.isArray(role['rules']) ? (role['rules'] as PolicyRule[]) : [];
}

/** GetRoleReferenceRules, with the lister's NotFound messages. */
function roleReferenceRules(
  ref: RoleRef,
  bindingNamespace: string,
  rbac: RbacObjects,
): { rules?: PolicyRule[]; error?: string } {
  if (ref.kind === 'Role') {
    const role = rbac.roles.find(
      (r) => r.metadata.name === ref.name && (r.metadata.namespace ?? '') === bindingNamespace,
    );
    if (!role) return { error: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
    return { rules: rulesOf(role) };
  }
  if (ref.kind === 'ClusterRole') {
    const role = rbac.clusterRoles.find((r) => r.metadata.name === ref.name);
    if (!role) return { error: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
    return { rules: rulesOf(role) };
  }
  return { error: `unsupported role reference kind: "${ref.kind}"` };
}

const byName = (a: KubeObject, b: KubeObject): number =>
  a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;

/**
 * VisitRulesFor: ClusterRoleBindings first, then the RoleBindings of `namespace`. Bindings are
 * visited in name order (the order etcd lists them). The visitor gets a source description
 * (`ClusterRoleBinding "B" of ClusterRole "R" to User "u"`) with each rule, or an error.
 * Returning false stops the walk.
 */
export function visitRulesFor(
  user: UserInfo,
  namespace: string,
  rbac: RbacObjects,
  visitor: (source: string | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean,
): void {
  for (const crb of [...rbac.clusterRoleBindings].sort(byName)) {
    const subjects = subjectsOf(crb);
    const subject = subjects.find((s) => appliesToUser(user, s, ''));
    if (!subject) continue;
    const ref = roleRefOf(crb);
    const { rules, error } = roleReferenceRules(ref, '', rbac);
    if (error !== undefined) {
      if (!visitor(undefined, undefined, error)) return;
      continue;
    }
    const source = `ClusterRoleBinding "${crb.metadata.name}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, '')}`;
    for (const rule of rules ?? []) if (!visitor(source, rule, undefined)) return;
  }
  if (!namespace) return;
  const bindings = rbac.roleBindings.filter((rb) => (rb.metadata.namespace ?? '') === namespace).sort(byName);
  for (const rb of bindings) {
    const subject = subjectsOf(rb).find((s) => appliesToUser(user, s, namespace));
    if (!subject) continue;
    const ref = roleRefOf(rb);
    const { rules, error } = roleReferenceRules(ref, namespace, rbac);
    if (error !== undefined) {
      if (!visitor(undefined, undefined, error)) return;
      continue;
    }
    const source = `RoleBinding "${rb.metadata.name}/${namespace}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, namespace)}`;
    for (const rule of rules ?? []) if (!visitor(source, rule, undefined)) return;
  }
}

/** utilerrors.NewAggregate(errs).Error(): one message alone, several deduplicated in brackets. */
export function aggregateMessage(errors: string[]): string {
  const seen = [...new Set(errors)];
  if (seen.length === 0) return '';
  if (seen.length === 1) return seen[0]!;
  return `[${seen.join(', ')}]`;
}

/** RBACAuthorizer.Authorize alone: allowed with the binding's reason, or no opinion ("" or the resolution errors). */
export function rbacAuthorize(attrs: RequestAttributes, user: UserInfo, rbac: RbacObjects): Decision {
  let reason = '';
  let allowed = false;
  const errors: string[] = [];
  visitRulesFor(user, attrs.namespace ?? '', rbac, (source, rule, error) => {
    if (rule && ruleAllows(attrs, rule)) {
      allowed = true;
      reason = `RBAC: allowed by ${source}`;
      return false;
    }
    if (error !== undefined) errors.push(error);
    return true;
  });
  if (allowed) return { allowed: true, reason };
  return { allowed: false, reason: errors.length ? `RBAC: ${aggregateMessage(errors)}` : '' };
}

/**
 * kube-apiserver's authorizer chain with `--authorization-mode=Node,RBAC`: the privileged-group
 * authorizer allows system:masters with an empty reason before RBAC is asked; the Node
 * authorizer has no opinion on anyone who is not a node. RBAC never denies, so `denied` is never set.
 */
export function authorize(attrs: RequestAttributes, user: UserInfo, rbac: RbacObjects): Decision {
  if ((user.groups ?? []).includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  return rbacAuthorize(attrs, user, rbac);
}

/**
 * RBACAuthorizer.RulesFor as SelfSubjectRulesReview reports it: every rule of every binding that
 * applies (ClusterRoleBindings, then the namespace's RoleBindings), split into resource and
 * non-resource rules; resolution errors go to evaluationError; incomplete is always false for RBAC.
 */
export function rulesFor(user: UserInfo, namespace: string, rbac: RbacObjects): RulesForResult {
  const resourceRules: ResourceRuleInfo[] = [];
  const nonResourceRules: NonResourceRuleInfo[] = [];
  const errors: string[] = [];
  visitRulesFor(user, namespace, rbac, (_source, rule, error) => {
    if (rule) {
      if (rule.resources && rule.resources.length > 0) {
        const r: ResourceRuleInfo = { verbs: [...(rule.verbs ?? [])] };
        if (rule.apiGroups && rule.apiGroups.length) r.apiGroups = [...rule.apiGroups];
        r.resources = [...rule.resources];
        if (rule.resourceNames && rule.resourceNames.length) r.resourceNames = [...rule.resourceNames];
        resourceRules.push(r);
      }
      if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) {
        nonResourceRules.push({ verbs: [...(rule.verbs ?? [])], nonResourceURLs: [...rule.nonResourceURLs] });
      }
    }
    if (error !== undefined) errors.push(error);
    return true;
  });
  const out: RulesForResult = { resourceRules, nonResourceRules, incomplete: false };
  if (errors.length) out.evaluationError = aggregateMessage(errors);
  return out;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector(...).Matches; an empty selector matches everything. */
function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !vals.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const ruleKey = (r: PolicyRule): string =>
  JSON.stringify([r.verbs ?? [], r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);

/**
 * The ClusterRole aggregation controller (pkg/controller/clusterroleaggregation): a ClusterRole with
 * an aggregationRule gets the rules of every other ClusterRole its selectors match, in name order,
 * without exact duplicates; repeated until nothing changes (edit aggregates view, admin aggregates edit).
 * Returns copies; the input objects are not modified.
 */
export function aggregateClusterRoles(clusterRoles: KubeObject[]): KubeObject[] {
  const out = clusterRoles.map((r) => (r['aggregationRule'] ? { ...r, rules: rulesOf(r) } : r));
  const sorted = [...out].sort(byName);
  for (let round = 0; round < 10; round++) {
    let changed = false;
    for (const role of out) {
      const rule = role['aggregationRule'] as { clusterRoleSelectors?: LabelSelector[] } | undefined;
      if (!rule) continue;
      const selectors = rule.clusterRoleSelectors ?? [];
      const sources = sorted.filter(
        (c) =>
          c.metadata.name !== role.metadata.name &&
          selectors.some((sel) => selectorMatches(sel, c.metadata.labels ?? {})),
      );
      const rules: PolicyRule[] = [];
      const seen = new Set<string>();
      for (const src of sources) {
        for (const r of rulesOf(src)) {
          const k = ruleKey(r);
          if (!seen.has(k)) {
            seen.add(k);
            rules.push(r);
          }
        }
      }
      if (JSON.stringify(rules.map(ruleKey)) !== JSON.stringify(rulesOf(role).map(ruleKey))) {
        role['rules'] = rules;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return out;
}

/** Splits a flat list of objects (a scenario, the store) into the four RBAC kinds, with ClusterRoles aggregated. */
export function rbacObjectsFrom(objects: KubeObject[]): RbacObjects {
  const pick = (kind: string) =>
    objects.filter((o) => o.kind === kind && String(o.apiVersion).startsWith('rbac.authorization.k8s.io/'));
  return {
    roles: pick('Role'),
    roleBindings: pick('RoleBinding'),
    clusterRoles: aggregateClusterRoles(pick('ClusterRole')),
    clusterRoleBindings: pick('ClusterRoleBinding'),
  };
}
