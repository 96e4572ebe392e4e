import { describe, expect, test } from 'vitest';
import { parseSnomFileName, snomFileName, type SnomFile } from '../../../lib/vendors/snom/paths.js';

describe('Snom file names', () => {
  test.each<[string, SnomFile, string]>([
    ['snomD735.htm', { kind: 'model-container', phoneType: 'snomD735' }, 'snomD735.htm'],
    ['snom320.htm', { kind: 'model-container', phoneType: 'snom320' }, 'snom320.htm'],
    ['snomD735-000413A11FA7.htm', { kind: 'device-container', phoneType: 'snomD735', mac: '000413A11FA7' }, 'snomD735-000413A11FA7.htm'],
    ['snom715-000413a11fa7.htm', { kind: 'device-container', phoneType: 'snom715', mac: '000413A11FA7' }, 'snom715-000413A11FA7.htm'],
    ['000413a11fa7.xml', { kind: 'settings', mac: '000413A11FA7' }, '000413A11FA7.xml'],
    ['000413A11FA7-firmware.xml', { kind: 'firmware', mac: '000413A11FA7' }, '000413A11FA7-firmware.xml'],
  ])('%s', (name, file, canonical) => {
    expect(parseSnomFileName(name)).toEqual(file);
    expect(snomFileName(file)).toBe(canonical);
  });

  test.each([
    '', 'snom.htm', 'snomD735.xml', 'snomD735-00:04:13:A1:1F:A7.htm', 'snomD735-000413A11FA.htm', 'D735-000413A11FA7.htm',
    '000413A11FA7.htm', '000413A11FA7.xml.bak', '000413A11FA7', '000413A11FG7.xml', 'firmware.xml', '.htm', '..', 'snomD735.htm/',
  ])('not a Snom file: %j', (name) => {
    expect(parseSnomFileName(name)).toBeUndefined();
  });
});
