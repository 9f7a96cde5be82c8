// Which cells to ask and which of them Airflow needs. Pure.
import type { ComponentAccount } from '../airflow/release.ts';
import type { PolicyRule, Profile } from '../airflow/profiles.ts';
import { UsageError } from '../base/errors.ts';
import { applies, rowComponents, type RequirementRow } from '../airflow/requirements.ts';
import type { Versions } from '../airflow/versions.ts';
import { cellKey, type Account, type Cell, type Level, type RequiredCell } from './types.ts';
import { byText } from '../base/order.ts';

/** kubectl's column order for verbs. */
export const VERB_ORDER = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

export interface ResourceRef {
  group: string;
  resource: string;
  subresource: string;
}

/** "pods", "pods/exec", "jobs.batch", "jobs.batch/status", "deployments.apps" -> group/resource/subresource. */
export function parseResource(s: string): ResourceRef {
  const [main, sub = ''] = s.split('/', 2);
  if (!main || s.split('/').length > 2)
    throw new UsageError(`--resources "${s}": expected RESOURCE[.GROUP][/SUBRESOURCE]`);
  const dot = main.indexOf('.');
  return dot < 0
    ? { group: '', resource: main, subresource: sub }
    : { group: main.slice(dot + 1), resource: main.slice(0, dot), subresource: sub };
}

function expandRule(rule: PolicyRule): Array<ResourceRef & { verb: string }> {
  const out: Array<ResourceRef & { verb: string }> = [];
  for (const group of rule.apiGroups) {
    for (const r of rule.resources) {
      const [resource, subresource = ''] = r.split('/', 2);
      for (const verb of rule.verbs) out.push({ group, resource, subresource, verb });
    }
  }
  return out;
}

/** The Airflow processes whose accounts we always show, even with nothing required (CeleryExecutor's scheduler). */
const AIRFLOW_COMPONENTS = ['scheduler', 'worker', 'triggerer', 'webserver', 'api-server', 'dag-processor'];

/**
 * The release's accounts to check: Airflow's own processes and whatever a chosen profile names,
 * in the order people think of Airflow (scheduler, workers, triggerer, UI, dag processor).
 */
export function componentsToCheck(components: ComponentAccount[], profiles: Profile[] | string[]): ComponentAccount[] {
  const covered = new Set(profiles.flatMap((p) => (typeof p === 'string' ? [p] : p.components)));
  const rank = (c: ComponentAccount) => {
    const i = AIRFLOW_COMPONENTS.indexOf(c.component);
    return i < 0 ? AIRFLOW_COMPONENTS.length : i;
  };
  return components
    .filter((c) => AIRFLOW_COMPONENTS.includes(c.component) || covered.has(c.component))
    .sort((a, b) => rank(a) - rank(b));
}

export interface RequiredInput {
  profiles: Profile[];
  /** Component accounts of the release (or --sa accounts with component '*'). */
  components: ComponentAccount[];
  namespaces: string[];
  /** --resources / --verbs: extra required cells for every account. */
  extraResources?: string[];
  extraVerbs?: string[];
}

