// Rendering of the admission check: a table (wide adds the fix and the source), the fixes with
// their YAML below it, or the same data as JSON/YAML.
import type { Palette } from '../render/colour.ts';
import { renderTable } from '../render/table.ts';
import type { AdmissionInput } from './decide.ts';
import { worst } from './decide.ts';
import type { Finding, Verdict } from './model.ts';

export interface AdmissionReport {
  release: string;
  podTemplate: string;
  parallelism: { value: number; source: string };
  launchNamespaces: string[];
  verdict: Verdict;
  findings: Finding[];
  warnings: string[];
}

export function toReport(input: AdmissionInput, findings: Finding[], warnings: string[]): AdmissionReport {
  return {
    release: input.launch.release,
    podTemplate: input.launch.templateSource ?? "the executor's default pod (no pod template)",
    parallelism: { value: input.launch.parallelism, source: input.launch.parallelismSource },
    launchNamespaces: input.namespaces.map((n) => n.namespace),
    verdict: worst(findings),
    findings,
    warnings,
  };
}

function paint(v: Verdict, c: Palette): string {
  return v === 'FAIL' ? c.red(v) : v === 'WARN' ? c.yellow(v) : v === 'OK' ? c.green(v) : c.dim(v);
}

const indent = (text: string, pad: string) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

export function renderText(r: AdmissionReport, c: Palette, wide: boolean): string {
  const lines = [
    `Task pod of release ${r.release}: ${r.podTemplate}; parallelism ${r.parallelism.value} (${r.parallelism.source})`,
    ...r.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  const head = wide
    ? ['NAMESPACE', 'CHECK', 'VERDICT', 'MESSAGE', 'FIX', 'SOURCE']
    : ['NAMESPACE', 'CHECK', 'VERDICT', 'MESSAGE'];
  const rows = r.findings.map((f) => {
    const row = [f.namespace || '-', f.check, paint(f.verdict, c), f.message];
    return wide ? [...row, f.fix ?? '', f.source ?? ''] : row;
  });
  lines.push(renderTable(head, rows));
  const fixes = r.findings.filter((f) => (f.verdict === 'FAIL' || f.verdict === 'WARN') && (f.fix || f.fixYaml));
  if (fixes.length) {
    lines.push('', c.bold('What to do:'));
    for (const f of fixes) {
      lines.push(`${paint(f.verdict, c)} ${f.namespace ? `${f.namespace} ` : ''}${f.check}: ${f.fix ?? ''}`);
      if (f.fixYaml) lines.push('  # merge into the pod template:', indent(f.fixYaml, '  '));
    }
  }
  return lines.join('\n') + '\n';
}
