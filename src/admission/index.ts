// `admission`: fetch (fetch.ts: the release, its task pod, the launch namespaces, a dry-run create as
// the account that launches task pods) -> decide (decide.ts) -> render (report.ts); layer.ts sums it up for
// doctor. runAdmission is the entry the CLI and doctor call.
import type { LoadedRelease } from '../airflow/discover.ts';
import { ExitCode } from '../base/exit-codes.ts';
import type { Connection } from '../kube/connection.ts';
import type { Palette } from '../render/colour.ts';
import { renderData } from '../render/data.ts';
import { isMachine, type OutputFormat } from '../render/output.ts';
import { decideAdmission } from './decide.ts';
import { fetchAdmission } from './fetch.ts';
import { renderText, toReport, type AdmissionReport } from './report.ts';

export { renderText, type AdmissionReport } from './report.ts';
export { admissionLayer, type AdmissionLayer } from './layer.ts';

/** `loaded`: the release as doctor already read it (else it is read here). */
export async function runAdmission(
  conn: Connection,
  namespace: string,
  release?: string,
  loaded?: LoadedRelease,
): Promise<AdmissionReport> {
  const { input, warnings } = await fetchAdmission(conn, namespace, release, loaded);
  return toReport(input, decideAdmission(input), warnings);
}

export function renderAdmission(r: AdmissionReport, view: { output: OutputFormat; colour: Palette }): string {
  if (isMachine(view.output)) return renderData(r, view.output);
  return renderText(r, view.colour, view.output === 'wide');
}

/** 1 on a FAIL; 3 when a check could not be made (as doctor: "could not ask" is not "all good"); else 0. */
export function admissionExitCode(r: AdmissionReport): number {
  if (r.verdict === 'FAIL') return ExitCode.PROBLEMS;
  return r.findings.some((f) => f.verdict === 'SKIP') ? ExitCode.CLUSTER : ExitCode.OK;
}
