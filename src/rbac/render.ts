// People's view of the permissions: one matrix per ServiceAccount and namespace. Pure (returns text).
import { accountRemedies } from './remedy.ts';
import type { Palette } from '../render/colour.ts';
import { renderTable } from '../render/table.ts';
import type { ComponentAccount } from '../airflow/release.ts';
import type { Hint } from './hints.ts';
import type { Summary } from './matrix.ts';
import type { Layout } from './required.ts';
import { resourceLabel, username, type Permission } from './types.ts';
import { isClusterWide } from '../airflow/namespaces.ts';

export interface MatrixView {
  permissions: Permission[];
  layout: Layout;
  components: ComponentAccount[];
  summary: Summary;
  hints: Hint[];
  wide: boolean;
  colour: Palette;
  header: string[];
  /** The closing line pointing to --fix (left out when the fix is printed). */
  fixFooter?: boolean;
  /** Rows the detected versions do not make. */
  skipped?: Array<{ row: string; why: string }>;
}

/** Needed by Airflow at some level that is checked (required, feature, or required-maybe). */
const needed = (c: Permission) => c.required || c.level === 'feature' || (c.level === 'required' && !!c.maybe);

function cellText(c: Permission | undefined, p: Palette): string {
  if (!c) return '';
  if (c.required) return c.allowed ? p.green('yes') : p.bold(p.red('NO'));
  if (needed(c)) return c.allowed ? p.green('yes') : p.yellow('no');
  return c.allowed ? p.yellow('(yes)') : p.dim('-');
}

const LEVEL_TEXT = (c: Permission) => (c.required ? 'required' : c.maybe ? 'required?' : (c.level ?? ''));

/** The hint that names the account's own cause (a binding to correct, a role to create), if any. */
function ownCause(hints: Hint[], a: { namespace: string; name: string }): string | undefined {
  const who = username(a);
  return hints.find(
    (h) =>
      (h.kind === 'bound-in-other-namespace' || h.kind === 'dangling-role-ref') && h.account?.split(', ').includes(who),
  )?.message;
}

/** The verdict of an account nothing is required of: what it was checked for, and whether it holds any of it anyway. */
function nothingRequired(cells: Permission[], granted: number, wide: boolean): string {
  if (wide) return 'nothing required';
  const what = `${[...new Set(cells.map(resourceLabel))].join(', ')} (${cells.length} permission${cells.length === 1 ? '' : 's'})`;
  return granted
    ? `nothing required; checked for ${what}: ${granted} granted anyway, marked (yes)`
    : `nothing required; checked for ${what}: none granted (-o wide shows the table)`;
}

export function renderMatrix(v: MatrixView): string {
  const p = v.colour;
  const out: string[] = [...v.header, ''];
  const blocks = new Map<string, Permission[]>();
  for (const c of v.permissions) {
    const k = `${username(c.account)}|${c.namespace}`;
    (blocks.get(k) ?? blocks.set(k, []).get(k)!).push(c);
  }
  for (const cells of blocks.values()) {
    const first = cells[0];
    const comps = [
      ...new Set(
        v.components
          .filter((c) => c.account.namespace === first.account.namespace && c.account.name === first.account.name)
          .map((c) => c.component),
      ),
    ];
    const missing = cells.filter((c) => c.required && !c.allowed).length;
    const where = isClusterWide(first.namespace) ? 'cluster-wide' : `namespace ${first.namespace}`;
    const what = comps.length && !comps.includes('*') ? ` (${comps.join(', ')})` : '';
    const required = cells.some(needed);
    const granted = cells.filter((c) => c.allowed).length;
    const warned = cells.filter((c) => needed(c) && !c.required && !c.allowed);
    const warnText = warned.length
      ? p.yellow(
          `; WARN ${warned.length} missing for ${[...new Set(warned.flatMap((c) => (c.maybe ? ['a call the unknown Airflow version may make'] : (c.features ?? []))))].join('; ')}`,
        )
      : '';
    const verdict =
      (missing
        ? p.red(`${missing} required permission${missing > 1 ? 's' : ''} missing`)
        : required
          ? p.green('ok')
          : nothingRequired(cells, granted, v.wide)) + warnText;
    out.push(p.bold(`ServiceAccount ${first.account.namespace}/${first.account.name}${what} in ${where}: `) + verdict);
    // an all-dash table says nothing the line above does not; -o wide still shows it
    if (!required && !granted && !v.wide) {
      out.push('');
      continue;
    }
    const rows = v.layout.rows.map((r) => {
      const label = resourceLabel(r);
      return [
        label,
        ...v.layout.verbs.map((verb) =>
          cellText(
            cells.find(
              (c) =>
                c.group === r.group && c.resource === r.resource && c.subresource === r.subresource && c.verb === verb,
            ),
            p,
          ),
        ),
      ];
    });
    out.push(renderTable(['RESOURCE', ...v.layout.verbs.map((x) => x.toUpperCase())], rows));
    if (v.wide) {
      const req = cells.filter((c) => c.level);
      if (req.length) {
        out.push('');
        out.push(
          renderTable(
            ['RESOURCE', 'VERB', 'LEVEL', 'ALLOWED', 'VIA', 'WHY'],
            req.map((c) => [
              resourceLabel(c),
              c.verb,
              LEVEL_TEXT(c),
              c.allowed ? 'yes' : c.required ? p.red('NO') : needed(c) ? p.yellow('no') : '-',
              c.via || (c.allowed ? c.source : ''),
              c.maybe ?? (c.features ?? []).join('; '),
            ]),
          ),
        );
      }
    }
    out.push('');
  }
  out.push(
    p.dim(
      'yes / NO: required, allowed / denied;  no: denied, needed only for an optional feature (WARN);  (yes): allowed, Airflow does not call it;  -: denied, not needed',
    ),
  );
  const s = v.summary;
  out.push(
    s.missing
      ? p.red(`${s.missing} of ${s.required} required permissions missing`) +
          ` (${s.accounts} ServiceAccounts, ${s.checks} checks)`
      : p.green(`all ${s.required} required permissions granted`) +
          ` (${s.accounts} ServiceAccounts, ${s.checks} checks)`,
  );
  if (s.warnings)
    out.push(
      p.yellow(
        `WARN: ${s.warnings} permission${s.warnings > 1 ? 's' : ''} for optional features (or calls the unknown Airflow version may make) missing: not a failure`,
      ),
    );
  const skipped = v.skipped ?? [];
  if (skipped.length) {
    if (v.wide) for (const k of skipped) out.push(p.dim(`not asked: ${k.row}: ${k.why}`));
    else
      out.push(
        p.dim(
          `${skipped.length} call${skipped.length > 1 ? 's' : ''} of other Airflow versions not asked (-o wide lists them)`,
        ),
      );
  }
  if (v.hints.length) {
    out.push('', p.bold('Likely causes:'));
    for (const h of v.hints) out.push(`  - ${h.message}`);
  }
  if (s.missing) {
    // with the fix printed (on stdout) the pointer to it goes; its blank line stays, as the text always ended
    out.push(
      '',
      ...(v.fixFooter === false
        ? []
        : accountRemedies(
            v.permissions.filter((c) => c.required && !c.allowed),
            (a) => ownCause(v.hints, a),
          )
            .filter((r) => !v.hints.some((h) => h.message === r))
            .map((r) => `Fix: ${r}`)),
    );
  }
  return out.join('\n') + '\n';
}
