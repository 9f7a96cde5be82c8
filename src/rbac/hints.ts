// Root causes we can see, beyond "a rule is missing". Pure; each hint names what to change.
import type { ComponentAccount } from '../airflow/release.ts';
import { username, type Account, type Permission } from './types.ts';
import { isClusterWide } from '../airflow/namespaces.ts';
import { misboundRemedy, misboundSubjects, type MisboundSubject } from './remedy.ts';

export interface BindingLike {
  kind?: string;
  metadata: { name: string; namespace?: string };
  roleRef: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

export interface Hint {
  kind:
    | 'bound-in-other-namespace'
    | 'runs-as-default'
    | 'automount-off'
    | 'exec-get-only'
    | 'account-missing'
    | 'dangling-role-ref'
    | 'launch-namespace';
  account?: string;
  message: string;
}

export interface HintInput {
  permissions: Permission[];
  components: ComponentAccount[];
  /** RoleBindings/ClusterRoleBindings we could read (empty when we may not list them). */
  bindings: BindingLike[];
  /** Bindings of a failing account whose roleRef names a role that does not exist (danglingRefs). */
  dangling?: DanglingRef[];
  /** The executor launches pods outside the release's namespace (clients.ts launchNamespaceFinding): the cause, said once. */
  launch?: { namespace: string; message: string; remedy: string };
  /** Bindings naming a failing account in another namespace (misboundSubjects), with their roles' rules. */
  misbound?: MisboundSubject[];
}

/** A binding whose roleRef names a Role (in the binding's namespace) or ClusterRole that does not exist. */
export interface DanglingRef {
  bindingKind: 'RoleBinding' | 'ClusterRoleBinding';
  bindingName: string;
  bindingNamespace?: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  /** The checked accounts it binds. */
  subjects: Account[];
}

/** A binding subject as the API server matches it: a ServiceAccount subject without namespace means the binding's. */
export function bindsAccount(b: BindingLike, a: Account): boolean {
  return (b.subjects ?? []).some(
    (s) => s.kind === 'ServiceAccount' && s.name === a.name && (s.namespace || b.metadata.namespace) === a.namespace,
  );
}

/**
 * The roleRefs to look up: bindings of the failing accounts. `exists` answers from the roles the
 * command could read (undefined: unknown, then no claim is made). Pure.
 */
export function danglingRefs(
  bindings: BindingLike[],
  accounts: Account[],
  exists: (kind: string, name: string, namespace?: string) => boolean | undefined,
): DanglingRef[] {
  const out: DanglingRef[] = [];
  for (const b of bindings) {
    const subjects = accounts.filter((a) => bindsAccount(b, a));
    if (!subjects.length) continue;
    const kind = b.kind === 'ClusterRoleBinding' ? 'ClusterRoleBinding' : 'RoleBinding';
    const roleKind = b.roleRef.kind === 'ClusterRole' ? 'ClusterRole' : 'Role';
    const ns = kind === 'RoleBinding' ? b.metadata.namespace : undefined;
    if (exists(roleKind, b.roleRef.name, roleKind === 'Role' ? ns : undefined) !== false) continue;
    out.push({
      bindingKind: kind,
      bindingName: b.metadata.name,
      ...(ns ? { bindingNamespace: ns } : {}),
      roleKind,
      roleName: b.roleRef.name,
      subjects,
    });
  }
  return out;
}

/** The one text for a dangling roleRef, wherever it is shown (rbac, net, doctor). */
export function danglingRemedy(d: DanglingRef): string {
  const binding = d.bindingNamespace
    ? `${d.bindingKind} ${d.bindingNamespace}/${d.bindingName}`
    : `${d.bindingKind} ${d.bindingName}`;
  const role =
    d.roleKind === 'Role'
      ? `Role "${d.roleName}", which does not exist in namespace ${d.bindingNamespace}`
      : `ClusterRole "${d.roleName}", which does not exist`;
  return `${binding} binds ${d.subjects.map((a) => `${a.namespace}/${a.name}`).join(', ')} to ${role}: create that ${d.roleKind} (kubectl airflow rbac --fix prints it under that name; the binding stays as it is)`;
}

const sameAccount = (a: Account, b: Account) => a.namespace === b.namespace && a.name === b.name;

export function rootCauseHints({
  permissions,
  components,
  bindings,
  dangling = [],
  launch,
  misbound,
}: HintInput): Hint[] {
  const hints: Hint[] = [];
  // Accounts in the wrong namespace because the executor launches there: that setting is the cause, not the bindings.
  if (launch) hints.push({ kind: 'launch-namespace', message: `${launch.message}: ${launch.remedy}` });
  // The cause before its symptoms: every cell such a binding should grant shows NO.
  for (const d of dangling)
    hints.push({ kind: 'dangling-role-ref', account: d.subjects.map(username).join(', '), message: danglingRemedy(d) });
  const missing = permissions.filter((c) => c.required && !c.allowed);
  const missingAccounts = uniq(missing.map((c) => c.account));

  // A binding names the account's name but another namespace (a values file copied from staging).
  const accounts = missingAccounts.filter((a) => !(launch && a.namespace === launch.namespace));
  for (const m of misbound ?? misboundSubjects(bindings, accounts)) {
    if (!accounts.some((a) => sameAccount(a, m.account))) continue;
    hints.push({ kind: 'bound-in-other-namespace', account: username(m.account), message: misboundRemedy(m) });
  }

  for (const c of components) {
    const acct = username(c.account);
    if (c.account.name === 'default' && c.component !== '*') {
      hints.push({
        kind: 'runs-as-default',
        account: acct,
        message: `the ${c.component} pods run as ServiceAccount "default" (${c.source}): the chart's bindings name its own account; set ${c.component}.serviceAccount.create=true or serviceAccountName`,
      });
    }
    if (!c.automount) {
      hints.push({
        kind: 'automount-off',
        account: acct,
        message: `automountServiceAccountToken is false for the ${c.component} pods (${c.automountSource ?? 'pod'}): with in_cluster=True Airflow fails with "Service token file does not exist" whatever RBAC allows`,
      });
    }
    if (c.exists === false) {
      hints.push({
        kind: 'account-missing',
        account: acct,
        message: `ServiceAccount ${c.account.namespace}/${c.account.name} (used by the ${c.component} pods) does not exist`,
      });
    }
  }

  // pods/exec allowed as get only: WebSocket exec (kubectl >= 1.30, the Python client) is a GET, but
  // SPDY clients POST (create) and Kubernetes 1.35 also checks create for WebSocket upgrades.
  const byKey = new Map(
    permissions.map((c) => [
      `${username(c.account)}|${c.namespace}|${c.group}|${c.resource}/${c.subresource}|${c.verb}`,
      c,
    ]),
  );
  for (const c of permissions) {
    if (c.resource !== 'pods' || c.subresource !== 'exec' || c.verb !== 'get' || !c.allowed) continue;
    const create = byKey.get(`${username(c.account)}|${c.namespace}|${c.group}|pods/exec|create`);
    if (create && !create.allowed && create.required) {
      hints.push({
        kind: 'exec-get-only',
        account: username(c.account),
        message: `${username(c.account)} may exec into pods in ${isClusterWide(c.namespace) ? 'all namespaces' : c.namespace} only as "get": add "create" on pods/exec (SPDY exec and Kubernetes 1.35 WebSocket exec need it)`,
      });
    }
  }
  return dedupe(hints);
}

function uniq(accounts: Account[]): Account[] {
  const out: Account[] = [];
  for (const a of accounts) if (!out.some((b) => sameAccount(a, b))) out.push(a);
  return out;
}

function dedupe(h: Hint[]): Hint[] {
  const seen = new Set<string>();
  return h.filter((x) => !seen.has(x.message) && !!seen.add(x.message));
}
