// argv -> which command and its arguments, from the command data (command.ts, flags.ts). Pure.
// The rules are the ones users met under yargs, so scripts keep working: flags anywhere (before or
// after the command), `--flag value`, `--flag=value`, `-n value`, `-nvalue`, grouped short
// booleans (`-Av`, `-vvv`), `--no-<boolean>`, `--` ends the flags; the same one-line messages.
import { UsageError } from '../base/errors.ts';
import { argKey, type Command, type FlagSpec } from './command.ts';
import { GLOBAL_FLAGS, HELP_FLAG } from './flags.ts';

export type Parsed =
  | { kind: 'help'; command?: Command }
  | { kind: 'run'; command: Command; args: Record<string, unknown> };

/** A value-taking flag's next word is its value unless it is itself a flag (a negative number is a value). */
const isFlagWord = (w: string | undefined) => w === undefined || (w.startsWith('-') && w.length > 1 && !/^-\d/.test(w));

export function parseArgv(argv: readonly string[], commands: readonly Command[]): Parsed {
  const words: string[] = [];
  const given: Array<{ typed: string; spec?: FlagSpec; value?: string; negated?: boolean }> = [];
  const all = [...GLOBAL_FLAGS, HELP_FLAG, ...commands.flatMap((c) => c.flags ?? [])];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    const long = a.startsWith('--') && a.length > 2;
    const short = !long && a.startsWith('-') && a.length > 1 && !/^-\d/.test(a);
    if (!long && !short) {
      words.push(a);
      continue;
    }
    const items: Array<{ typed: string; inline?: string; last: boolean }> = [];
    if (long) {
      const eq = a.indexOf('=');
      items.push({
        typed: eq > 0 ? a.slice(2, eq) : a.slice(2),
        ...(eq > 0 ? { inline: a.slice(eq + 1) } : {}),
        last: true,
      });
    } else {
      for (let j = 1; j < a.length; j++) {
        const s = a[j]!;
        const spec = findFlag(s, all);
        const rest = a.slice(j + 1);
        if (spec && (spec.type === 'string' || spec.type === 'number') && rest) {
          items.push({ typed: s, inline: rest.replace(/^=/, ''), last: true });
          break;
        }
        items.push({ typed: s, last: j === a.length - 1 });
      }
    }
    for (const it of items) {
      let spec = findFlag(it.typed, all);
      let negated = false;
      if (!spec && it.typed.startsWith('no-')) {
        const b = findFlag(it.typed.slice(3), all);
        if (b?.type === 'boolean') {
          spec = b;
          negated = true;
        }
      }
      let value = it.inline;
      if (spec && value === undefined && it.last && (spec.type === 'string' || spec.type === 'number')) {
        if (!isFlagWord(argv[i + 1])) value = argv[++i];
      } else if (
        spec?.type === 'boolean' &&
        value === undefined &&
        it.last &&
        /^(true|false)$/.test(argv[i + 1] ?? '')
      ) {
        value = argv[++i];
      }
      given.push({ typed: it.typed, spec, value, negated });
    }
  }

  if (given.some((g) => g.spec?.name === HELP_FLAG.name)) {
    const name = words[0];
    return {
      kind: 'help',
      command: name === undefined ? undefined : commands.find((c) => c.name === name || c.aliases?.includes(name)),
    };
  }
  const name = words[0];
  const command = name === undefined ? undefined : commands.find((c) => c.name === name || c.aliases?.includes(name));
  const own = command?.flags ?? [];
  const allowed = [...GLOBAL_FLAGS, ...own];
  // same-named flags of different commands are declared alike; the chosen command's own one counts
  for (const g of given) g.spec = g.spec && allowed.find((f) => f.name === g.spec!.name);
  const unknown = [
    ...given.filter((g) => !g.spec).map((g) => g.typed),
    ...(command ? words.slice(1 + (command.positionals?.length ?? 0)) : words),
  ];
  if (unknown.length)
    throw new UsageError(`Unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see --help)`);
  if (!command) throw new UsageError('a command is required (see --help)');

  const args: Record<string, unknown> = {};
  for (const f of allowed) if (f.default !== undefined) args[argKey(f.name)] = f.default;
  for (const g of given) {
    const f = g.spec!;
    const key = argKey(f.name);
    if (f.type === 'count') {
      args[key] = ((args[key] as number | undefined) ?? 0) + 1;
    } else if (f.type === 'boolean') {
      args[key] = g.negated ? false : g.value === undefined ? true : g.value === 'true';
    } else {
      if (g.value === undefined) throw new UsageError(`Not enough arguments following: ${g.typed} (see --help)`);
      const v = f.type === 'number' ? Number(g.value) : g.value;
      args[key] = f.repeatable ? [...((args[key] as unknown[] | undefined) ?? []), v] : v;
    }
  }
  const positionals = command.positionals ?? [];
  const required = positionals.filter((p) => p.required).length;
  const got = words.length - 1;
  if (got < required)
    throw new UsageError(`Not enough non-option arguments: got ${got}, need at least ${required} (see --help)`);
  positionals.forEach((p, i) => {
    if (words[i + 1] !== undefined) args[argKey(p.name)] = words[i + 1];
  });
  return { kind: 'run', command, args };
}

function findFlag(name: string, flags: readonly FlagSpec[]): FlagSpec | undefined {
  return flags.find((f) => f.name === name || f.short === name);
}