/** The required cells: each profile's rules for the accounts of its components, in every launch namespace. */
export function requiredRules(input: RequiredInput): RequiredCell[] {
  const byKey = new Map<string, RequiredCell>();
  const add = (account: Account, namespace: string, ref: ResourceRef & { verb: string }, profile: string) => {
    const cell: Cell = { account, namespace, ...ref };
    const k = cellKey(cell);
    const existing = byKey.get(k);
    if (existing) {
      if (!existing.profiles.includes(profile)) existing.profiles.push(profile);
    } else {
      byKey.set(k, { ...cell, profiles: [profile] });
    }
  };
  const accounts = uniqueAccounts(input.components);
  for (const p of input.profiles) {
    const cells = p.rules.flatMap(expandRule);
    for (const ca of input.components) {
      if (!(p.components.includes(ca.component) || ca.component === '*')) continue;
      for (const ns of input.namespaces) for (const c of cells) add(ca.account, ns, c, p.name);
    }
  }
  const extraRes = (input.extraResources ?? []).map(parseResource);
  const extraVerbs = input.extraVerbs ?? [];
  if (extraRes.length || extraVerbs.length) {
    const profileRes = uniqueRefs(input.profiles.flatMap((p) => p.rules.flatMap(expandRule)));
    const profileVerbs = [...new Set(input.profiles.flatMap((p) => p.rules.flatMap((r) => r.verbs)))];
    const res = extraRes.length ? extraRes : profileRes;
    const verbs = extraVerbs.length ? extraVerbs : profileVerbs.length ? profileVerbs : ['get', 'list', 'watch'];
    for (const a of accounts)
      for (const ns of input.namespaces)
        for (const r of res) for (const verb of verbs) add(a, ns, { ...r, verb }, 'extra');
  }
  return [...byKey.values()];
}

function uniqueRefs(refs: ResourceRef[]): ResourceRef[] {
  const m = new Map<string, ResourceRef>();
  for (const r of refs)
    m.set(`${r.group}|${r.resource}|${r.subresource}`, {
      group: r.group,
      resource: r.resource,
      subresource: r.subresource,
    });
  return [...m.values()];
}

export function uniqueAccounts(components: ComponentAccount[]): Account[] {
  const m = new Map<string, Account>();
  for (const c of components) m.set(`${c.account.namespace}/${c.account.name}`, c.account);
  return [...m.values()];
}

export interface LayoutRow extends ResourceRef {
  /** The verbs asked for this resource: every verb any account needs on it. */
  verbs: string[];
}

export interface Layout {
  rows: LayoutRow[];
  /** Table columns: the union of the rows' verbs, in kubectl order. */
  verbs: string[];
}

function verbSort(verbs: Iterable<string>): string[] {
  const set = new Set(verbs);
  return [...VERB_ORDER.filter((v) => set.has(v)), ...[...set].filter((v) => !VERB_ORDER.includes(v)).sort()];
}

/**
 * One layout for every block, so blocks compare at a glance: each resource any account needs, with
 * the verbs any account needs on it (an account that needs nothing there is still asked, and shows
 * what it may do beyond its needs).
 */
export function matrixLayout(required: RequiredCell[]): Layout {
  const rows = new Map<string, LayoutRow & { set: Set<string> }>();
  for (const c of required) {
    const k = `${c.group}|${c.resource}|${c.subresource}`;
    let r = rows.get(k);
    if (!r)
      rows.set(
        k,
        (r = { group: c.group, resource: c.resource, subresource: c.subresource, verbs: [], set: new Set() }),
      );
    r.set.add(c.verb);
  }
  const ordered = [...rows.values()]
    .sort((a, b) => byText(a.group, b.group) || byText(a.resource, b.resource) || byText(a.subresource, b.subresource))
    .map(({ set, ...r }) => ({ ...r, verbs: verbSort(set) }));
  return { rows: ordered, verbs: verbSort(required.map((c) => c.verb)) };
}

/** Every cell to ask: each account x namespace x row x the row's verbs. */
export function cellsToAsk(accounts: Account[], namespaces: string[], layout: Layout): Cell[] {
  const out: Cell[] = [];
  for (const account of accounts) {
    for (const namespace of namespaces) {
      for (const r of layout.rows)
        for (const verb of r.verbs)
          out.push({ account, namespace, group: r.group, resource: r.resource, subresource: r.subresource, verb });
    }
  }
  return out;
}

const LEVEL_RANK: Record<Level, number> = { required: 3, feature: 2, unused: 1 };

