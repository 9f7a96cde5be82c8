// `--help` rendered from the command data (command.ts, flags.ts). Pure: data and a width in, text
// out; it loads nothing else, so help answers as fast as the executable starts. An example is a
// line a person copies: it is never wrapped, whatever the width (its description goes above it, as
// kubectl's own help writes `# what` over the command line).
import { usageOf, type Command, type FlagSpec } from './command.ts';
import { GLOBAL_FLAGS, GLOBAL_GROUP, HELP_FLAG } from './flags.ts';

export const PROGRAM = 'kubectl airflow';
const TOP_USAGE = `${PROGRAM} <command> [flags]`;
const ABOUT = 'Why Airflow cannot talk to the Kubernetes API server, and how to fix it.';

/** The wrap width for this stdout: its columns up to 120; 100 for a pipe. */
export function helpWidth(stdout: { columns?: number }): number {
  return Math.min(120, stdout.columns ?? 100);
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return line ? [...lines, line] : lines;
}

/** Two columns: the left padded to its widest entry, the right wrapped in what is left of the width. */
function columns(rows: Array<[string, string]>, width: number): string[] {
  const left = Math.max(...rows.map(([l]) => l.length)) + 2;
  const right = Math.max(20, width - left);
  return rows.flatMap(([l, r]) =>
    wrap(r, right).map((line, i) => (i === 0 ? l.padEnd(left) : ' '.repeat(left)) + line),
  );
}

function flagLabel(f: FlagSpec, anyShort: boolean): string {
  if (f.name.length === 1) return `  -${f.name}`;
  if (f.short) return `  -${f.short}, --${f.name}`;
  return anyShort ? `      --${f.name}` : `  --${f.name}`;
}

function flagText(f: FlagSpec): string {
  const shown = f.default !== undefined && f.default !== false;
  return shown ? `${f.describe} (default: ${String(f.default)})` : f.describe;
}

function flagSection(title: string, flags: readonly FlagSpec[], width: number): string[] {
  const anyShort = flags.some((f) => f.short);
  return [
    title,
    ...columns(
      flags.map((f) => [flagLabel(f, anyShort), flagText(f)]),
      width,
    ),
  ];
}

function examples(list: Array<[string, string]>, width: number): string[] {
  return [
    'Examples:',
    ...list.flatMap(([line, what]) => [...wrap(what, width - 4).map((l) => `  # ${l}`), `  ${line}`, '']),
  ].slice(0, -1);
}

export function renderHelp(
  commands: readonly Command[],
  command: Command | undefined,
  width: number,
  topExamples: Array<[string, string]> = [],
): string {
  const blocks: string[][] = [];
  if (!command) {
    blocks.push([TOP_USAGE]);
    blocks.push(wrap(ABOUT, width));
    blocks.push([
      'Commands:',
      ...columns(
        commands.map((c) => [`  ${PROGRAM} ${usageOf(c)}`, c.describe]),
        width,
      ),
    ]);
    blocks.push(flagSection(GLOBAL_GROUP, GLOBAL_FLAGS, width));
    blocks.push(flagSection('Options:', [HELP_FLAG], width));
    if (topExamples.length) blocks.push(examples(topExamples, width));
  } else {
    blocks.push([`${PROGRAM} ${usageOf(command)}`]);
    blocks.push(wrap(command.describe, width));
    if (command.positionals?.length)
      blocks.push([
        'Positionals:',
        ...columns(
          command.positionals.map((p) => [`  ${p.name}`, p.describe]),
          width,
        ),
      ]);
    if (command.flags?.length) blocks.push(flagSection(`${command.name} flags:`, command.flags, width));
    blocks.push(flagSection(GLOBAL_GROUP, GLOBAL_FLAGS, width));
    blocks.push(flagSection('Options:', [HELP_FLAG], width));
    if (command.examples?.length) blocks.push(examples(command.examples, width));
  }
  return blocks.map((b) => b.join('\n')).join('\n\n') + '\n';
}
