// argv -> command and arguments (src/cli/parse.ts), table-driven.
import { strict as assert } from 'node:assert';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { parseArgv } from '../../src/cli/parse.ts';

const run = (argv: string[]) => {
  const p = parseArgv(argv, COMMANDS);
  assert.equal(p.kind, 'run', JSON.stringify(argv));
  return p as Extract<typeof p, { kind: 'run' }>;
};

describe('parsing argv from the command data', () => {
  const table: Array<[string[], string, Record<string, unknown>]> = [
    [['rbac'], 'rbac', { output: 'table', allNamespaces: false, maxInFlight: 16, fix: false }],
    [['-n', 'airflow', 'rbac'], 'rbac', { namespace: 'airflow' }],
    [['rbac', '-nairflow'], 'rbac', { namespace: 'airflow' }],
    [['rbac', '--namespace=airflow', '-o', 'json'], 'rbac', { namespace: 'airflow', output: 'json' }],
    [['rbac', '--sa', 'a:b', '--sa', 'c:d'], 'rbac', { sa: ['a:b', 'c:d'] }],
    [['rbac', '--as-group', 'g1', '--as-group=g2', '--as', 'u'], 'rbac', { asGroup: ['g1', 'g2'], as: 'u' }],
    [['rbac', '--fix'], 'rbac', { fix: true }],
    [['rbac', '--fix=false'], 'rbac', { fix: false }],
    [['rbac', '--no-fix'], 'rbac', { fix: false }],
    [['rbac', '-vvv'], 'rbac', { v: 3 }],
    [['rbac', '-v', '-v'], 'rbac', { v: 2 }],
    [['-Av', 'rbac'], 'rbac', { allNamespaces: true, v: 1 }],
    [
      ['net', 'pod-a', '--attempts', '3', '-c', 'base'],
      'net',
      { pod: 'pod-a', attempts: 3, container: 'base', probeTimeout: '3', all: false },
    ],
    [['net', '--attempts', 'x'], 'net', { attempts: Number.NaN }],
    [['net', '--', '-odd-pod'], 'net', { pod: '-odd-pod' }],
    [['ha', '--from', 'w-0', '--max-in-flight', '4'], 'ha', { from: 'w-0', maxInFlight: 4 }],
    [['completion', 'zsh'], 'completion', { shell: 'zsh' }],
  ];
  for (const [argv, command, want] of table) {
    it(JSON.stringify(argv), () => {
      const p = run(argv);
      assert.equal(p.command.name, command);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(p.args[k], v, k);
    });
  }

  const errors: Array<[string[], RegExp]> = [
    [[], /^a command is required/],
    [['bogus'], /^Unknown argument: bogus/],
    [['rbac', '--nope'], /^Unknown argument: nope/],
    [['rbac', '--nope', '-x'], /^Unknown arguments: nope, x/],
    [['rbac', 'extra'], /^Unknown argument: extra/],
    [['rbac', '--from', 'p'], /^Unknown argument: from/],
    [['rbac', '-n'], /^Not enough arguments following: n/],
    [['rbac', '--namespace', '-A'], /^Not enough arguments following: namespace/],
    [['completion'], /^Not enough non-option arguments: got 0, need at least 1/],
  ];
  for (const [argv, re] of errors) {
    it(`${JSON.stringify(argv)}: a usage error`, () => {
      assert.throws(
        () => parseArgv(argv, COMMANDS),
        (e: Error) => e.name === 'UsageError' && re.test(e.message),
      );
    });
  }

  it('-h and --help anywhere ask for help: of the command when one is named', () => {
    const table: Array<[string[], string | undefined]> = [
      [['--help'], undefined],
      [['-h'], undefined],
      [['rbac', '-h'], 'rbac'],
      [['-n', 'x', 'net', 'pod', '--help'], 'net'],
      [['--help', 'ha'], 'ha'],
    ];
    for (const [argv, command] of table) {
      const p = parseArgv(argv, COMMANDS);
      assert.equal(p.kind, 'help', JSON.stringify(argv));
      assert.equal(p.kind === 'help' ? p.command?.name : 'x', command, JSON.stringify(argv));
    }
  });
});
