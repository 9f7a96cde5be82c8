// Shell completion. One engine, the hidden `kubectl-airflow __complete <words...> <partial>`, answers
// in kubectl's (Cobra's) plugin-completion format: one candidate per line (`value\tdescription`),
// then `:<directive>`. kubectl >= 1.26 runs `kubectl_complete-airflow` from PATH with the words
// after `kubectl airflow` and reads exactly that, so `completion kubectl-plugin` writes a script that
// forwards to __complete; the bash/zsh/fish scripts (for typing `kubectl-airflow` directly) read the
// same answer. Namespaces and pod names come from the cluster, contexts from the kubeconfig.
//
// plan() is pure: words -> static candidates or what to fetch; completeMain() fetches and prints.
import type { Argv } from 'yargs';
import type { IO } from './command.ts';
import type { RetryPolicy } from '../kube/pool.ts';
import { defineCommand, type Command } from './command.ts';
import { ExitCode } from '../base/exit-codes.ts';
import { UsageError } from '../base/errors.ts';
import { OUTPUT_FORMATS } from '../render/output.ts';

// Cobra's ShellCompDirective values.
export const Directive = { Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4 } as const;

export const SHELLS = ['bash', 'zsh', 'fish', 'kubectl-plugin'] as const;

export type ValueSource = 'namespaces' | 'pods' | 'contexts' | 'clusters' | 'users' | 'files' | string[];

export interface FlagSpec { long: string; short?: string; takesValue: boolean; describe: string; values?: ValueSource }
export interface CommandSpec { name: string; aliases: string[]; describe: string; flags: FlagSpec[]; positionals: ValueSource[] }

export interface Candidate { value: string; describe?: string }

export type Plan =
  | { kind: 'static'; candidates: Candidate[]; directive: number }
  | { kind: 'fetch'; source: 'namespaces' | 'pods' | 'contexts' | 'clusters' | 'users'; prefix: string; insert: string; flags: Record<string, string> };

// Values that flags and positionals complete from (everything else: nothing, or files).
const FLAG_VALUES: Record<string, ValueSource> = {
  namespace: 'namespaces', context: 'contexts', cluster: 'clusters', user: 'users', from: 'pods',
  output: [...OUTPUT_FORMATS], kubeconfig: 'files', 'certificate-authority': 'files',
};
const POSITIONAL_VALUES: Record<string, ValueSource> = { pod: 'pods', shell: [...SHELLS] };

/** Reads a command's flags from its yargs builder, so completion never drifts from the parser. */
export function specFromYargs(name: string, aliases: string[], describe: string, y: Argv, command: string): CommandSpec {
  const o = (y as unknown as { getOptions(): Record<string, unknown> }).getOptions() as {
    key: Record<string, boolean>; alias: Record<string, string[]>; boolean: string[]; count: string[]; hiddenOptions: string[];
  };
  const descriptions = (y as unknown as { getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } } })
    .getInternalMethods().getUsageInstance().getDescriptions();
  const aliasOf = new Set(Object.values(o.alias).flat());
  const flags: FlagSpec[] = [];
  for (const key of Object.keys(o.key)) {
    if (aliasOf.has(key) || key === 'version' || o.hiddenOptions.includes(key)) continue;
    const short = (o.alias[key] ?? []).find((a) => a.length === 1);
    const takesValue = !o.boolean.includes(key) && !o.count.includes(key);
    const values = FLAG_VALUES[key];
    flags.push({ long: key, ...(short ? { short } : {}), takesValue, describe: (descriptions[key] ?? '').replace(/^__yargsString__:/, ''), ...(values ? { values } : {}) });
  }
  const positionals = [...command.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => POSITIONAL_VALUES[m[1] ?? ''] ?? []);
  return { name, aliases, describe, flags, positionals };
}

function byPrefix(cands: Candidate[], prefix: string): Candidate[] {
  return cands.filter((c) => c.value.startsWith(prefix));
}

