import { describe, expect, it } from 'vitest';
import { formatInventoryError, formatPath, InventoryLoadError } from '../../lib/inventory/errors.js';

describe('formatPath', () => {
  it.each<[PropertyKey[], string]>([
    [['accounts', 0, 'user'], 'accounts[0].user'],
    [['groups', 'berlin-office', 'language'], 'groups.berlin-office.language'],
    [['functionKeys', '4'], 'functionKeys.4'],
    [['snom', 'a b'], 'snom["a b"]'],
    [[], ''],
  ])('%j → %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('formatInventoryError', () => {
  it('puts file, line, column, device and field first', () => {
    expect(formatInventoryError({ source: 'inv.yaml', line: 7, column: 9, device: '000413A11FA7', path: 'accounts[0].user', message: 'required' }))
      .toBe('inv.yaml:7:9: device 000413A11FA7: accounts[0].user: required');
  });

  it('leaves out what it does not know', () => {
    expect(formatInventoryError({ message: 'the inventory is empty' })).toBe('inventory: the inventory is empty');
    expect(formatInventoryError({ source: 'inv.yaml', line: 3, path: 'devices', message: 'x' })).toBe('inv.yaml:3: devices: x');
  });
});

describe('InventoryLoadError', () => {
  it('lists every problem in its message', () => {
    const error = new InventoryLoadError('inv.yaml', [{ source: 'inv.yaml', line: 1, column: 1, message: 'a' }, { source: 'inv.yaml', message: 'b' }]);
    expect(error.message).toBe('cannot load the inventory inv.yaml: 2 problems\n  - inv.yaml:1:1: a\n  - inv.yaml: b');
    expect(error.errors).toHaveLength(2);
  });
});