export interface ModelInput {
  /** Rows chosen by executor and deployment (chooseRows), or by --profile. */
  rows: RequirementRow[];
  executors: string[];
  versions: Pick<Versions, 'airflow' | 'provider'>;
  /** Component accounts of the release (or --sa accounts with component '*'). */
  components: ComponentAccount[];
  namespaces: string[];
  extraResources?: string[];
  extraVerbs?: string[];
}

export interface ModelResult {
  cells: RequiredCell[];
  /** Rows left out because the detected version does not make the call. */
  skipped: Array<{ row: string; why: string }>;
}

/**
 * The cells Airflow needs, by the requirement model: each applicable row's rules for the accounts of
 * its components, in every launch namespace. A cell several rows name keeps the highest level (a
 * required call beats a feature's, a feature's beats "unused"); a required row the unknown version
 * may not make is marked `maybe` (a WARN saying what would decide it).
 */
export function modelRequired(input: ModelInput): ModelResult {
  const byKey = new Map<string, RequiredCell>();
  const skipped: ModelResult['skipped'] = [];
  const add = (
    account: Account,
    namespace: string,
    ref: ResourceRef & { verb: string },
    row: RequirementRow,
    maybe?: string,
  ) => {
    const cell: Cell = { account, namespace, ...ref };
    const k = cellKey(cell);
    const e = byKey.get(k);
    const level = row.level;
    if (!e) {
      byKey.set(k, {
        ...cell,
        profiles: [row.profile],
        level,
        ...(maybe ? { maybe } : {}),
        features: [row.feature],
        rows: [row.id],
      });
      return;
    }
    if (!e.profiles.includes(row.profile)) e.profiles.push(row.profile);
    if (!e.rows!.includes(row.id)) e.rows!.push(row.id);
    const rank = (l: Level, m?: string) => LEVEL_RANK[l] * 2 - (m ? 1 : 0);
    if (rank(level, maybe) > rank(e.level!, e.maybe)) {
      e.level = level;
      if (maybe) e.maybe = maybe;
      else delete e.maybe;
      e.features = [row.feature];
    } else if (level === e.level && !e.features!.includes(row.feature)) e.features!.push(row.feature);
  };
  for (const row of input.rows) {
    const a = applies(row, input.versions);
    if (a.applies === 'no') {
      skipped.push({ row: row.id, why: a.why });
      continue;
    }
    const maybe = a.applies === 'maybe' && row.level === 'required' ? a.why : undefined;
    const comps = rowComponents(row, input.executors);
    const cells = row.rules.flatMap(expandRule);
    for (const ca of input.components) {
      if (!(comps.includes(ca.component) || ca.component === '*')) continue;
      for (const ns of input.namespaces) for (const c of cells) add(ca.account, ns, c, row, maybe);
    }
  }
  const extraRes = (input.extraResources ?? []).map(parseResource);
  const extraVerbs = input.extraVerbs ?? [];
  if (extraRes.length || extraVerbs.length) {
    const rowRes = uniqueRefs(input.rows.flatMap((r) => r.rules.flatMap(expandRule)));
    const rowVerbs = [...new Set(input.rows.flatMap((r) => r.rules.flatMap((x) => x.verbs)))];
    const res = extraRes.length ? extraRes : rowRes;
    const verbs = extraVerbs.length ? extraVerbs : rowVerbs.length ? rowVerbs : ['get', 'list', 'watch'];
    for (const acct of uniqueAccounts(input.components)) {
      for (const ns of input.namespaces) {
        for (const r of res) {
          for (const verb of verbs) {
            const cell: Cell = { account: acct, namespace: ns, ...r, verb };
            const e = byKey.get(cellKey(cell));
            if (e) {
              e.level = 'required';
              delete e.maybe;
              if (!e.profiles.includes('extra')) e.profiles.push('extra');
            } else
              byKey.set(cellKey(cell), {
                ...cell,
                profiles: ['extra'],
                level: 'required',
                features: ['asked with --resources/--verbs'],
              });
          }
        }
      }
    }
  }
  return { cells: [...byKey.values()], skipped };
}