function flagByName(flags: FlagSpec[], word: string): FlagSpec | undefined {
  if (word.startsWith('--')) return flags.find((f) => f.long === word.slice(2));
  if (/^-[^-]$/.test(word)) return flags.find((f) => f.short === word.slice(1) || f.long === word.slice(1));
  return undefined;
}

function valuePlan(flag: FlagSpec | undefined, source: ValueSource | undefined, prefix: string, insert: string, seen: Record<string, string>): Plan {
  const src = source ?? flag?.values;
  if (src === undefined) return { kind: 'static', candidates: [], directive: Directive.NoFileComp };
  if (src === 'files') return { kind: 'static', candidates: [], directive: Directive.Default };
  if (Array.isArray(src)) {
    return { kind: 'static', candidates: byPrefix(src.map((v) => ({ value: insert + v })), insert + prefix), directive: Directive.NoFileComp };
  }
  return { kind: 'fetch', source: src, prefix, insert, flags: seen };
}

/**
 * words: everything after `kubectl airflow`, the last being the word under the cursor (maybe "").
 * commands: the registered commands (hidden ones left out by the caller); global: kubectl flags.
 */
export function plan(words: string[], commands: CommandSpec[], global: FlagSpec[]): Plan {
  const done = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  let cmd: CommandSpec | undefined;
  let positional = 0;
  const seen: Record<string, string> = {};   // values of flags already typed (namespace, context ...)
  let pendingFlag: FlagSpec | undefined;
  const flagsNow = () => [...(cmd?.flags ?? []), ...global];
  for (const w of done) {
    if (pendingFlag) {
      seen[pendingFlag.long] = w;
      pendingFlag = undefined;
      continue;
    }
    if (w.startsWith('-') && w !== '-' && w !== '--') {
      const eq = w.indexOf('=');
      const f = flagByName(flagsNow(), eq > 0 ? w.slice(0, eq) : w);
      if (f && eq > 0) seen[f.long] = w.slice(eq + 1);
      else if (f?.takesValue) pendingFlag = f;
      continue;
    }
    if (!cmd) {
      cmd = commands.find((c) => c.name === w || c.aliases.includes(w));
      if (!cmd) return { kind: 'static', candidates: [], directive: Directive.NoFileComp };
    } else {
      positional++;
    }
  }
  if (pendingFlag) return valuePlan(pendingFlag, undefined, current, '', seen);
  if (current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (current.startsWith('--') && eq > 0) {
      const f = flagByName(flagsNow(), current.slice(0, eq));
      return valuePlan(f, f ? undefined : [], current.slice(eq + 1), current.slice(0, eq + 1), seen);
    }
    const cands: Candidate[] = [];
    for (const f of flagsNow()) {
      cands.push({ value: f.long.length > 1 ? `--${f.long}` : `-${f.long}`, describe: f.describe });
      if (f.short) cands.push({ value: `-${f.short}`, describe: f.describe });
    }
    if (!cmd) cands.push({ value: '--help', describe: 'Show help' });
    return { kind: 'static', candidates: byPrefix(cands, current), directive: Directive.NoFileComp };
  }
  if (!cmd) {
    return {
      kind: 'static',
      candidates: byPrefix(commands.map((c) => ({ value: c.name, describe: c.describe })), current),
      directive: Directive.NoFileComp,
    };
  }
  const source = cmd.positionals[positional];
  if (source === undefined) return { kind: 'static', candidates: [], directive: Directive.NoFileComp };
  return valuePlan(undefined, source, current, '', seen);
}

export function formatCompletion(cands: Candidate[], directive: number): string {
  const lines = cands.map((c) => (c.describe ? `${c.value}\t${c.describe.split('\n')[0]}` : c.value));
  return [...lines, `:${directive}`].join('\n') + '\n';
}

// ---- the imperative shell --------------------------------------------------------------------

