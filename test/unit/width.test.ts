// The width a reader's screen gives, and prose wrapped to it without splitting a word.
import assert from 'node:assert/strict';
import { outputWidth, visibleWidth, wrapLine } from '../../src/render/width.ts';

describe('output width', () => {
  it('the terminal first, then $COLUMNS, else no limit (a pipe: lines stay whole for grep)', () => {
    assert.equal(outputWidth({ columns: 132 }, { COLUMNS: '100' }), 132);
    assert.equal(outputWidth({}, { COLUMNS: '100' }), 100);
    assert.equal(outputWidth({}, { COLUMNS: 'wide' }), Infinity);
    assert.equal(outputWidth({}, {}), Infinity);
  });
  it('wraps at spaces within the width, continuation indented, words whole, colours not counted', () => {
    const line =
      "info: no airflow.cfg ConfigMap is mounted: the image's airflow.cfg (not visible here) may set these options";
    const out = wrapLine(line, 40);
    assert.ok(
      out.every((l) => l.length <= 40),
      out.join('|'),
    );
    assert.equal(out.map((l) => l.trim()).join(' '), line);
    assert.ok(out.slice(1).every((l) => l.startsWith('  ')));
    assert.deepEqual(wrapLine('  in: a-very-long-pod-name-that-cannot-be-split-anywhere/container', 20), [
      '  in:',
      '    a-very-long-pod-name-that-cannot-be-split-anywhere/container',
    ]);
    assert.equal(visibleWidth('\x1b[31merror\x1b[0m'), 5);
    assert.deepEqual(wrapLine('short', 80), ['short']);
  });
});
