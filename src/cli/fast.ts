// Start-up fast path of the executable (bin.ts): `--help`, `-h` and no arguments are answered from
// replies recorded at BUILD time (scripts/build.ts runs main() on each at every wrap width below and
// embeds exactly what it printed and returned), and `version` from the build constants. Neither loads
// yargs nor any command module: that loading is most of the executable's start (issue 5's figure).
// Anything else, or a terminal width nothing was recorded for, goes through main() as before, so the
// behaviour is yargs' own either way. Imports nothing heavy: it runs before the CLI is loaded.
import { renderVersionText, versionData } from './version-text.ts';

export interface Reply { stdout: string; stderr: string; code: number }
/** argv joined by NUL -> wrap width ('*': the same at every recorded width) -> what main() did. */
export type Replies = Record<string, Record<string, Reply>>;

/** The argument lists answered from recorded replies. */
export const FAST_ARGVS: readonly string[][] = [[], ['--help'], ['-h']];
/** Wrap widths recorded: 100 for a pipe, 120 for any terminal that wide, and the usual narrower ones. */
export const FAST_WIDTHS: readonly number[] = Array.from({ length: 41 }, (_, i) => 80 + i);

declare const __KA_REPLIES__: Replies;

/** yargs' wrap width for this stdout (main.ts uses it too, so a recorded width means the same text). */
export function helpWidth(stdout: { columns?: number }): number {
  return Math.min(120, stdout.columns ?? 100);
}

export function replyFor(argv: readonly string[], stdout: { columns?: number }, replies: Replies | undefined): Reply | undefined {
  const byWidth = replies?.[argv.join('\0')];
  return byWidth?.['*'] ?? byWidth?.[String(helpWidth(stdout))];
}

/** Identical replies at every width collapse into one '*' entry (no-arguments' one-line error). */
export function collapseWidths(byWidth: Record<string, Reply>): Record<string, Reply> {
  const all = Object.values(byWidth);
  const same = all.length > 0 && all.every((r) => r.stdout === all[0]!.stdout && r.stderr === all[0]!.stderr && r.code === all[0]!.code);
  return same ? { '*': all[0]! } : byWidth;
}

interface Out { write(s: string): unknown; columns?: number }

/** The exit code when answered here (output written), undefined when main() must run. */
export function fastMain(argv: readonly string[], io: { stdout: Out; stderr: Out }): number | undefined {
  if (argv.length === 1 && argv[0] === 'version') {
    io.stdout.write(renderVersionText(versionData()));
    return 0;
  }
  const reply = replyFor(argv, io.stdout, typeof __KA_REPLIES__ === 'undefined' ? undefined : __KA_REPLIES__);
  if (!reply) return undefined;
  if (reply.stdout) io.stdout.write(reply.stdout);
  if (reply.stderr) io.stderr.write(reply.stderr);
  return reply.code;
}
