// What `rbac` checks, decided from plain data: which profiles, which accounts, in which namespaces.
// Pure: the release (when there is one) is loaded by the caller and handed over.
import { launchNamespaces, type AirflowConfig } from '../airflow/airflow-cfg.ts';
import { CLUSTER_WIDE } from '../airflow/namespaces.ts';
import { chooseProfiles, type Profile } from '../airflow/profiles.ts';
import type { Account, ComponentAccount, Release } from '../airflow/release.ts';
import { ClusterError, UsageError } from '../base/errors.ts';
import { componentsToCheck } from './required.ts';

/** With --sa and no --profile: what an Airflow account that launches pods needs. */
export const SA_DEFAULT_PROFILES = ['kubernetes-pod-operator'];

export interface Plan {
  namespace: string;
  release?: Release;
  config?: AirflowConfig;
  profiles: Profile[];
  components: ComponentAccount[];
  namespaces: string[];
  warnings: string[];
}

export interface LoadedReleaseView {
  release: Release;
  config: AirflowConfig;
  warnings: string[];
}

/** "a,b" and repeated flags -> one list, blanks dropped. */
export function splitList(v: readonly string[] | undefined): string[] {
  return (v ?? [])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * With --sa, a release is only context (where Airflow launches pods): when there is none here, or
 * we may not list pods, the given accounts are still checked; unless --release named one.
 */
export function releaseIsOptional(error: unknown, releaseFlag: string | undefined): boolean {
  if (releaseFlag) return false;
  return error instanceof UsageError || (error instanceof ClusterError && error.kind === 'forbidden');
}

/** --sa: the given accounts, against the profiles given (else SA_DEFAULT_PROFILES). */
export function planForAccounts(input: {
  namespace: string;
  accounts: Account[];
  all: Profile[];
  explicit: string[];
  loaded?: LoadedReleaseView;
}): Plan {
  const { namespace, accounts, loaded } = input;
  const profiles = chooseProfiles(input.all, {
    executors: [],
    deployed: [],
    explicit: input.explicit.length ? input.explicit : SA_DEFAULT_PROFILES,
  });
  const namespaces = loaded ? launchNamespaces(loaded.config, namespace) : [...new Set(accounts.map((a) => a.namespace))];
  return {
    namespace,
    release: loaded?.release,
    config: loaded?.config,
    profiles,
    components: accounts.map((account) => ({ component: '*', account, source: '--sa', automount: true })),
    namespaces,
    warnings: loaded?.warnings ?? [],
  };
}

/** The release's own accounts, against the profiles its executors and components call for. */
export function planForRelease(input: { namespace: string; all: Profile[]; explicit: string[]; loaded: LoadedReleaseView }): Plan {
  const { release, config, warnings } = input.loaded;
  const deployed = [...new Set(release.components.map((c) => c.component))];
  const profiles = chooseProfiles(input.all, { executors: config.executors, deployed, explicit: input.explicit });
  const components = componentsToCheck(release.components, profiles);
  return {
    namespace: input.namespace,
    release,
    config,
    profiles,
    components,
    namespaces: launchNamespaces(config, release.namespace),
    warnings,
  };
}

/** The namespaces asked: where Airflow launches pods, and the release's own (shown even when nothing is required there). */
export function namespacesToAsk(p: Pick<Plan, 'namespaces' | 'release'>): string[] {
  return [...new Set([...p.namespaces, ...(p.release ? [p.release.namespace] : [])])];
}

/** The namespaces whose RoleBindings may explain a denial (cluster-wide cells: ClusterRoleBindings only). */
export function bindingNamespaces(namespaces: readonly string[]): string[] {
  return namespaces.filter((n) => n !== CLUSTER_WIDE);
}
