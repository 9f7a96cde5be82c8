// Entry point: parse argv from the command data, answer --help from the same data, run one
// command, and map every failure to one line + exit code. Loads no feature until a command runs.
import { describeError, redactUrls, UsageError } from '../base/errors.ts';
import { ExitCode } from '../base/exit-codes.ts';
import type { Connection } from '../kube/connection.ts';
import { palette, useColour } from '../render/colour.ts';
import { parseOutput } from '../render/output.ts';
import { redact } from '../render/redact.ts';
import type { Command, GlobalArgs, IO, RunContext } from './command.ts';
import { COMMANDS, EXAMPLES } from './commands/index.ts';
import { helpWidth, renderHelp } from './help.ts';
import { parseArgv } from './parse.ts';

export type { IO } from './command.ts';
export { COMMANDS } from './commands/index.ts';

function defaultIO(): IO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** kubectl spells verbosity `-v=6` or `-v 6`; the parser counts `-vvv`. Rewrite the former to the latter. */
export function normalizeVerbosity(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = /^--?v=(\d+)$/.exec(a);
    const level = eq ? Number(eq[1]) : a === '-v' && /^\d+$/.test(argv[i + 1] ?? '') ? Number(argv[++i]) : undefined;
    if (level === undefined) out.push(a);
    else if (level > 0) out.push('-' + 'v'.repeat(Math.min(level, 10)));
  }
  return out;
}

export async function main(argv: string[], io: IO = defaultIO()): Promise<number> {
  const verbose =
    argv.some((a) => /^-v+$|^-v=[1-9]|^--v=[1-9]/.test(a)) ||
    argv.some((a, i) => a === '-v' && /^[1-9]/.test(argv[i + 1] ?? ''));
  try {
    // hidden: the shell-completion engine (kubectl_complete-airflow), outside the strict parsing
    if (argv[0] === '__complete') return await (await import('./completion.ts')).completeMain(argv.slice(1), io);
    const parsed = parseArgv(normalizeVerbosity(argv), COMMANDS);
    if (parsed.kind === 'help') {
      io.stdout.write(renderHelp(COMMANDS, parsed.command, helpWidth(io.stdout as { columns?: number }), EXAMPLES));
      return ExitCode.OK;
    }
    return await runCommand(parsed.command, parsed.args, io);
  } catch (e) {
    const { exitCode, line } = describeError(e);
    io.stderr.write(`kubectl-airflow: ${line}\n`);
    if (verbose && e instanceof Error && e.stack) io.stderr.write(redactUrls(e.stack) + '\n');
    return exitCode;
  }
}

async function runCommand(cmd: Command, raw: Record<string, unknown>, io: IO): Promise<number> {
  const args = { ...raw, output: parseOutput(raw.output as string | undefined) } as Record<string, unknown> &
    GlobalArgs;
  if (args.allNamespaces && args.namespace)
    throw new UsageError('-A/--all-namespaces and -n/--namespace cannot be used together');
  const colour = palette(useColour(io.stdout, io.env));
  let conn: Promise<Connection> | undefined;
  const ctx: RunContext = {
    io,
    colour,
    // every report, fix and debug line passes the one redaction on its way out
    out: (t) => void io.stdout.write(redact(t)),
    err: (t) => void io.stderr.write(redact(t)),
    debug: (level, t) => {
      if ((args.v ?? 0) >= level) io.stderr.write(redact(t.endsWith('\n') ? t : t + '\n'));
    },
    connect: () => {
      conn ??= import('../kube/connection.ts').then((m) => m.connect(args, { env: io.env }));
      return conn;
    },
  };
  try {
    return await cmd.run(args, ctx);
  } finally {
    if (conn) (await conn.catch(() => undefined))?.close();
  }
}

// `npm start` runs this file directly; no top-level await, so esbuild can bundle it to CommonJS.
if (import.meta.main) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
