// The table of layers, then the first failing layer with its remedy and the command for detail;
// and the document -o json|yaml prints (every layer's full result). Pure.
import type { Palette } from '../render/colour.ts';
import { renderTable } from '../render/table.ts';
import { LAYERS, titleOf, type LayerResult, type Verdict } from './model.ts';
import { firstFailingLayer, ordered } from './plan.ts';

export interface DoctorHeader {
  namespace: string;
  release?: string;
}

function paint(v: Verdict, c: Palette): string {
  return v === 'OK' ? c.green(v) : v === 'FAIL' ? c.red(v) : v === 'WARN' ? c.yellow(v) : c.dim(v);
}

const number = (l: LayerResult) => LAYERS.findIndex((x) => x.id === l.id) + 1;

export function renderDoctor(layers: LayerResult[], h: DoctorHeader, c: Palette): string {
  const rows = ordered(layers).map((l) => [`${number(l)}. ${titleOf(l.id)}`, paint(l.verdict, c), l.summary]);
  const out = [renderTable(['LAYER', 'VERDICT', 'SUMMARY'], rows), ''];
  const first = firstFailingLayer(layers);
  if (first) {
    out.push(c.red(`first failing layer: ${titleOf(first.id)}`) + ` (${first.id})`);
    out.push(`  ${first.summary}`);
    if (first.remedy) out.push(`  fix: ${first.remedy}`);
    if (first.command) out.push(`  detail: ${first.command}`);
    const others = ordered(layers).filter((l) => l.verdict === 'FAIL' && l !== first);
    if (others.length)
      out.push(`also failing: ${others.map((l) => `${titleOf(l.id)} (${l.command ?? l.id})`).join(', ')}`);
  } else {
    const where = `${h.release ? `release ${h.release} in ` : ''}namespace ${h.namespace}`;
    out.push(
      ordered(layers).some((l) => l.unasked)
        ? c.yellow('no layer failed, but not every layer could be checked') + `: ${where}`
        : c.green('no layer failed') + `: ${where}`,
    );
  }
  // exit 3: the cluster would not answer these layers' questions with this identity
  for (const u of ordered(layers).filter((l) => l.unasked)) {
    out.push(`${c.yellow('not checked')} ${titleOf(u.id)}: ${u.remedy ?? u.summary}`);
  }
  for (const w of ordered(layers).filter((l) => l.verdict === 'WARN')) {
    out.push(`${c.yellow('warning')} ${titleOf(w.id)}: ${w.remedy ?? w.summary}${w.command ? `  (${w.command})` : ''}`);
  }
  return out.join('\n') + '\n';
}

export function doctorDocument(layers: LayerResult[], h: DoctorHeader): unknown {
  const first = firstFailingLayer(layers);
  return {
    apiVersion: 'kubectl-airflow/v1',
    kind: 'DoctorReport',
    namespace: h.namespace,
    release: h.release ?? null,
    firstFailingLayer: first?.id ?? null,
    layers: ordered(layers).map((l) => ({
      layer: l.id,
      order: number(l),
      title: titleOf(l.id),
      verdict: l.verdict,
      summary: l.summary,
      ...(l.remedy ? { remedy: l.remedy } : {}),
      ...(l.command ? { command: l.command } : {}),
      ...(l.result !== undefined ? { result: l.result } : {}),
    })),
  };
}
