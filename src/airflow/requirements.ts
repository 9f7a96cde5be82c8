// The requirement model (requirements.yaml, embedded in the bundle): what each Airflow component asks
// of the API server, at which level, from which code, in which versions; and which rows apply to a
// release. Pure apart from reading the embedded file.
import { readFileSync } from 'node:fs';
import * as YAML from 'yaml';
import type { PolicyRule } from './profiles.ts';
import { inRange, parseRange, parseVersion, rangeText, type Range, type Versions } from './versions.ts';

export type Level = 'required' | 'feature' | 'unused';
export const LEVELS: readonly Level[] = ['required', 'feature', 'unused'];

export interface Citation {
  repo: string;
  path: string;
  function: string;
  versions: string;
}

export interface RequirementRow {
  id: string;
  profile: string;
  /** scheduler, worker, triggerer, webserver, api-server, cleanup, or `task` (wherever tasks run). */
  component: string;
  level: Level;
  feature: string;
  when: { executors?: string[]; deployed?: string[]; explicit?: boolean };
  rules: PolicyRule[];
  calls: string[];
  code: Citation[];
  airflow: string;
  provider: string;
  verified: string;
  airflowRange: Range;
  providerRange: Range;
}

const str = (v: unknown) => typeof v === 'string' && v.trim() !== '';

/** Every row checked: a row without its citation, version ranges or rules is refused, naming the field. */
export function parseRequirements(text: string): RequirementRow[] {
  return requirementRows(YAML.parse(text));
}

