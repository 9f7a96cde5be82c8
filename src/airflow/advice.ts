// Section and option names by Airflow version, so advice names only what the detected version reads.
// Pure.
//
// airflow/configuration.py AirflowConfigParser.deprecated_sections = {"kubernetes_executor":
// ("kubernetes", "2.5.0")}: from 2.5.0 the section is [kubernetes_executor] and [kubernetes] still
// resolves with a deprecation warning; before 2.5.0 only [kubernetes] exists, so advising
// [kubernetes_executor] there makes Airflow ignore the setting (namespace falls back to `default`).
import { compareVersions, inRange, parseRange, parseVersion, type Range } from './versions.ts';

const RENAMED_IN: readonly [number, number, number] = [2, 5, 0];

export interface SectionAdvice {
  /** The section to write, e.g. `kubernetes_executor`. */
  section: string;
  /** Its environment variable prefix, e.g. `AIRFLOW__KUBERNETES_EXECUTOR__`. */
  envPrefix: string;
  /** Said when the version is unknown: which section for which version. */
  caveat?: string;
}

/** Where the executor's Kubernetes options go for this Airflow version (unknown: the new name, with both named). */
export function executorSection(airflowVersion: string | undefined): SectionAdvice {
  const v = parseVersion(airflowVersion);
  if (v && compareVersions(v, RENAMED_IN) < 0) return { section: 'kubernetes', envPrefix: 'AIRFLOW__KUBERNETES__' };
  if (v) return { section: 'kubernetes_executor', envPrefix: 'AIRFLOW__KUBERNETES_EXECUTOR__' };
  return {
    section: 'kubernetes_executor',
    envPrefix: 'AIRFLOW__KUBERNETES_EXECUTOR__',
    caveat: 'Airflow version unknown: [kubernetes_executor] from Airflow 2.5, [kubernetes] before',
  };
}

/** `set namespace = X` in the right section for the version, in the words an operator types. */
export function setOptionText(option: string, value: string, airflowVersion: string | undefined): string {
  const s = executorSection(airflowVersion);
  const text = `set ${option} = ${value} in [${s.section}] (${s.envPrefix}${option.toUpperCase()}=${value})`;
  return s.caveat ? `${text}; ${s.caveat}` : text;
}

/**
 * The executor options the plugin reads, with the Airflow versions that read them. Options outside
 * their range are ignored by that Airflow: a value set there changes nothing.
 */
const OPTION_VERSIONS: Record<string, { range: Range; source: string }> = {
  // 1.10's KubeConfig read it; 2.0 replaced it with the pod template (airflow/kubernetes/kube_config.py 2.0 has no such attribute)
  worker_service_account_name: {
    range: parseRange('<2.0.0'),
    source: 'Airflow 1.10 KubeConfig; gone from 2.0 (set serviceAccountName in the pod template)',
  },
  // not verified in code here: the option's arrival in 1.10.11 (UPDATING.md "pod_template_file")
  pod_template_file: { range: parseRange('>=1.10.11'), source: 'read from Airflow 1.10.11' },
  // not verified in code here: the option's arrival in 2.6 (kube_config.py multi_namespace_mode_namespace_list)
  multi_namespace_mode_namespace_list: { range: parseRange('>=2.6.0'), source: 'read from Airflow 2.6' },
};

export interface IgnoredOption {
  option: string;
  why: string;
}

/** Options set that the detected Airflow version does not read; none when the version is unknown. */
export function ignoredOptions(set: string[], airflowVersion: string | undefined): IgnoredOption[] {
  const v = parseVersion(airflowVersion);
  if (!v) return [];
  return set
    .filter((o) => OPTION_VERSIONS[o] && !inRange(v, OPTION_VERSIONS[o].range))
    .map((o) => ({ option: o, why: `Airflow ${airflowVersion} does not read ${o} (${OPTION_VERSIONS[o].source})` }));
}

/** Whether advising the move off the deprecated [kubernetes] section is right: only from 2.5, where both exist. */
export function deprecatedSectionApplies(airflowVersion: string | undefined): boolean | undefined {
  const v = parseVersion(airflowVersion);
  return v ? compareVersions(v, RENAMED_IN) >= 0 : undefined;
}