async function commandSpecs(): Promise<{ commands: CommandSpec[]; global: FlagSpec[] }> {
  const [{ default: yargs }, { globalFlags }, { COMMANDS }] = await Promise.all([
    import('yargs'), import('./flags.ts'), import('./main.ts'),
  ]);
  const global = specFromYargs('', [], '', globalFlags(yargs()), '').flags;
  const globalNames = new Set(global.map((f) => f.long));
  const commands = (COMMANDS as Command[])
    .filter((c) => typeof c.describe === 'string' && c.describe !== '')
    .map((c) => {
      const y = c.builder ? c.builder(yargs()) : yargs();
      const name = c.command.split(/\s+/)[0] ?? c.command;
      const spec = specFromYargs(name, c.aliases ?? [], c.describe, y, c.command);
      return { ...spec, flags: spec.flags.filter((f) => !globalNames.has(f.long) && f.long !== 'help') };
    });
  return { commands, global: global.filter((f) => f.long !== 'help') };
}

/**
 * A shell waits on every TAB: one attempt, no retries, and 2 s per request unless --request-timeout
 * was typed (the commands' default is 8 retries with backoff and 30 s).
 */
export const COMPLETION_RETRY: RetryPolicy = { maxRetries: 0, baseMs: 0, maxMs: 0, maxRetryAfterMs: 0 };
export const COMPLETION_TIMEOUT_MS = 2000;

async function fetchValues(p: Extract<Plan, { kind: 'fetch' }>, io: IO): Promise<string[]> {
  const flags = {
    kubeconfig: p.flags.kubeconfig, context: p.flags.context, cluster: p.flags.cluster, user: p.flags.user,
    namespace: p.flags.namespace, server: p.flags.server, token: p.flags.token,
    insecureSkipTlsVerify: p.flags['insecure-skip-tls-verify'] === 'true' ? true : undefined,
    certificateAuthority: p.flags['certificate-authority'],
    as: p.flags.as, requestTimeout: p.flags['request-timeout'],
  };
  if (p.source === 'contexts' || p.source === 'clusters' || p.source === 'users') {
    const [{ readKubeconfigFiles }, { mergeKubeconfigs }] = await Promise.all([import('../kube/connection.ts'), import('../kube/kubeconfig.ts')]);
    const merged = mergeKubeconfigs(readKubeconfigFiles(flags, io.env));
    return merged[p.source].map((n) => n.name);
  }
  const { connect } = await import('../kube/connection.ts');
  const conn = await connect(flags, { env: io.env, retry: COMPLETION_RETRY, defaultTimeoutMs: COMPLETION_TIMEOUT_MS });
  try {
    const path = p.source === 'namespaces' ? '/api/v1/namespaces' : `/api/v1/namespaces/${encodeURIComponent(conn.namespace)}/pods`;
    const items = await conn.list<{ metadata?: { name?: string } }>(path);
    return items.map((i) => i.metadata?.name ?? '').filter(Boolean).sort();
  } finally {
    conn.close();
  }
}

/** `kubectl-airflow __complete <words...>`: never fails loudly, a shell is waiting. */
export async function completeMain(words: string[], io: IO): Promise<number> {
  const { commands, global } = await commandSpecs();
  const p = plan(words.length ? words : [''], commands, global);
  if (p.kind === 'static') {
    io.stdout.write(formatCompletion(p.candidates, p.directive));
    return ExitCode.OK;
  }
  try {
    const values = await fetchValues(p, io);
    const cands = values.filter((v) => v.startsWith(p.prefix)).map((v) => ({ value: p.insert + v }));
    io.stdout.write(formatCompletion(cands, Directive.NoFileComp));
  } catch (e) {
    io.stderr.write(`kubectl-airflow: completion: ${(e as Error).message.split('\n')[0]}\n`);
    io.stdout.write(formatCompletion([], Directive.Error));
  }
  return ExitCode.OK;
}

// ---- scripts ---------------------------------------------------------------------------------

