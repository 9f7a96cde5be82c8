import { strict as assert } from 'node:assert';
import { palette, useColour } from '../../src/render/colour.ts';
import { renderData } from '../../src/render/data.ts';
import { parseOutput } from '../../src/render/output.ts';
import { renderTable } from '../../src/render/table.ts';
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
