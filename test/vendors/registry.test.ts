import { describe, expect, test } from 'vitest';
import {
  applyUrlQuirks, BUILT_IN_URL_TEMPLATES, recogniseVendor, urlTemplateFor, vendorKey, withTrailingSlash,
} from '../../lib/vendors/registry.js';

describe('recogniseVendor', () => {
  test.each([
    [{ vendor: 'OEM', model: 'OEM' }, 'snom', 'event'],
    [{ vendor: 'snom' }, 'snom', 'event'],
    [{ vendor: 'Snom Technology' }, 'snom', 'event'],
    [{ vendor: 'Yealink' }, 'yealink', 'event'],
    [{ vendor: 'Grandstream' }, 'grandstream', 'event'],
    [{ vendor: 'Fanvil' }, 'fanvil', 'event'],
    [{ vendor: 'PLANET' }, 'fanvil', 'event'],
    [{ vendor: 'Panasonic' }, 'panasonic', 'event'],
    [{ vendor: 'AudioCodes' }, 'audiocodes', 'event'],
    [{ vendor: 'Gigaset' }, 'gigaset', 'event'],
    [{ vendor: 'Polycom' }, 'polycom', 'event'],
    [{ vendor: 'Acme Phones Ltd.' }, 'acme-phones-ltd', 'event'],
    [{ userAgent: 'snomD735/10.1.46.16' }, 'snom', 'user-agent'],
    [{ userAgent: 'Yealink SIP-T46S 66.86.0.15' }, 'yealink', 'user-agent'],
    [{ userAgent: 'Grandstream GXP2170 1.0.11.3' }, 'grandstream', 'user-agent'],
    [{ userAgent: 'AUDC-IPPhone/3.4.4 (445HD)' }, 'audiocodes', 'user-agent'],
    [{ vendor: 'Yealink', userAgent: 'snomD735/10.1' }, 'yealink', 'event'],
  ])('%j -> %s', (hints, id, by) => {
    expect(recogniseVendor(hints)).toEqual({ id, by });
  });

  test.each([[{}], [{ vendor: '' }], [{ userAgent: 'SomethingElse/1.0' }], [{ vendor: '***' }]])('nothing to go on: %j', (hints) => {
    expect(recogniseVendor(hints)).toBeUndefined();
  });
});

describe('urlTemplateFor', () => {
  test('every vendor we render has a built-in template to our own route', () => {
    expect(urlTemplateFor('yealink', {})).toBe('{base}/yealink/');
    expect(urlTemplateFor('grandstream', {})).toBe('{base}/grandstream/');
  });

  test('snom (and the OEM lineage) has a built-in template', () => {
    expect(BUILT_IN_URL_TEMPLATES['snom']).toBe('{base}/snom/');
    expect(urlTemplateFor('snom', {})).toBe('{base}/snom/');
  });

  test('the operator\'s template wins over the built-in one, then default applies to the rest', () => {
    const urls = { snom: 'http://p/s/{mac}.xml', default: '{base}/other/' };
    expect(urlTemplateFor('snom', urls)).toBe('http://p/s/{mac}.xml');
    expect(urlTemplateFor('polycom', urls)).toBe('{base}/other/');
    expect(urlTemplateFor(undefined, urls)).toBe('{base}/other/');
  });

  test('no template and no default: undefined', () => {
    expect(urlTemplateFor('polycom', {})).toBeUndefined();
    expect(urlTemplateFor(undefined, { snom: 'http://x/' })).toBeUndefined();
  });

  test('inherited object keys are not vendors', () => {
    expect(urlTemplateFor('constructor', {})).toBeUndefined();
    expect(urlTemplateFor('toString', { default: 'http://d/' })).toBe('http://d/');
  });
});

describe('URL quirks', () => {
  test.each([
    ['http://h/gs', 'http://h/gs/'],
    ['http://h/gs/', 'http://h/gs/'],
    ['http://h/gs?x=1', 'http://h/gs/?x=1'],
    ['http://h', 'http://h/'],
  ])('Grandstream: %s -> %s', (url, fixed) => {
    expect(applyUrlQuirks('grandstream', url)).toBe(fixed);
    expect(withTrailingSlash(url)).toBe(fixed);
  });

  test('other vendors keep their URL as expanded ($mac for Fanvil, {MODEL}/{fwver} for Panasonic)', () => {
    expect(applyUrlQuirks('fanvil', 'http://h/f/$mac.cfg')).toBe('http://h/f/$mac.cfg');
    expect(applyUrlQuirks('panasonic', 'http://h/p/{MODEL}/{fwver}')).toBe('http://h/p/{MODEL}/{fwver}');
    expect(applyUrlQuirks('snom', 'http://h/s')).toBe('http://h/s');
    expect(applyUrlQuirks(undefined, 'http://h/s')).toBe('http://h/s');
  });
});

test('vendorKey', () => {
  expect(vendorKey('Acme Phones Ltd.')).toBe('acme-phones-ltd');
  expect(vendorKey('--')).toBeUndefined();
});