export function kubectlPluginScript(): string {
  return `#!/bin/sh
# kubectl_complete-airflow: lets \`kubectl airflow <TAB>\` complete (kubectl >= 1.26 runs this file
# from PATH with the words after \`kubectl airflow\`). Install it next to the plugin, e.g.:
#   kubectl airflow completion kubectl-plugin > "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-airflow"
#   chmod +x "\${KREW_ROOT:-$HOME/.krew}/bin/kubectl_complete-airflow"
exec kubectl-airflow __complete "$@"
`;
}

export function bashScript(): string {
  return `# bash completion for kubectl-airflow. Load it with: source <(kubectl-airflow completion bash)
# (for \`kubectl airflow <TAB>\` use: kubectl airflow completion kubectl-plugin)
_kubectl_airflow() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' line directive=4
  local -a lines
  lines=($(kubectl-airflow __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null))
  if [[ \${#lines[@]} -gt 0 && \${lines[\${#lines[@]}-1]} == :* ]]; then
    directive=\${lines[\${#lines[@]}-1]#:}
    unset 'lines[\${#lines[@]}-1]'
  fi
  COMPREPLY=()
  for line in "\${lines[@]}"; do COMPREPLY+=("\${line%%$'\\t'*}"); done
  if (( directive & 1 )); then COMPREPLY=(); return; fi
  if (( directive & 2 )); then compopt -o nospace 2>/dev/null; fi
  if (( directive & 4 )); then compopt +o default 2>/dev/null; fi
}
complete -o default -F _kubectl_airflow kubectl-airflow
`;
}

export function zshScript(): string {
  return `#compdef kubectl-airflow
# zsh completion for kubectl-airflow. Load it with: source <(kubectl-airflow completion zsh)
_kubectl_airflow() {
  local -a lines cands
  local line value desc directive=4
  lines=("\${(@f)$(kubectl-airflow __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null)}")
  if [[ \${lines[-1]} == :* ]]; then directive=\${lines[-1]#:}; lines=("\${(@)lines[1,-2]}"); fi
  for line in "\${lines[@]}"; do
    [[ -z $line ]] && continue
    value=\${line%%$'\\t'*}; desc=\${line#*$'\\t'}
    [[ $desc == $line ]] && desc=""
    cands+=("\${value//:/\\\\:}\${desc:+:$desc}")
  done
  if (( \${#cands} )); then _describe -t values 'kubectl-airflow' cands; return; fi
  (( directive & 4 )) || _files
}
compdef _kubectl_airflow kubectl-airflow
`;
}

export function fishScript(): string {
  return `# fish completion for kubectl-airflow. Load it with: kubectl-airflow completion fish | source
function __kubectl_airflow_complete
    set -l words (commandline -opc)
    set -e words[1]
    kubectl-airflow __complete $words (commandline -ct) 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-airflow -f -a '(__kubectl_airflow_complete)'
`;
}

export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash': return bashScript();
    case 'zsh': return zshScript();
    case 'fish': return fishScript();
    case 'kubectl-plugin': return kubectlPluginScript();
    default: throw new UsageError(`completion: unknown shell "${shell}": use one of ${SHELLS.join(', ')}`);
  }
}

export const completionCommand = defineCommand<{ shell: string }>({
  command: 'completion <shell>',
  describe: 'Print a shell completion script: bash, zsh, fish, or kubectl-plugin (for `kubectl airflow <TAB>`)',
  builder: (y: Argv) =>
    y
      .positional('shell', { type: 'string', describe: `One of ${SHELLS.join(', ')}` })
      .example('$0 completion kubectl-plugin > ~/.krew/bin/kubectl_complete-airflow && chmod +x ~/.krew/bin/kubectl_complete-airflow', 'Complete `kubectl airflow <TAB>` (kubectl >= 1.26)')
      .example('source <(kubectl-airflow completion bash)', 'Complete `kubectl-airflow <TAB>` in bash'),
  run: async (args, ctx) => {
    ctx.out(completionScript(args.shell));
    return ExitCode.OK;
  },
});
