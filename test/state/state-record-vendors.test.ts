/** The history's file records read model and firmware from the User-Agent of the vendor that served the file. */
import { expect, test } from 'vitest';
import { recordFromServedFile } from '../../lib/state/state-record.js';

const AT = new Date('2026-12-07T12:00:00.000Z');

test.each([
  ['yealink', 'Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56', 'T46S', '66.86.0.15'],
  ['grandstream', 'Grandstream Model HW GXP2170 SW 1.0.11.3 DevId 000b82aabbcc', 'GXP2170', '1.0.11.3'],
  ['fanvil', 'Fanvil X4 2.4.1', 'X4', '2.4.1'],
  ['snom', 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-gd311851 000413922D24 SXM:0 UXM:0)', 'D785', '10.1.33.33'],
])('%s', (vendor, userAgent, model, firmware) => {
  const record = recordFromServedFile({ vendor, kind: 'settings', file: 'f', status: 200, method: 'GET', ip: '192.0.2.1', userAgent }, AT);
  expect(record).toMatchObject({ model, firmware });
});

test('another vendor\'s User-Agent on a file says nothing about the model', () => {
  const record = recordFromServedFile({ vendor: 'yealink', kind: 'settings', file: 'f', status: 200, method: 'GET', ip: '192.0.2.1', userAgent: 'Fanvil X4 2.4.1' }, AT);
  expect(record.model).toBeUndefined();
});
