import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { NeighbourTable, parseArpTable } from '../../lib/security/neighbours.js';

const HEADER = 'IP address       HW type     Flags       HW address            Mask     Device\n';
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function arpFile(lines: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pnp-arp-'));
  dirs.push(dir);
  const file = path.join(dir, 'arp');
  writeFileSync(file, HEADER + lines.map((l) => `${l}\n`).join(''));
  return file;
}

describe('parseArpTable', () => {
  test('complete entries only, MACs normalised', () => {
    const table = parseArpTable(HEADER + [
      '192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0',
      '192.0.2.7        0x1         0x0         00:00:00:00:00:00     *        eth0',
      '192.0.2.8        0x1         0x6         00:04:13:a1:1f:a7     *        eth0',
      'garbage',
    ].join('\n'));
    expect([...table]).toEqual([['192.0.2.1', '02FC00000005'], ['192.0.2.8', '000413A11FA7']]);
  });
});

describe('NeighbourTable', () => {
  test('the MAC for an IPv4 address, also IPv4-mapped; nothing for an address the table does not hold or for IPv6', () => {
    const table = new NeighbourTable({ file: arpFile(['192.0.2.8 0x1 0x2 00:04:13:a1:1f:a7 * eth0']) });
    expect(table.macOf('192.0.2.8')).toBe('000413A11FA7');
    expect(table.macOf('::ffff:192.0.2.8')).toBe('000413A11FA7');
    expect(table.macOf('192.0.2.9')).toBeUndefined();
    expect(table.macOf('2001:db8::8')).toBeUndefined();
  });

  test('a reading is reused for maxAgeMs; an address it lacks is looked up afresh', () => {
    let t = 0;
    const file = arpFile(['192.0.2.8 0x1 0x2 00:04:13:a1:1f:a7 * eth0']);
    const table = new NeighbourTable({ file, maxAgeMs: 1000, now: () => t });
    expect(table.macOf('192.0.2.8')).toBe('000413A11FA7');
    writeFileSync(file, `${HEADER}192.0.2.8 0x1 0x2 00:04:13:00:00:01 * eth0\n192.0.2.9 0x1 0x2 00:04:13:00:00:02 * eth0\n`);
    t = 500;
    expect(table.macOf('192.0.2.8')).toBe('000413A11FA7');
    expect(table.macOf('192.0.2.9')).toBe('000413000002');
    t = 1600;
    expect(table.macOf('192.0.2.8')).toBe('000413000001');
  });

  test('without a table (another platform): never a MAC, so never a refusal', () => {
    const table = new NeighbourTable({ file: path.join(os.tmpdir(), 'no-such-arp-table') });
    expect(table.macOf('192.0.2.8')).toBeUndefined();
  });
});
