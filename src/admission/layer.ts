// The admission check as one doctor layer: the worst finding decides; the summary is that finding's
// message (the server's own words when it refused the pod) and the remedy its fix. Pure.
import { worst } from './decide.ts';
import type { Finding, Verdict } from './model.ts';
import type { AdmissionReport } from './report.ts';

export interface AdmissionLayer {
  verdict: Verdict;
  summary: string;
  remedy?: string;
  command: string;
  /** Some check could not be made (a permission the caller lacks). */
  unasked: boolean;
}

export function admissionLayer(r: AdmissionReport, namespace: string): AdmissionLayer {
  const verdict = worst(r.findings.filter((f) => f.verdict !== 'SKIP'));
  const command = `kubectl airflow admission -n ${namespace}`;
  const unasked = r.findings.some((f) => f.verdict === 'SKIP');
  const first = (v: Verdict): Finding | undefined => r.findings.find((f) => f.verdict === v);
  const lead = verdict === 'OK' ? undefined : first(verdict);
  if (lead) {
    const where = lead.namespace ? `${lead.namespace}: ` : '';
    const more = r.findings.filter((f) => f.verdict === verdict).length - 1;
    return {
      verdict,
      summary: `${where}${lead.message}${more > 0 ? ` (+${more} more)` : ''}`,
      remedy: lead.fix,
      command,
      unasked,
    };
  }
  const skipped = first('SKIP');
  if (skipped) return { verdict: 'SKIP', summary: skipped.message, command, unasked };
  return {
    verdict: 'OK',
    summary: `the task pod is admitted in ${r.launchNamespaces.join(', ')}; quota room, meshes and API priority OK`,
    command,
    unasked,
  };
}
