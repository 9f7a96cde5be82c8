// --help rendered from the command data (src/cli/help.ts).
import { strict as assert } from 'node:assert';
import { builtinRequirements } from '../../src/airflow/requirements.ts';
import { COMMANDS, EXAMPLES } from '../../src/cli/commands/index.ts';
import { helpWidth, renderHelp, wrap } from '../../src/cli/help.ts';

describe('help', () => {
  const examples = [...EXAMPLES, ...COMMANDS.flatMap((c) => c.examples ?? [])];
  for (const width of [80, 120]) {
    it(`every example is one whole line at ${width} columns, its description above it`, () => {
      const pages: Array<[string, Array<[string, string]>]> = [
        [renderHelp(COMMANDS, undefined, width, EXAMPLES), EXAMPLES],
        ...COMMANDS.map(
          (c) => [renderHelp(COMMANDS, c, width, EXAMPLES), c.examples ?? []] as [string, Array<[string, string]>],
        ),
      ];
      assert.ok(examples.length >= 10, 'too few examples to mean anything');
      for (const [text, list] of pages) {
        const lines = text.split('\n');
        for (const [line, what] of list) {
          const at = lines.indexOf(`  ${line}`);
          assert.ok(at > 0, `"${line}" split at ${width} columns`);
          let start = at;
          while (lines[start - 1]?.startsWith('  # ')) start--;
          assert.equal(
            lines
              .slice(start, at)
              .map((l) => l.slice(4))
              .join(' '),
            what,
            `description of "${line}"`,
          );
        }
      }
    });
    it(`no other line is longer than ${width} columns`, () => {
      const all = [undefined, ...COMMANDS].map((c) => renderHelp(COMMANDS, c, width, EXAMPLES));
      const exampleLines = new Set(examples.map(([l]) => `  ${l}`));
      for (const text of all)
        for (const l of text.split('\n')) if (!exampleLines.has(l)) assert.ok(l.length <= width, `${l.length}: ${l}`);
    });
  }
  it('the width: the terminal up to 120, 100 for a pipe', () => {
    for (const [columns, want] of [
      [undefined, 100],
      [80, 80],
      [119, 119],
      [200, 120],
    ] as const)
      assert.equal(helpWidth({ columns }), want);
  });
  it('wrap keeps words whole, and a word longer than the width gets its own line', () => {
    const table: Array<[string, number, string[]]> = [
      ['a bb ccc', 4, ['a bb', 'ccc']],
      ['a bb ccc', 8, ['a bb ccc']],
      ['averyveryverylongword x', 5, ['averyveryverylongword', 'x']],
      ['  spaced   out  ', 20, ['spaced out']],
      ['', 10, []],
    ];
    for (const [text, width, want] of table)
      assert.deepEqual(wrap(text, width), want, `${JSON.stringify(text)} at ${width}`);
  });
  it("rbac --profile's description names every built-in profile", () => {
    const rbac = COMMANDS.find((c) => c.name === 'rbac')!;
    const describe = rbac.flags!.find((f) => f.name === 'profile')!.describe;
    assert.deepEqual(describe.split(': ')[1]!.split(', '), [...new Set(builtinRequirements().map((r) => r.profile))]);
  });
});
