// Completion: the pure planner over a fixed command table, the real registry through the hidden
// __complete entry, and the bash script run by a real bash.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main.ts';
import {
  bashScript,
  completionScript,
  Directive,
  fishScript,
  formatCompletion,
  kubectlPluginScript,
  plan,
  zshScript,
  type CommandSpec,
  type FlagSpec,
} from '../../src/cli/completion.ts';
import { repoRoot } from '../../scripts/build.ts';
import { tempDir } from '../bench/binary.ts';

const GLOBAL: FlagSpec[] = [
  { long: 'namespace', short: 'n', takesValue: true, describe: 'Namespace', values: 'namespaces' },
  { long: 'kubeconfig', takesValue: true, describe: 'Path', values: 'files' },
  { long: 'context', takesValue: true, describe: 'Context', values: 'contexts' },
  { long: 'output', short: 'o', takesValue: true, describe: 'Output', values: ['table', 'wide', 'json', 'yaml'] },
  { long: 'all-namespaces', short: 'A', takesValue: false, describe: 'All' },
  { long: 'v', takesValue: false, describe: 'Verbosity' },
];
const COMMANDS: CommandSpec[] = [
  {
    name: 'rbac',
    aliases: [],
    describe: 'Check permissions',
    flags: [
      { long: 'fix', takesValue: false, describe: 'Print the fix' },
      { long: 'sa', takesValue: true, describe: 'ServiceAccount' },
    ],
    positionals: [],
  },
  { name: 'net', aliases: [], describe: 'Probe from a pod', flags: [], positionals: ['pods'] },
  {
    name: 'ha',
    aliases: [],
    describe: 'HA',
    flags: [{ long: 'from', takesValue: true, describe: 'Pod', values: 'pods' }],
    positionals: [],
  },
  {
    name: 'completion',
    aliases: [],
    describe: 'Scripts',
    flags: [],
    positionals: [['bash', 'zsh', 'fish', 'kubectl-plugin']],
  },
];
const values = (p: ReturnType<typeof plan>) => (p.kind === 'static' ? p.candidates.map((c) => c.value) : p);

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      env: { KUBECONFIG: '/nonexistent' },
    },
    out: () => out,
    err: () => err,
  };
}

describe('completion planner', () => {
  it('offers the subcommands, filtered by what is typed', () => {
    assert.deepEqual(values(plan([''], COMMANDS, GLOBAL)), ['rbac', 'net', 'ha', 'completion']);
    assert.deepEqual(values(plan(['c'], COMMANDS, GLOBAL)), ['completion']);
    const p = plan([''], COMMANDS, GLOBAL);
    assert.equal(p.kind === 'static' && p.directive, Directive.NoFileComp);
  });

  it('skips global flags and their values before the command', () => {
    assert.deepEqual(values(plan(['-n', 'airflow', '--context=x', '-A', 'r'], COMMANDS, GLOBAL)), ['rbac']);
    assert.deepEqual(values(plan(['-n', 'airflow', 'rbac', ''], COMMANDS, GLOBAL)), []);
  });

  it('offers the command flags and the global ones; single letters with one dash', () => {
    const all = values(plan(['rbac', '-'], COMMANDS, GLOBAL)) as string[];
    assert.deepEqual(all.slice(0, 2), ['--fix', '--sa']);
    assert.ok(all.includes('-n') && all.includes('--namespace') && all.includes('-v') && !all.includes('--v'));
    assert.deepEqual(values(plan(['rbac', '--n'], COMMANDS, GLOBAL)), ['--namespace']);
    assert.ok(!(values(plan(['ha', '--'], COMMANDS, GLOBAL)) as string[]).includes('--fix'));
  });

  it('completes flag values: static lists, files, or what to fetch from the cluster', () => {
    assert.deepEqual(values(plan(['rbac', '-o', 'j'], COMMANDS, GLOBAL)), ['json']);
    assert.deepEqual(values(plan(['--output=y'], COMMANDS, GLOBAL)), ['--output=yaml']);
    const files = plan(['--kubeconfig', ''], COMMANDS, GLOBAL);
    assert.deepEqual(files, { kind: 'static', candidates: [], directive: Directive.Default });
    assert.deepEqual(plan(['--context', 'x', '-n', 'ai'], COMMANDS, GLOBAL), {
      kind: 'fetch',
      source: 'namespaces',
      prefix: 'ai',
      insert: '',
      flags: { context: 'x' },
    });
    assert.deepEqual(plan(['--namespace=ai'], COMMANDS, GLOBAL), {
      kind: 'fetch',
      source: 'namespaces',
      prefix: 'ai',
      insert: '--namespace=',
      flags: {},
    });
    assert.deepEqual(plan(['-n', 'team', 'ha', '--from', 'air'], COMMANDS, GLOBAL), {
      kind: 'fetch',
      source: 'pods',
      prefix: 'air',
      insert: '',
      flags: { namespace: 'team' },
    });
    assert.deepEqual(values(plan(['rbac', '--sa', ''], COMMANDS, GLOBAL)), []);
  });

  it('completes positionals: pods for net, shells for completion, nothing past the last', () => {
    assert.deepEqual(plan(['net', ''], COMMANDS, GLOBAL), {
      kind: 'fetch',
      source: 'pods',
      prefix: '',
      insert: '',
      flags: {},
    });
    assert.deepEqual(values(plan(['net', 'pod-a', ''], COMMANDS, GLOBAL)), []);
    assert.deepEqual(values(plan(['completion', 'z'], COMMANDS, GLOBAL)), ['zsh']);
    assert.deepEqual(values(plan(['nosuch', ''], COMMANDS, GLOBAL)), []);
  });

  it('formats as kubectl reads it: value<TAB>first line of the description, then :directive', () => {
    assert.equal(
      formatCompletion([{ value: 'rbac', describe: 'Check\nmore' }, { value: 'x' }], 4),
      'rbac\tCheck\nx\n:4\n',
    );
    assert.equal(formatCompletion([], 0), ':0\n');
  });
});

