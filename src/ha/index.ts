// `ha`: fetch (fetch.ts, probe.ts for --from) -> decide (chain.ts, checks.ts) -> render (report.ts).
// runHa is the entry the CLI and doctor call.
import { ExitCode } from '../base/exit-codes.ts';
import type { Palette } from '../render/colour.ts';
import { renderData } from '../render/data.ts';
import { isMachine, type OutputFormat } from '../render/output.ts';
import { renderText, toReport } from './report.ts';
import type { Connection } from '../kube/connection.ts';
import { buildChain, type Chain } from './chain.ts';
import { runChecks } from './run-checks.ts';
import { fetchHa } from './fetch.ts';
import type { Check, HaInput } from './model.ts';

export type { Chain } from './chain.ts';
export type { Check, HaInput, Verdict } from './model.ts';
export { toReport, renderText, type HaReport } from './report.ts';
export { worstVerdict } from './checks.ts';

export interface HaOptions {
  /** `--from`: probe every endpoint from inside this pod (one exec). */
  from?: { pod: string; namespace: string; container?: string };
  now?: Date;
}

export async function runHa(
  conn: Connection,
  opts: HaOptions = {},
): Promise<{ input: HaInput; chain: Chain; checks: Check[] }> {
  const probe = opts.from ? await import('./probe.ts') : undefined;
  const podRead = opts.from
    ? (await import('../net/run.ts')).getPod(conn, opts.from.namespace, opts.from.pod)
    : undefined;
  podRead?.catch(() => undefined); // handled in probeEndpoints; not an unhandled rejection meanwhile
  const input: HaInput = { ...(await fetchHa(conn)), now: opts.now ?? new Date() };
  let chain = buildChain(input);
  if (opts.from && probe && podRead) {
    const f = opts.from;
    input.from = {
      pod: f.pod,
      namespace: f.namespace,
      results: await probe.probeEndpoints(conn, f.namespace, f.pod, f.container, chain, podRead),
    };
    chain = buildChain(input);
  }
  return { input, chain, checks: runChecks(chain, input) };
}

export type HaResult = Awaited<ReturnType<typeof runHa>>;

export function renderHa(r: HaResult, view: { output: OutputFormat; colour: Palette }): string {
  if (isMachine(view.output)) return renderData(toReport(r.chain, r.checks, r.input), view.output);
  return renderText(r.chain, r.checks, r.input, view.colour, view.output === 'wide');
}

/** 1 when a check fails; WARN and SKIP are not failures. */
export function haExitCode(r: HaResult): number {
  return r.checks.some((c) => c.verdict === 'FAIL') ? ExitCode.PROBLEMS : ExitCode.OK;
}
