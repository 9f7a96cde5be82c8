import { strict as assert } from 'node:assert';
import { palette, useColour } from '../../src/render/colour.ts';
import { renderData } from '../../src/render/data.ts';
import { parseOutput } from '../../src/render/output.ts';
import { cliTable3, plainTable, renderTable } from '../../src/render/table.ts';
import { UsageError } from '../../src/base/errors.ts';

describe('render', () => {
  it('colour only on a TTY, never under NO_COLOR', () => {
    assert.equal(useColour({ isTTY: true }, {}), true);
    assert.equal(useColour({ isTTY: false }, {}), false);
    assert.equal(useColour({}, {}), false);
    assert.equal(useColour({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(palette(false).red('x'), 'x');
    assert.equal(palette(true).red('x'), '\x1b[31mx\x1b[39m');
  });
  it('output formats', () => {
    assert.equal(parseOutput(undefined), 'table');
    assert.equal(parseOutput('wide'), 'wide');
    assert.throws(() => parseOutput('xml'), UsageError);
    assert.deepEqual(JSON.parse(renderData({ a: [1] }, 'json')), { a: [1] });
    assert.equal(renderData({ a: [1] }, 'yaml'), 'a:\n  - 1\n');
  });
  it('borderless tables align columns like kubectl get', () => {
    const t = renderTable(
      ['NAME', 'VERBS'],
      [
        ['pods', 'get'],
        ['pods/exec', 'create'],
      ],
    );
    assert.deepEqual(t.split('\n'), ['NAME        VERBS', 'pods        get', 'pods/exec   create']);
  });
});

describe('plain tables: the same text as cli-table3, without its per-cell work', () => {
  const cases: Array<[string, string[], string[][]]> = [
    ['empty body', ['A', 'BB'], []],
    [
      'empty cells and an empty row',
      ['A', 'BB', ''],
      [
        ['x', '', ''],
        ['long cell', 'y', 'z  '],
        ['', '', ''],
      ],
    ],
    [
      'leading and trailing spaces',
      ['A', 'B'],
      [
        [' lead', 't '],
        ['', ' '],
      ],
    ],
    [
      'punctuation',
      ['RESOURCE', 'GET'],
      [
        ['pods/log', 'yes'],
        ['*.apps', '-'],
        ['~!@#$%^&*()_+{}|:"<>?`', "'"],
      ],
    ],
  ];
  // deterministic pseudo-random tables (a fixed LCG seed): same input, same test
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const word = () => ' abcXYZ019-/.*'.slice(0, Math.floor(next() * 14)).repeat(Math.floor(next() * 3));
  for (let t = 0; t < 200; t++) {
    const cols = 1 + Math.floor(next() * 6);
    const head = Array.from({ length: cols }, word);
    const rows = Array.from({ length: Math.floor(next() * 8) }, () => Array.from({ length: cols }, word));
    cases.push([`generated ${t}`, head, rows]);
  }
  for (const [name, head, rows] of cases) {
    it(`${name}: byte-identical to cli-table3`, () => {
      assert.equal(plainTable(head, rows), cliTable3(head, rows));
      assert.equal(renderTable(head, rows), cliTable3(head, rows));
    });
  }
  it('leaves to cli-table3 what is not plain ASCII or not rectangular', () => {
    assert.equal(plainTable(['A'], [['\x1b[31mno\x1b[0m']]), undefined);
    assert.equal(plainTable(['A'], [['名前']]), undefined);
    assert.equal(plainTable(['A'], [['a\tb']]), undefined);
    assert.equal(plainTable(['A', 'B'], [['only one']]), undefined);
    assert.equal(plainTable([], []), undefined);
    assert.equal(renderTable(['A'], [['名前']]), cliTable3(['A'], [['名前']]));
  });
});
