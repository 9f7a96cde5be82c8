import { strict as assert } from 'node:assert';
import { byAddress, byText } from '../../src/base/order.ts';

describe('order: names and addresses, the same in every locale', () => {
  it('sorts names in code-unit order, as kubectl does (Go compares bytes)', () => {
    const names = ['worker-1', 'Worker', 'scheduler', 'worker-10', 'worker.x', 'worker-2', 'api-server', 'é'];
    assert.deepEqual([...names].sort(byText), [
      'Worker',
      'api-server',
      'scheduler',
      'worker-1',
      'worker-10',
      'worker-2',
      'worker.x',
      'é',
    ]);
    assert.equal(byText('a', 'a'), 0);
  });

  it('sorts addresses by their numeric parts, IPv4 and IPv6', () => {
    const addrs = ['10.0.0.11', '10.0.0.9', '10.0.1.1', '9.255.0.1', 'fd00::10', 'fd00::9', 'fd00::a'];
    assert.deepEqual([...addrs].sort(byAddress), [
      '9.255.0.1',
      '10.0.0.9',
      '10.0.0.11',
      '10.0.1.1',
      'fd00::9',
      'fd00::10',
      'fd00::a',
    ]);
    assert.equal(byAddress('10.0.0.1', '10.0.0.1'), 0);
  });
});