describe('completion through the real command table', () => {
  it('__complete "" lists every visible command with its description, not itself', async () => {
    const c = capture();
    assert.equal(await main(['__complete', ''], c.io), 0);
    const lines = c.out().trim().split('\n');
    assert.equal(lines.at(-1), ':4');
    const names = lines.slice(0, -1).map((l) => l.split('\t')[0]);
    // the order of COMMANDS (help's order: the one to start with first)
    assert.deepEqual(names, ['doctor', 'rbac', 'net', 'ha', 'admission', 'config', 'version', 'completion']);
    assert.ok(!names.includes('__complete'));
    assert.ok(
      lines.slice(0, -1).every((l) => /^[\w-]+\t\S/.test(l)),
      c.out(),
    );
  });

  it("reads each command's flags from the command data", async () => {
    const c = capture();
    await main(['__complete', 'ha', '--f'], c.io);
    assert.match(c.out(), /^--from\t/m);
    const g = capture();
    await main(['__complete', 'rbac', '--kubec'], g.io);
    assert.equal(g.out(), '--kubeconfig\tPath to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)\n:4\n');
  });

  it('a cluster it cannot reach gives :1 and one line on stderr, never a stack', async () => {
    const c = capture();
    assert.equal(await main(['__complete', '-n', ''], c.io), 0);
    assert.equal(c.out(), ':1\n');
    assert.equal(c.err().trim().split('\n').length, 1);
    assert.match(c.err(), /^kubectl-airflow: completion: /);
  });

  it('completion <shell> prints each script; an unknown shell is a usage error', async () => {
    for (const [shell, want] of [
      ['bash', bashScript()],
      ['zsh', zshScript()],
      ['fish', fishScript()],
      ['kubectl-plugin', kubectlPluginScript()],
    ] as const) {
      const c = capture();
      assert.equal(await main(['completion', shell], c.io), 0);
      assert.equal(c.out(), want);
    }
    const bad = capture();
    assert.equal(await main(['completion', 'tcsh'], bad.io), 2);
    assert.match(bad.err(), /unknown shell "tcsh"/);
    assert.throws(() => completionScript('csh'), /unknown shell/);
  });
});

describe('completion scripts in real shells', () => {
  let bin: string;
  before(() => {
    // a kubectl-airflow on PATH that runs the sources
    bin = tempDir('ka-compl-');
    writeFileSync(
      path.join(bin, 'kubectl-airflow'),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(repoRoot, 'src/cli/main.ts')}" "$@"\n`,
    );
    chmodSync(path.join(bin, 'kubectl-airflow'), 0o755);
  });

  it('bash: _kubectl_airflow fills COMPREPLY from __complete', function () {
    this.timeout(30_000);
    const script = `${bashScript()}\nCOMP_WORDS=(kubectl-airflow completion ''); COMP_CWORD=2; _kubectl_airflow; printf '%s\\n' "\${COMPREPLY[@]}"\nCOMP_WORDS=(kubectl-airflow -o j); COMP_CWORD=2; _kubectl_airflow; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, KUBECONFIG: '/nonexistent' },
      encoding: 'utf8',
    });
    assert.equal(out, 'bash\nzsh\nfish\nkubectl-plugin\njson\n');
  });

  it('kubectl-plugin: the script forwards its words to __complete', function () {
    this.timeout(30_000);
    const file = path.join(bin, 'kubectl_complete-airflow');
    writeFileSync(file, kubectlPluginScript());
    chmodSync(file, 0o755);
    const out = execFileSync(file, ['completion', 'k'], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: 'utf8' });
    assert.equal(out, 'kubectl-plugin\n:4\n');
  });

  it('zsh: the script parses', function () {
    if (spawnSync('sh', ['-c', 'command -v zsh']).status !== 0) {
      process.stdout.write('      (zsh is not installed here: syntax not checked)\n');
      this.skip();
    }
    const file = path.join(bin, 'compl.zsh');
    writeFileSync(file, zshScript());
    const r = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('fish: complete -C asks __complete and lists the candidates with descriptions', function () {
    this.timeout(30_000);
    if (spawnSync('sh', ['-c', 'command -v fish']).status !== 0) {
      process.stdout.write('      (fish is not installed here: not checked)\n');
      this.skip();
    }
    const file = path.join(bin, 'compl.fish');
    writeFileSync(file, fishScript());
    const r = spawnSync(
      'fish',
      [
        '--no-config',
        '-c',
        `source ${file}; complete -C 'kubectl-airflow completion '; complete -C 'kubectl-airflow ver'`,
      ],
      {
        env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin, KUBECONFIG: '/nonexistent' },
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual([...lines.slice(0, 4)].sort(), ['bash', 'fish', 'kubectl-plugin', 'zsh'], r.stdout);
    assert.match(lines[4] ?? '', /^version\tPrint the plugin version/);
  });
});
