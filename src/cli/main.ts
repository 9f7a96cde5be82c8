// Entry point: parse flags with yargs, run one command, map every failure to one line + exit code.
import yargs, { type Argv } from 'yargs';
import { describeError, redactUrls, UsageError } from '../kube/errors.ts';
import type { Connection } from '../kube/connection.ts';
import { palette, useColour } from '../render/colour.ts';
import { parseOutput } from '../render/output.ts';
import type { Command, GlobalArgs, IO, RunContext } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { helpWidth } from './fast.ts';
import { globalFlags } from './flags.ts';
import { rbacCommand } from './rbac.ts';
import { haCommand } from './ha.ts';
import { configCommand } from './config.ts';
import { versionCommand } from './version.ts';
import { completionCommand } from './completion.ts';
import { netCommand } from './net.ts';
import { doctorCommand } from './doctor.ts';
import { admissionCommand } from './admission.ts';

export type { IO } from './command.ts';

// In the order a user debugs (help and completion list them so): doctor, the one to start with,
// then the layers it points to, then the housekeeping ones.
export const COMMANDS: Command[] = [
  doctorCommand,
  rbacCommand,
  netCommand,
  haCommand,
  admissionCommand,
  configCommand,
  versionCommand,
  completionCommand,
];

const EXAMPLES: Array<[string, string]> = [
  ['$0 rbac', "Check the Airflow ServiceAccounts' permissions in the current namespace"],
  ['$0 rbac -n airflow --release prod -o wide', 'Same for release "prod", with the binding that grants each cell'],
  ['$0 rbac --fix | kubectl apply -f -', 'Grant exactly the missing permissions'],
  ['$0 rbac --sa airflow:my-worker', 'Check a given ServiceAccount'],
  ['$0 doctor -n airflow', 'Every layer in order; the first failing one, its fix and the command for detail'],
];

function defaultIO(): IO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** kubectl spells verbosity `-v=6` or `-v 6`; yargs counts `-vvv`. Rewrite the former to the latter. */
export function normalizeVerbosity(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
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
  const verbose = argv.some((a) => /^-v+$|^-v=[1-9]|^--v=[1-9]/.test(a)) || argv.some((a, i) => a === '-v' && /^[1-9]/.test(argv[i + 1] ?? ''));
  try {
    // hidden: the shell-completion engine (kubectl_complete-airflow), outside yargs' strict parsing
    if (argv[0] === '__complete') return await (await import('./completion.ts')).completeMain(argv.slice(1), io);
    return await dispatch(normalizeVerbosity(argv), io);
  } catch (e) {
    const { exitCode, line } = describeError(e);
    io.stderr.write(`kubectl-airflow: ${line}\n`);
    if (verbose && e instanceof Error && e.stack) io.stderr.write(redactUrls(e.stack) + '\n');
    return exitCode;
  }
}

async function dispatch(argv: string[], io: IO): Promise<number> {
  let pending: Promise<number> | undefined;
  const parser = globalFlags(
    yargs()
      .scriptName('kubectl airflow')
      .usage('$0 <command> [flags]\n\nWhy Airflow cannot talk to the Kubernetes API server, and how to fix it.')
      .version(false)
      .strict()
      .exitProcess(false)
      .wrap(helpWidth(io.stdout as { columns?: number })),
  );
  for (const cmd of COMMANDS) {
    parser.command({
      command: cmd.command,
      aliases: cmd.aliases,
      describe: cmd.describe,
      builder: (y) => ownFlagsFirst(y, cmd),
      handler: (args) => {
        pending = runCommand(cmd, args as unknown as Record<string, unknown>, io);
      },
    });
  }
  for (const [ex, d] of EXAMPLES) parser.example(ex, d);
  skipHelpCache(parser);
  parser
    .demandCommand(1, 'a command is required')
    // kubectl takes -h for --help everywhere (`kubectl get -h`)
    .help('help')
    .alias('help', 'h')
    .fail((msg, err) => {
      throw err ?? new UsageError(`${msg} (see --help)`);
    });

  const result = await new Promise<{ err?: Error; output: string }>((resolve) => {
    try {
      parser.parse(argv, {}, (err, _args, output) => resolve({ err: err ?? undefined, output }));
    } catch (e) {
      resolve({ err: e as Error, output: '' });
    }
  });
  if (result.err) {
    const e = result.err;
    if (e instanceof UsageError) throw e;
    // yargs validation messages (unknown argument, missing value) are usage errors
    if (e.name === 'YError' || !(e as { exitCode?: number }).exitCode) throw new UsageError(`${e.message} (see --help)`);
    throw e;
  }
  if (!pending) {
    // --help (or a help-only path) printed its text through the parse callback
    if (result.output) io.stdout.write(result.output.endsWith('\n') ? result.output : result.output + '\n');
    return ExitCode.OK;
  }
  return pending;
}

/**
 * A command's own flags in a group of their own ("rbac flags:"), which yargs shows before the
 * inherited global ones, as kubectl shows a command's flags before pointing to the globals.
 */
function ownFlagsFirst(y: Argv, cmd: Command): Argv {
  if (!cmd.builder) return y;
  // getOptions/getGroups: public methods of yargs' instance that @types/yargs does not declare
  type Introspect = { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> }; getGroups(): Record<string, string[]> };
  const inherited = new Set(Object.keys((y as unknown as Introspect).getOptions().key));
  const built = cmd.builder(y);
  const { key, alias } = (built as unknown as Introspect).getOptions();
  // positionals keep their own group; an alias (-c) is shown with its flag (--container)
  const taken = new Set([...Object.values((built as unknown as Introspect).getGroups()).flat(), ...Object.values(alias).flat()]);
  const own = Object.keys(key).filter((k) => !inherited.has(k) && !taken.has(k));
  return own.length ? built.group(own, `${cmd.command.split(' ')[0]} flags:`) : built;
}

/**
 * After running a command's handler yargs renders that command's whole help text, only to cache it
 * for a later showHelp()/getHelp(), which we never call (failures print our one line instead): ~20 ms
 * of every command's start, spent before its first request. An internal of yargs: where it is not
 * there, nothing changes but the time.
 */
function skipHelpCache(parser: unknown): void {
  const usage = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } | undefined } })
    .getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

async function runCommand(cmd: Command, raw: Record<string, unknown>, io: IO): Promise<number> {
  const args = { ...raw, output: parseOutput(raw.output as string | undefined) } as Record<string, unknown> & GlobalArgs;
  if (args.allNamespaces && args.namespace) throw new UsageError('-A/--all-namespaces and -n/--namespace cannot be used together');
  const colour = palette(useColour(io.stdout, io.env));
  let conn: Promise<Connection> | undefined;
  const ctx: RunContext = {
    io,
    colour,
    out: (t) => void io.stdout.write(t),
    err: (t) => void io.stderr.write(t),
    debug: (level, t) => {
      if ((args.v ?? 0) >= level) io.stderr.write(t.endsWith('\n') ? t : t + '\n');
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
