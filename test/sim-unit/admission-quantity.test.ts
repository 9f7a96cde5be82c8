// resource.Quantity parsing and canonical printing as the admission messages show quantities.
import assert from 'node:assert/strict';
import { add, formatQuantity, parseQuantity } from '../sim/admission/quantity.ts';

describe('sim admission: quantity', () => {
  const canonical: [string, string][] = [
    ['512Mi', '512Mi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0', '0'],
    ['0.5', '500m'],
    ['1500m', '1500m'],
    ['1000m', '1'],
    ['2000', '2k'],
    ['1G', '1G'],
    ['1e3', '1e3'],
    ['100Ki', '100Ki'],
    ['512', '512'],
    ['0.5Gi', '512Mi'],
  ];
  for (const [input, want] of canonical) {
    it(`${input} prints as ${want}`, () => assert.equal(formatQuantity(parseQuantity(input)), want));
  }

  it('adds keeping the first operand format; a zero takes the other one', () => {
    assert.equal(formatQuantity(add(parseQuantity('512Mi'), parseQuantity('512Mi'))), '1Gi');
    assert.equal(formatQuantity(add(parseQuantity('0'), parseQuantity('256Mi'))), '256Mi');
    assert.equal(formatQuantity(add(parseQuantity('250m'), parseQuantity('750m'))), '1');
  });

  it('rejects what is not a quantity', () => {
    assert.throws(() => parseQuantity('lots'));
    assert.throws(() => parseQuantity('1Xi'));
  });
});
