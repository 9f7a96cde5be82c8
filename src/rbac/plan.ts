// What `rbac` checks, decided from plain data: which rows of the requirement model, which accounts,
// in which namespaces. Pure: the release (when there is one) is loaded by the caller and handed over.
import { launchNamespaces, type AirflowConfig } from '../airflow/airflow-cfg.ts';
import { CLUSTER_WIDE } from '../airflow/namespaces.ts';
import type { WorkerAccount } from '../airflow/pod-template.ts';
import { chooseRows, rowComponents, UnknownProfile, type RequirementRow } from '../airflow/requirements.ts';
import type { Account, ComponentAccount, Release } from '../airflow/release.ts';
import type { Versions } from '../airflow/versions.ts';
import { ClusterError, UsageError } from '../base/errors.ts';
import { componentsToCheck } from './required.ts';

/** With --sa and no --profile: what an Airflow account that launches pods needs. */
export const SA_DEFAULT_PROFILES = ['kubernetes-pod-operator'];

export interface Plan {
  namespace: string;
  release?: Release;
  config?: AirflowConfig;
  /** The requirement rows chosen (before the version filter), and their profile names. */
  rows: RequirementRow[];
  profiles: Array<{ name: string }>;
  versions: Versions;
  components: ComponentAccount[];
  /** The account KubernetesExecutor worker pods will run as, and where that was read. */
  worker?: WorkerAccount;
  namespaces: string[];
  warnings: string[];
}

export interface LoadedReleaseView {
  release: Release;
  config: AirflowConfig;
  warnings: string[];
  versions: Versions;
  workerAccount?: WorkerAccount;
}

export const UNKNOWN_VERSIONS: Versions = {
  airflow: { source: 'unknown: no release read; rules for every Airflow version were applied' },
  chart: { source: 'unknown: no release read' },
  provider: { source: 'unknown' },
};

function chosenRows(all: RequirementRow[], input: Parameters<typeof chooseRows>[1]): RequirementRow[] {
  try {
    return chooseRows(all, input);
  } catch (e) {
    if (e instanceof UnknownProfile) throw new UsageError(e.message);
    throw e;
  }
}

const profileNames = (rows: RequirementRow[]) => [...new Set(rows.map((r) => r.profile))].map((name) => ({ name }));

/** The executors that launch worker pods from the pod template. */
export const launchesPods = (executors: string[]) =>
  executors.some((e) => ['KubernetesExecutor', 'CeleryKubernetesExecutor', 'LocalKubernetesExecutor'].includes(e));

/**
 * The accounts that will run Airflow code: the release's components, and the KubernetesExecutor's
 * worker account (pod template or worker_service_account_name) even while no worker pod runs.
 */
export function withWorkerAccount(
  components: ComponentAccount[],
  loaded: Pick<LoadedReleaseView, 'workerAccount' | 'config'>,
): ComponentAccount[] {
  const w = loaded.workerAccount;
  if (!w || !launchesPods(loaded.config.executors)) return components;
  if (
    components.some((c) => c.component === 'worker' && c.account.name === w.name && c.account.namespace === w.namespace)
  )
    return components;
  return [
    ...components,
    {
      component: 'worker',
      account: { namespace: w.namespace, name: w.name },
      source: w.source,
      automount: w.automount ?? true,
    },
  ];
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
  all: RequirementRow[];
  explicit: string[];
  loaded?: LoadedReleaseView;
}): Plan {
  const { namespace, accounts, loaded } = input;
  const rows = chosenRows(input.all, {
    executors: [],
    deployed: [],
    explicit: input.explicit.length ? input.explicit : SA_DEFAULT_PROFILES,
  });
  const namespaces = loaded
    ? launchNamespaces(loaded.config, namespace)
    : [...new Set(accounts.map((a) => a.namespace))];
  return {
    namespace,
    release: loaded?.release,
    config: loaded?.config,
    rows,
    profiles: profileNames(rows),
    versions: loaded?.versions ?? UNKNOWN_VERSIONS,
    components: accounts.map((account) => ({ component: '*', account, source: '--sa', automount: true })),
    namespaces,
    warnings: loaded?.warnings ?? [],
  };
}

/** The release's own accounts (and its worker account), against the rows its executors and components call for. */
export function planForRelease(input: {
  namespace: string;
  all: RequirementRow[];
  explicit: string[];
  loaded: LoadedReleaseView;
}): Plan {
  const { release, config, warnings } = input.loaded;
  const components = withWorkerAccount(release.components, input.loaded);
  const deployed = [...new Set(components.map((c) => c.component))];
  const rows = chosenRows(input.all, { executors: config.executors, deployed, explicit: input.explicit });
  const named = [...new Set(rows.flatMap((r) => rowComponents(r, config.executors)))];
  const worker = launchesPods(config.executors) ? input.loaded.workerAccount : undefined;
  return {
    namespace: input.namespace,
    release,
    config,
    rows,
    profiles: profileNames(rows),
    versions: input.loaded.versions,
    components: componentsToCheck(components, named),
    ...(worker ? { worker } : {}),
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
