// The table people read (one row per layer, evidence under it, the first failure and its remedy),
// and the document machines read (-o json|yaml). Pure.
import type { Palette } from '../render/colour.ts';
import { renderTable } from '../render/table.ts';
import type { NetReport } from './model.ts';

export function reportDocument(reports: NetReport[]): unknown {
  const doc = reports.map((r) => ({
    pod: r.pod,
    namespace: r.namespace,
    container: r.container,
    serviceAccount: r.serviceAccount,
    probe: r.probe,
    ok: r.ok,
    ...(r.error ? { error: r.error } : {}),
    ...(r.firstFailure ? { firstFailure: r.firstFailure } : {}),
    layers: r.layers.map((l) => ({
      layer: l.id,
      title: l.title,
      verdict: l.verdict,
      evidence: l.evidence,
      ...(l.remedy ? { remedy: l.remedy } : {}),
    })),
    ...(r.missingTools?.length ? { missingTools: r.missingTools } : {}),
    ...(r.elapsedMs !== undefined ? { probeMs: r.elapsedMs } : {}),
  }));
  return { apiVersion: 'kubectl-airflow/v1', kind: 'NetReport', items: doc };
}

export function renderReport(r: NetReport, c: Palette, wide: boolean): string {
  const head = `${c.bold(`pod ${r.namespace}/${r.pod}`)}  container ${r.container}  ServiceAccount ${r.serviceAccount}  probe ${r.probe}`;
  if (r.error) return `${head}\n${c.red('FAIL')}  ${r.error}\n`;
  const colourOf = (v: string) => (v === 'OK' ? c.green(v) : v === 'FAIL' ? c.red(v) : c.yellow(v));
  const rows = r.layers.map((l) => {
    const ev = wide || l.verdict === 'FAIL' ? l.evidence : l.evidence.slice(0, 1);
    return [l.title, colourOf(l.verdict), ev.join('\n')];
  });
  let out = `${head}\n${renderTable(['LAYER', 'VERDICT', 'EVIDENCE'], rows)}\n`;
  const first = r.layers.find((l) => l.id === r.firstFailure);
  if (first) {
    out += `\n${c.red(`First failing layer: ${first.title}`)}\n`;
    if (first.remedy) out += `Fix: ${first.remedy}\n`;
    const others = r.layers.filter((l) => l.verdict === 'FAIL' && l !== first && l.remedy);
    for (const o of others) out += `Also (${o.title}): ${o.remedy}\n`;
  } else {
    const skipped = r.layers.filter((l) => l.verdict === 'SKIP');
    if (skipped.length === 0)
      out += `\n${c.green('All layers OK')}: the pod reaches the API server with its own credentials.\n`;
    else {
      out += `\n${c.yellow('No layer failed')}, but not checked: ${skipped.map((l) => l.title).join(', ')}`;
      out += r.missingTools?.length ? ` (not in the image: ${r.missingTools.join(', ')})\n` : '\n';
    }
  }
  return out;
}

export function renderReports(reports: NetReport[], c: Palette, wide: boolean): string {
  return reports.map((r) => renderReport(r, c, wide)).join('\n');
}
