// The granting binding from an access review's reason, e.g.
//   RBAC: allowed by RoleBinding "b/ns" of Role "r" to ServiceAccount "sa/ns"
//   RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to Group "g"
// (kubernetes pkg/registry/rbac/validation/rule.go). Webhook authorizers give other text; we keep it.

export interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  subjectKind: string;
  subject: string;
}

const RE = /allowed by (RoleBinding|ClusterRoleBinding) "([^"]+)" of (Role|ClusterRole) "([^"]+)" to (\w+) "([^"]+)"/;

export function bindingFromReason(reason: string): Binding | undefined {
  const m = RE.exec(reason);
  if (!m) return undefined;
  const kind = m[1] as Binding['kind'];
  let name = m[2];
  let namespace: string | undefined;
  if (kind === 'RoleBinding') {
    const i = name.lastIndexOf('/');
    if (i > 0) {
      namespace = name.slice(i + 1);
      name = name.slice(0, i);
    }
  }
  return {
    kind,
    name,
    ...(namespace ? { namespace } : {}),
    roleKind: m[3] as Binding['roleKind'],
    roleName: m[4],
    subjectKind: m[5],
    subject: m[6],
  };
}

/** Short text for the `via` column: `RoleBinding airflow/pod-launcher (Role pod-launcher-role)`. */
export function viaText(reason: string, allowed: boolean): string {
  if (!allowed) return '';
  const b = bindingFromReason(reason);
  if (b) return `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name} (${b.roleKind} ${b.roleName})`;
  return reason.replace(/^RBAC: /, '');
}