/** The same checks over the parsed document (the bundle embeds it parsed at build time). */
export function requirementRows(parsed: unknown): RequirementRow[] {
  const doc = parsed as { rows?: unknown[] };
  if (!Array.isArray(doc?.rows)) throw new Error('requirements: no `rows` list');
  const ids = new Set<string>();
  return doc.rows.map((raw, i) => {
    const r = raw as Record<string, unknown>;
    const where = `requirements row ${str(r.id) ? `"${r.id}"` : i + 1}`;
    const need = (field: string, ok: boolean) => {
      if (!ok) throw new Error(`${where}: ${field} missing or invalid`);
    };
    need('id', str(r.id));
    need('id (unique)', !ids.has(r.id as string));
    ids.add(r.id as string);
    need('profile', str(r.profile));
    need('component', str(r.component));
    need('level', LEVELS.includes(r.level as Level));
    need('feature', str(r.feature));
    need('when', typeof r.when === 'object' && r.when !== null);
    const rules = r.rules as PolicyRule[];
    need(
      'rules',
      Array.isArray(rules) &&
        rules.length > 0 &&
        rules.every((x) => Array.isArray(x.apiGroups) && x.resources?.length > 0 && x.verbs?.length > 0),
    );
    need('calls', Array.isArray(r.calls) && (r.level === 'unused' || (r.calls as unknown[]).length > 0));
    const code = r.code as Citation[];
    need(
      'code (citation: repo, path, function, versions)',
      Array.isArray(code) &&
        code.length > 0 &&
        code.every((c) => str(c.repo) && str(c.path) && str(c.function) && str(c.versions)),
    );
    need('airflow (version range)', str(r.airflow));
    need('provider (version range)', str(r.provider));
    need('verified', str(r.verified));
    let airflowRange: Range;
    let providerRange: Range;
    try {
      airflowRange = parseRange(r.airflow as string);
      providerRange = parseRange(r.provider as string);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    return { ...(r as unknown as RequirementRow), airflowRange, providerRange };
  });
}

// Defined by scripts/build.ts: requirements.yaml already parsed, so the executable spends no start
// time in the YAML parser. Unbundled (tests, node src/...), the file is read and parsed.
declare const __KA_REQUIREMENTS__: unknown;

let cached: RequirementRow[] | undefined;
export function builtinRequirements(): RequirementRow[] {
  cached ??=
    typeof __KA_REQUIREMENTS__ !== 'undefined'
      ? requirementRows(__KA_REQUIREMENTS__)
      : parseRequirements(readFileSync(new URL('./requirements.yaml', import.meta.url), 'utf8'));
  return cached;
}

/** Executors under which tasks (and so the KubernetesPodOperator) run inside the scheduler. */
const IN_SCHEDULER = ['LocalExecutor', 'SequentialExecutor', 'LocalKubernetesExecutor', 'DebugExecutor'];
/** ... and in worker processes or pods. */
const IN_WORKERS = [
  'CeleryExecutor',
  'KubernetesExecutor',
  'CeleryKubernetesExecutor',
  'LocalKubernetesExecutor',
  'EdgeExecutor',
];

/** Where tasks run: the components a `task` row stands for. Unknown executors: the workers. */
export function taskComponents(executors: string[]): string[] {
  const out: string[] = [];
  if (executors.some((e) => IN_SCHEDULER.includes(e))) out.push('scheduler');
  if (executors.some((e) => IN_WORKERS.includes(e)) || !out.length) out.push('worker');
  return out;
}

export function rowComponents(row: RequirementRow, executors: string[]): string[] {
  return row.component === 'task' ? taskComponents(executors) : [row.component];
}

export type Applies = 'yes' | 'no' | 'maybe';

/**
 * Whether a row's call exists in the detected versions. An unknown Airflow version: a row whose
 * range covers every supported version (from 1.10) applies, any other "maybe" (said, never failed).
 * The provider is rarely visible: unknown, its range is not held against the row, as the Airflow
 * range already carries the provider's own Airflow floor.
 */
export function applies(
  row: RequirementRow,
  v: Pick<Versions, 'airflow' | 'provider'>,
): { applies: Applies; why: string } {
  const af = parseVersion(v.airflow.value);
  const pv = parseVersion(v.provider.value);
  const ar = row.airflowRange;
  if (af && !inRange(af, ar))
    return { applies: 'no', why: `not in Airflow ${v.airflow.value} (the call exists in Airflow ${rangeText(ar)})` };
  if (pv && !inRange(pv, row.providerRange))
    return {
      applies: 'no',
      why: `not in cncf.kubernetes provider ${v.provider.value} (the call exists in ${rangeText(row.providerRange)})`,
    };
  if (!af) {
    const always = !ar.max && (!ar.min || (ar.min[0] === 1 && ar.min[1] <= 10) || ar.min[0] < 1);
    if (!always)
      return {
        applies: 'maybe',
        why: `the Airflow version is unknown and the call exists only in Airflow ${rangeText(ar)}: the image tag or AIRFLOW_VERSION would decide it`,
      };
  }
  return { applies: 'yes', why: af ? `Airflow ${v.airflow.value} makes this call` : 'made by every Airflow version' };
}

export interface ChoiceInput {
  executors: string[];
  /** Components with a pod, workload or labelled ServiceAccount in the release. */
  deployed: string[];
  /** --profile values: exactly the rows of these profiles (version filter still applies). */
  explicit?: string[];
}

/** The rows chosen by executor and deployment (or --profile), before the version filter. */
export function chooseRows(rows: RequirementRow[], input: ChoiceInput): RequirementRow[] {
  if (input.explicit?.length) {
    const known = [...new Set(rows.map((r) => r.profile))];
    for (const p of input.explicit) if (!known.includes(p)) throw new UnknownProfile(p, known);
    return rows.filter((r) => input.explicit!.includes(r.profile));
  }
  return rows.filter((r) => {
    if (r.when.explicit) return false;
    const byExecutor = (r.when.executors ?? []).some((e) => input.executors.includes(e));
    const byDeployment = (r.when.deployed ?? []).some((c) => input.deployed.includes(c));
    return byExecutor || byDeployment;
  });
}

export class UnknownProfile extends Error {
  readonly profile: string;
  readonly known: string[];
  constructor(profile: string, known: string[]) {
    super(`unknown profile "${profile}": choose from ${known.join(', ')}`);
    this.profile = profile;
    this.known = known;
  }
}

/** The first citation, as one line for people: `apache/airflow airflow/executors/kubernetes_executor.py KubernetesJobWatcher._pod_events`. */
export function citationText(row: RequirementRow): string {
  const c = row.code[0];
  return `${c.repo} ${c.path} ${c.function}`;
}
