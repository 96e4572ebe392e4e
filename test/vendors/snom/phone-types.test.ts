import { describe, expect, test } from 'vitest';
import {
  canonicalSnomModel, isSnomPhoneType, modelForPhoneType, phoneTypeForModel, sameSnomModel,
} from '../../../lib/vendors/snom/phone-types.js';

describe('phoneTypeForModel', () => {
  test.each([
    ['D715', 'snom715'],
    ['D725', 'snom725'],
    ['d715', 'snom715'],
    ['D735', 'snomD735'],
    ['D785', 'snomD785'],
    ['D865', 'snomD865'],
    ['d735', 'snomD735'],
    ['300', 'snom300'],
    ['320', 'snom320'],
    ['snom 320', 'snom320'],
    ['snom370', 'snom370'],
    ['710', 'snom710'],
    ['760', 'snom760'],
    ['821', 'snom821'],
    ['870', 'snom870'],
  ])('%s -> %s', (model, phoneType) => {
    expect(phoneTypeForModel(model)).toBe(phoneType);
  });

  test.each(['', 'D735/x', 'D 735 x', '../etc', 'x'.repeat(40)])('not a model: %j', (model) => {
    expect(phoneTypeForModel(model)).toBeUndefined();
  });
});

describe('modelForPhoneType', () => {
  test.each([
    ['snom715', 'D715'],
    ['snom725', 'D725'],
    ['SNOM715', 'D715'],
    ['snomD735', 'D735'],
    ['snomd735', 'D735'],
    ['snomD865', 'D865'],
    ['snom320', '320'],
    ['snom870', '870'],
  ])('%s -> %s', (phoneType, model) => {
    expect(modelForPhoneType(phoneType)).toBe(model);
  });

  test.each(['D735', 'snom', 'snom-D735', 'snomD735.htm', ''])('not a phone type: %j', (s) => {
    expect(modelForPhoneType(s)).toBeUndefined();
    expect(isSnomPhoneType(s)).toBe(false);
  });

  test('every model maps to a phone type that maps back to it', () => {
    for (const model of ['D715', 'D725', 'D735', 'D785', 'D865', '300', '320', '370', '710', '760', '821', '870']) {
      const phoneType = phoneTypeForModel(model);
      expect(phoneType && modelForPhoneType(phoneType)).toBe(model);
    }
  });
});

describe('sameSnomModel and canonicalSnomModel', () => {
  test.each([
    ['snom715', 'D715', true],
    ['snomD735', 'd735', true],
    ['snomD735', 'snomd735', true],
    ['snom320', 'snom 320', true],
    ['snomD735', 'D785', false],
    ['snom715', '715', false],
    ['snom320', '', false],
  ])('%j ~ %j: %s', (a, b, same) => {
    expect(sameSnomModel(a, b)).toBe(same);
  });

  test('canonical models are upper case without the vendor prefix', () => {
    expect(canonicalSnomModel(' snom-d785 ')).toBe('D785');
    expect(canonicalSnomModel('M900')).toBe('M900');
    expect(canonicalSnomModel('D7 35')).toBeUndefined();
  });
});
