// Shell completion. One engine, the hidden `kubectl-airflow __complete <words...> <partial>`, answers
// in kubectl's (Cobra's) plugin-completion format: one candidate per line (`value\tdescription`),
// then `:<directive>`. kubectl >= 1.26 runs `kubectl_complete-airflow` from PATH with the words
// after `kubectl airflow` and reads exactly that, so `completion kubectl-plugin` writes a script that
// forwards to __complete; the bash/zsh/fish scripts (for typing `kubectl-airflow` directly) read the
// same answer. Namespaces and pod names come from the cluster, contexts from the kubeconfig.
//
// plan() is pure: words -> static candidates or what to fetch; completeMain() has kube/names.ts
// fetch the names and prints them. The commands and flags come from the command data.
import { UsageError } from '../base/errors.ts';
import { ExitCode } from '../base/exit-codes.ts';
import type { Command, IO, FlagSpec as DeclaredFlag, ValueSource } from './command.ts';

// Cobra's ShellCompDirective values.
export const Directive = { Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4 } as const;

export const SHELLS = ['bash', 'zsh', 'fish', 'kubectl-plugin'] as const;

export type { ValueSource } from './command.ts';

export interface FlagSpec {
  long: string;
  short?: string;
  takesValue: boolean;
  describe: string;
  values?: ValueSource;
}
export interface CommandSpec {
  name: string;
  aliases: string[];
  describe: string;
  flags: FlagSpec[];
  positionals: ValueSource[];
}

export interface Candidate {
  value: string;
  describe?: string;
}

export type Plan =
  | { kind: 'static'; candidates: Candidate[]; directive: number }
  | {
      kind: 'fetch';
      source: 'namespaces' | 'pods' | 'contexts' | 'clusters' | 'users';
      prefix: string;
      insert: string;
      flags: Record<string, string>;
    };

function flagOf(f: DeclaredFlag): FlagSpec {
  const takesValue = f.type === 'string' || f.type === 'number';
  return {
    long: f.name,
    ...(f.short ? { short: f.short } : {}),
    takesValue,
    describe: f.describe,
    ...(f.values ? { values: f.values } : {}),
  };
}

/** A declared command as completion reads it. */
export function specOf(c: Command): CommandSpec {
  return {
    name: c.name,
    aliases: c.aliases ?? [],
    describe: c.describe,
    flags: (c.flags ?? []).map(flagOf),
    positionals: (c.positionals ?? []).map((p) => p.values ?? []),
  };
}

function byPrefix(cands: Candidate[], prefix: string): Candidate[] {
  return cands.filter((c) => c.value.startsWith(prefix));
}

function flagByName(flags: FlagSpec[], word: string): FlagSpec | undefined {
  if (word.startsWith('--')) return flags.find((f) => f.long === word.slice(2));
  if (/^-[^-]$/.test(word)) return flags.find((f) => f.short === word.slice(1) || f.long === word.slice(1));
  return undefined;
}

function valuePlan(
  flag: FlagSpec | undefined,
  source: ValueSource | undefined,
  prefix: string,
  insert: string,
  seen: Record<string, string>,
): Plan {
  const src = source ?? flag?.values;
  if (src === undefined) return { kind: 'static', candidates: [], directive: Directive.NoFileComp };
  if (src === 'files') return { kind: 'static', candidates: [], directive: Directive.Default };
  if (Array.isArray(src)) {
    return {
      kind: 'static',
      candidates: byPrefix(
        src.map((v) => ({ value: insert + v })),
        insert + prefix,
      ),
      directive: Directive.NoFileComp,
    };
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
  const seen: Record<string, string> = {}; // values of flags already typed (namespace, context ...)
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
      candidates: byPrefix(
        commands.map((c) => ({ value: c.name, describe: c.describe })),
        current,
      ),
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

async function fetchValues(p: Extract<Plan, { kind: 'fetch' }>, io: IO): Promise<string[]> {
  const flags = {
    kubeconfig: p.flags.kubeconfig,
    context: p.flags.context,
    cluster: p.flags.cluster,
    user: p.flags.user,
    namespace: p.flags.namespace,
    server: p.flags.server,
    token: p.flags.token,
    insecureSkipTlsVerify: p.flags['insecure-skip-tls-verify'] === 'true' ? true : undefined,
    certificateAuthority: p.flags['certificate-authority'],
    as: p.flags.as,
    requestTimeout: p.flags['request-timeout'],
  };
  const { listNames } = await import('../kube/names.ts');
  return listNames(p.source, flags, io.env);
}

/** `kubectl-airflow __complete <words...>`: never fails loudly, a shell is waiting. */
export async function completeMain(words: string[], io: IO): Promise<number> {
  const [{ COMMANDS }, { GLOBAL_FLAGS }] = await Promise.all([import('./commands/index.ts'), import('./flags.ts')]);
  const commands = COMMANDS.map(specOf);
  const global = GLOBAL_FLAGS.map(flagOf);
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
    case 'bash':
      return bashScript();
    case 'zsh':
      return zshScript();
    case 'fish':
      return fishScript();
    case 'kubectl-plugin':
      return kubectlPluginScript();
    default:
      throw new UsageError(`completion: unknown shell "${shell}": use one of ${SHELLS.join(', ')}`);
  }
}
