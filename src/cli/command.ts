// The shape of a command, as data: parsing (parse.ts), help (help.ts) and completion (completion.ts)
// all read these declarations, so a flag is declared once. Every command follows options ->
// complete -> validate -> run (kubectl cmd/auth/cani.go): `run` validates its arguments, calls its
// feature's `run` entry (fetch -> decide) and prints the feature's rendering; it returns the exit code.
import type { Connection } from '../kube/connection.ts';
import type { ConnectionFlags } from '../kube/resolve.ts';
import type { Palette } from '../render/colour.ts';
import type { OutputFormat } from '../render/output.ts';

export interface IO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Where completion finds a flag's or positional's values. */
export type ValueSource = 'namespaces' | 'pods' | 'contexts' | 'clusters' | 'users' | 'files' | string[];

export interface FlagSpec {
  /** The long name, as typed after `--` (kebab-case); the parsed argument is its camelCase. */
  name: string;
  short?: string;
  type: 'string' | 'boolean' | 'number' | 'count';
  /** Repeatable: every occurrence is kept, in order. */
  repeatable?: boolean;
  default?: string | number | boolean;
  describe: string;
  values?: ValueSource;
}

export interface PositionalSpec {
  name: string;
  describe: string;
  /** `<name>` in the usage line when required, `[name]` otherwise. */
  required: boolean;
  values?: ValueSource;
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
  name: string;
  describe: string;
  aliases?: string[];
  positionals?: PositionalSpec[];
  /** The command's own flags (the global ones are added by the parser). */
  flags?: FlagSpec[];
  /** [command line after `kubectl airflow`, what it does]. */
  examples?: Array<[string, string]>;
  run(args: A & GlobalArgs, ctx: RunContext): Promise<number>;
}

/** Identity helper that keeps the argument type of `run` while erasing it for the registry. */
export function defineCommand<A>(c: Command<A>): Command {
  return c as unknown as Command;
}

/** `net [pod]`, `completion <shell>`: the command as its usage line spells it. */
export function usageOf(c: Pick<Command, 'name' | 'positionals'>): string {
  return [c.name, ...(c.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`))].join(' ');
}

/** kebab-case flag name -> the camelCase argument key. */
export function argKey(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
