// One call for other commands (doctor): fetch -> decide -> report, the same as `kubectl airflow admission`.
import type { Connection } from '../kube/connection.ts';
import { decideAdmission } from './decide.ts';
import { fetchAdmission } from './fetch.ts';
import { toReport, type AdmissionReport } from './report.ts';

export { renderText, type AdmissionReport } from './report.ts';

export async function runAdmission(conn: Connection, namespace: string, release?: string): Promise<AdmissionReport> {
  const { input, warnings } = await fetchAdmission(conn, namespace, release);
  return toReport(input, decideAdmission(input), warnings);
}
