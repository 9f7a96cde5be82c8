// The remedy net shows for a denied required permission: the bindings are read (best effort) so a
// subject in the wrong namespace gets the same remedy rbac and doctor give for that cause.
import type { PolicyRule } from '../airflow/profiles.ts';
import type { Connection } from '../kube/connection.ts';
import { fetched } from '../kube/fetched.ts';
import { listObjects } from '../kube/reads.ts';
import { deniedRemedy, misboundSubjects, type BindingObject } from '../rbac/remedy.ts';
import type { ProbeDoc } from './model.ts';
import type { NetOptions } from './run.ts';
import { accessKey, type Requirement } from './plan.ts';

/**
 * The remedy for a required permission the pod's token was denied: read the bindings (best effort)
 * so a subject in the wrong namespace gets the same remedy `rbac` and `doctor` give for that cause.
 */
export async function deniedAccessRemedy(
  conn: Connection,
  doc: ProbeDoc,
  required: Requirement,
  account: { namespace: string; name: string },
  opts: NetOptions,
): Promise<string | undefined> {
  const direct = Array.isArray(doc.access) ? doc.access : [];
  const viaPaths = Array.isArray(doc.paths) ? doc.paths.flatMap((p) => p.access ?? []) : [];
  const denied = [...direct, ...viaPaths].some((a) => a.allowed === false && !required.optional[accessKey(a)]);
  if (!denied) return undefined;
  const list = async <T>(resource: 'rolebindings' | 'clusterrolebindings' | 'roles' | 'clusterroles', ns?: string) => {
    const f = await fetched(listObjects<T>(conn, resource, { namespace: ns }));
    if (!f.ok) opts.debug?.(1, `cannot list ${resource}${ns ? ` in ${ns}` : ''} for the remedy: ${f.message}`);
    return f.ok ? f.value : [];
  };
  const nss = [...new Set([...required.namespaces.filter((n) => n !== ''), account.namespace])];
  type Role = { metadata: { name: string }; rules?: PolicyRule[] | null };
  const [rbs, crbs, roles, clusterRoles] = await Promise.all([
    Promise.all(nss.map((n) => list<BindingObject>('rolebindings', n))),
    list<BindingObject>('clusterrolebindings'),
    Promise.all(nss.map((n) => list<Role>('roles', n))),
    list<Role>('clusterroles'),
  ]);
  const bindings = [
    ...rbs.flat().map((b) => ({ ...b, kind: 'RoleBinding' })),
    ...crbs.map((b) => ({ ...b, kind: 'ClusterRoleBinding' })),
  ];
  const rulesOf = (kind: string, name: string, ns?: string) => {
    const found = (kind === 'ClusterRole' ? clusterRoles : (roles[nss.indexOf(ns ?? '')] ?? [])).find(
      (r) => r.metadata.name === name,
    );
    return found ? (found.rules ?? []) : undefined;
  };
  const misbound = misboundSubjects(bindings, [account], rulesOf);
  return deniedRemedy(account, required.namespaces, required.profiles, misbound);
}
