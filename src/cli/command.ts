// The shape every command file exports (src/cli/<command>.ts) and main.ts registers.
// Every command follows options -> complete -> validate -> run (kubectl cmd/auth/cani.go), and
// run is fetch -> decide (pure) -> render; it returns the exit code instead of exiting.
import type { Argv } from 'yargs';
import type { Connection } from '../kube/connection.ts';
import type { ConnectionFlags } from '../kube/resolve.ts';
import type { Palette } from '../render/colour.ts';
import type { OutputFormat } from '../render/output.ts';

export interface IO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Global kubectl flags after parsing (camelCase). */
export interface GlobalArgs extends ConnectionFlags {
  output: OutputFormat;
  allNamespaces: boolean;
  v: number;
}

export interface RunContext {
  io: IO;
  /** Opens the connection on first call (lazy-loads client-node); the same one afterwards. */
  connect(): Promise<Connection>;
  colour: Palette;
  /** Write to stdout / stderr (text as is). */
  out(text: string): void;
  err(text: string): void;
  /** A line on stderr only at verbosity >= level (-v, -vv ...). */
  debug(level: number, text: string): void;
}

export interface Command<A = Record<string, unknown>> {
  /** yargs command string, e.g. 'rbac' or 'net <pod>'. */
  command: string;
  describe: string;
  aliases?: string[];
  builder?: (y: Argv) => Argv;
  run(args: A & GlobalArgs, ctx: RunContext): Promise<number>;
}

/** Identity helper that keeps the argument type of `run` while erasing it for the registry. */
export function defineCommand<A>(c: Command<A>): Command {
  return c as unknown as Command;
}
