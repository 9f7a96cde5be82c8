// Least-privilege YAML granting exactly the missing cells to exactly the accounts that miss them:
// one Role + RoleBinding per (account, namespace), or ClusterRole + ClusterRoleBinding when the
// check was cluster-wide. Pure.
import * as YAML from 'yaml';
import type { PolicyRule } from '../airflow/profiles.ts';
import { correctedBinding, ruleGrants, type MisboundSubject } from './remedy.ts';
import { VERB_ORDER } from './required.ts';
import type { DanglingRef } from './hints.ts';
import { byAccountAndNamespace, type Permission } from './types.ts';
import { isClusterWide } from '../airflow/namespaces.ts';
import { byText } from '../base/order.ts';

const LABELS = { 'app.kubernetes.io/managed-by': 'kubectl-airflow' };

/** Missing cells -> rules: resources with the same verbs share a rule; verbs in kubectl order. */
export function rulesFor(cells: Array<Pick<Permission, 'group' | 'resource' | 'subresource' | 'verb'>>): PolicyRule[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const c of cells) {
    const resource = c.subresource ? `${c.resource}/${c.subresource}` : c.resource;
    const k = `${c.group}|${resource}`;
    let e = byResource.get(k);
    if (!e) byResource.set(k, (e = { group: c.group, resource, verbs: new Set() }));
    e.verbs.add(c.verb);
  }
  const order = (v: string) => (VERB_ORDER.indexOf(v) < 0 ? 99 : VERB_ORDER.indexOf(v));
  const merged = new Map<string, PolicyRule>();
  for (const e of [...byResource.values()].sort((a, b) => byText(a.group, b.group) || byText(a.resource, b.resource))) {
    const verbs = [...e.verbs].sort((a, b) => order(a) - order(b) || byText(a, b));
    const k = `${e.group}|${verbs.join(',')}`;
    const r = merged.get(k);
    if (r) r.resources.push(e.resource);
    else merged.set(k, { apiGroups: [e.group], resources: [e.resource], verbs });
  }
  return [...merged.values()];
}

function dns1123(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 253);
}

export interface FixObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string; apiGroup?: string }>;
}

/** Whether correcting a misbound subject grants this cell (its role's rules known, the binding's namespace). */
function correctionGrants(m: MisboundSubject, c: Permission): boolean {
  if (m.account.namespace !== c.account.namespace || m.account.name !== c.account.name || !m.roleRules) return false;
  if (m.binding.metadata.namespace && m.binding.metadata.namespace !== c.namespace) return false;
  return ruleGrants(m.roleRules, c);
}

/** Whether a dangling binding, once its role exists, grants this cell. */
function covers(d: DanglingRef, c: Permission): boolean {
  if (!d.subjects.some((a) => a.namespace === c.account.namespace && a.name === c.account.name)) return false;
  return d.bindingKind === 'ClusterRoleBinding' ? true : c.namespace === d.bindingNamespace;
}

/**
 * The objects that grant what is missing. A cell a dangling binding would grant is fixed by creating
 * the role it references, under that name (one role for all its subjects): no second binding.
 */
export function fixObjects(
  missing: Permission[],
  dangling: DanglingRef[] = [],
  misbound: MisboundSubject[] = [],
): FixObject[] {
  const out: FixObject[] = [];
  const rest: Permission[] = [];
  const byRef = new Map<DanglingRef, Permission[]>();
  const corrected = new Set<MisboundSubject>();
  for (const c of missing) {
    const d = dangling.find((x) => covers(x, c));
    // a subject in the wrong namespace: correcting that binding grants what its role holds, under its own name
    const m = misbound.find((x) => correctionGrants(x, c));
    if (d) (byRef.get(d) ?? byRef.set(d, []).get(d)!).push(c);
    else if (m) corrected.add(m);
    else rest.push(c);
  }
  for (const m of corrected) out.push(correctedBinding(m) as FixObject);
  for (const [d, cells] of byRef) {
    const metadata =
      d.roleKind === 'Role'
        ? { name: d.roleName, namespace: d.bindingNamespace!, labels: LABELS }
        : { name: d.roleName, labels: LABELS };
    out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: d.roleKind, metadata, rules: rulesFor(cells) });
  }
  const sorted = byAccountAndNamespace(rest).sort(
    (a, b) =>
      byText(a.namespace, b.namespace) ||
      byText(a.account.namespace, b.account.namespace) ||
      byText(a.account.name, b.account.name),
  );
  for (const g of sorted) {
    const rules = rulesFor(g.cells);
    const subject = { kind: 'ServiceAccount', name: g.account.name, namespace: g.account.namespace };
    if (isClusterWide(g.namespace)) {
      const name = dns1123(`kubectl-airflow-fix-${g.account.namespace}-${g.account.name}`);
      out.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name, labels: LABELS },
        rules,
      });
      out.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name, labels: LABELS },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [subject],
      });
    } else {
      const suffix = g.account.namespace === g.namespace ? g.account.name : `${g.account.namespace}-${g.account.name}`;
      const name = dns1123(`kubectl-airflow-fix-${suffix}`);
      const metadata = { name, namespace: g.namespace, labels: LABELS };
      out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules });
      out.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { ...metadata },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [subject],
      });
    }
  }
  return out;
}

/** Ready for `kubectl apply -f -`; the comments name what each object fixes. */
export function fixYaml(
  missing: Permission[],
  hints: string[] = [],
  dangling: DanglingRef[] = [],
  misbound: MisboundSubject[] = [],
): string {
  const objs = fixObjects(missing, dangling, misbound);
  if (!objs.length) return '# kubectl-airflow: nothing to fix, every required permission is granted\n';
  const head = [
    '# Generated by kubectl-airflow rbac --fix: grants exactly the missing permissions (least privilege).',
    '# Review, then: kubectl apply -f <this file>',
    ...hints.map((h) => `# Note: ${h}`),
  ].join('\n');
  return head + '\n' + objs.map((o) => '---\n' + compactYaml(o)).join('');
}

/** Lists of plain strings in flow style (`verbs: [get, list]`), as people write RBAC by hand. */
function compactYaml(o: unknown): string {
  const doc = new YAML.Document(o);
  YAML.visit(doc, {
    Seq(_k, node) {
      if (node.items.every((i) => YAML.isScalar(i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
