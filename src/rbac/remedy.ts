// One remedy per cause, the same text wherever the cause is shown (rbac, net, doctor). Pure.
import type { PolicyRule } from '../airflow/profiles.ts';
import type { Account } from './types.ts';

/** Enough of a RoleBinding or ClusterRoleBinding to correct it and apply it back. */
export interface BindingObject {
  kind?: string;
  metadata: { name: string; namespace?: string };
  roleRef: { apiGroup?: string; kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string; apiGroup?: string }>;
}

/** A binding that names the account's ServiceAccount, but in another namespace (a values file copied from staging). */
export interface MisboundSubject {
  binding: BindingObject;
  account: Account;
  /** The namespace the subject names instead. */
  subjectNamespace: string;
  /** The rules of the role it references, where they could be read: what correcting the subject grants. */
  roleRules?: PolicyRule[];
}

const bindingName = (b: BindingObject) =>
  b.metadata.namespace
    ? `${b.kind ?? 'RoleBinding'} ${b.metadata.namespace}/${b.metadata.name}`
    : `${b.kind ?? 'ClusterRoleBinding'} ${b.metadata.name}`;

/** Every binding naming the account's name in another namespace. */
export function misboundSubjects(
  bindings: BindingObject[],
  accounts: Account[],
  roleRules: (kind: string, name: string, namespace?: string) => PolicyRule[] | undefined = () => undefined,
): MisboundSubject[] {
  const out: MisboundSubject[] = [];
  for (const a of accounts) {
    for (const b of bindings) {
      // a binding that also names the right subject needs no correction
      const names = (s: { kind: string; name: string; namespace?: string }) =>
        s.kind === 'ServiceAccount' && s.name === a.name;
      const subjectNs = (s: { namespace?: string }) => s.namespace || b.metadata.namespace || '';
      const subjects = (b.subjects ?? []).filter(names);
      if (!subjects.length || subjects.some((s) => subjectNs(s) === a.namespace)) continue;
      const rules = roleRules(
        b.roleRef.kind,
        b.roleRef.name,
        b.roleRef.kind === 'Role' ? b.metadata.namespace : undefined,
      );
      out.push({
        binding: b,
        account: a,
        subjectNamespace: subjectNs(subjects[0]),
        ...(rules ? { roleRules: rules } : {}),
      });
    }
  }
  return out;
}

/** The fix of a subject in the wrong namespace: that binding, corrected; `rbac --fix` prints it under its own name. */
export function misboundRemedy(m: MisboundSubject): string {
  return `${bindingName(m.binding)} binds ServiceAccount "${m.account.name}" in namespace "${m.subjectNamespace}", but Airflow runs as ${m.account.namespace}/${m.account.name}: set the subject's namespace to "${m.account.namespace}" (kubectl airflow rbac --fix prints the corrected ${m.binding.kind ?? 'RoleBinding'})`;
}

/** The binding with the account's subject moved to the account's namespace, ready for kubectl apply. */
export function correctedBinding(m: MisboundSubject): BindingObject & { apiVersion: string } {
  const b = m.binding;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: b.kind ?? 'RoleBinding',
    metadata: { name: b.metadata.name, ...(b.metadata.namespace ? { namespace: b.metadata.namespace } : {}) },
    roleRef: {
      apiGroup: b.roleRef.apiGroup ?? 'rbac.authorization.k8s.io',
      kind: b.roleRef.kind,
      name: b.roleRef.name,
    },
    subjects: (b.subjects ?? []).map((s) =>
      s.kind === 'ServiceAccount' &&
      s.name === m.account.name &&
      (s.namespace || b.metadata.namespace) === m.subjectNamespace
        ? { ...s, namespace: m.account.namespace }
        : s,
    ),
  };
}

/** Whether a rule grants the cell (RBAC's rule matching, with `*`: apiserver's rbac/v1 helpers VerbMatches, ResourceMatches). */
export function ruleGrants(
  rules: PolicyRule[],
  c: { group: string; resource: string; subresource: string; verb: string },
): boolean {
  const res = c.subresource ? `${c.resource}/${c.subresource}` : c.resource;
  return rules.some(
    (r) =>
      (r.apiGroups.includes('*') || r.apiGroups.includes(c.group)) &&
      (r.resources.includes('*') ||
        r.resources.includes(res) ||
        (c.subresource !== '' && r.resources.includes(`*/${c.subresource}`))) &&
      (r.verbs.includes('*') || r.verbs.includes(c.verb)),
  );
}

/** The fix of permissions nobody grants the account: the least-privilege Role and RoleBinding, applied as printed. */
export function grantRemedy(account: Account, namespaces: string[], profiles: string[] = []): string {
  const where = namespaces.map((n) => (n === '' || n === '*' ? 'all namespaces' : n)).join(', ');
  const p = profiles.map((x) => ` --profile ${x}`).join('');
  return `grant ServiceAccount ${account.namespace}/${account.name} the missing permissions in ${where}: kubectl airflow rbac -n ${account.namespace} --sa ${account.namespace}:${account.name}${p} --fix | kubectl apply -f -`;
}

/** The remedy for an account denied what it needs: its own cause when a binding shows one, else the grant. */
export function deniedRemedy(
  account: Account,
  namespaces: string[],
  profiles: string[],
  misbound: MisboundSubject[],
): string {
  const m = misbound.find((x) => x.account.namespace === account.namespace && x.account.name === account.name);
  return m ? misboundRemedy(m) : grantRemedy(account, namespaces, profiles);
}

/**
 * One remedy per account denied a required permission: its own cause when a hint names the account
 * (a binding to correct, a role to create), else the grant. Cells are the denied required ones.
 */
export function accountRemedies(
  missing: Array<{ account: Account; namespace: string; profiles: string[] }>,
  hintFor: (account: Account) => string | undefined,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const c of missing) {
    const key = `${c.account.namespace}/${c.account.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const mine = missing.filter(
      (x) => x.account.namespace === c.account.namespace && x.account.name === c.account.name,
    );
    const text =
      hintFor(c.account) ??
      grantRemedy(
        c.account,
        [...new Set(mine.map((x) => x.namespace))],
        [...new Set(mine.flatMap((x) => x.profiles))].filter((p) => p !== 'extra'),
      );
    if (!out.includes(text)) out.push(text);
  }
  return out;
}
