import { describe, expect, test } from 'vitest';
import { isUaProfile, parseEventHeader } from '../../lib/sip/event-header.js';

describe('parseEventHeader', () => {
  test('the seed\'s Event header', () => {
    const raw = 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"';
    expect(parseEventHeader(raw)).toEqual({
      raw,
      package: 'ua-profile',
      params: { 'profile-type': 'device', vendor: 'OEM', model: 'OEM', version: '7.1.19' },
      profileType: 'device',
      vendor: 'OEM',
      model: 'OEM',
      version: '7.1.19',
    });
  });

  test.each([
    ['unquoted', 'ua-profile;profile-type=device;vendor=Fanvil;model=X4;version=2.4.1', ['device', 'Fanvil', 'X4', '2.4.1']],
    ['names in any case', 'UA-Profile;Profile-Type=application;VENDOR="Gigaset";Model=N510;Version="42.245"', ['application', 'Gigaset', 'N510', '42.245']],
    ['spaces around ; and =', 'ua-profile ; profile-type = "device" ; vendor = "Yealink"', ['device', 'Yealink', undefined, undefined]],
    ['quoted value with ; inside', 'ua-profile;vendor="A;B";model=M', [undefined, 'A;B', 'M', undefined]],
    ['escaped quote', 'ua-profile;vendor="Acme \\"Pro\\""', [undefined, 'Acme "Pro"', undefined, undefined]],
    ['no parameters', 'ua-profile', [undefined, undefined, undefined, undefined]],
    ['empty value', 'ua-profile;vendor=""', [undefined, undefined, undefined, undefined]],
  ])('%s', (_, raw, [profileType, vendor, model, version]) => {
    const event = parseEventHeader(raw);
    expect(event?.package).toBe('ua-profile');
    expect(event?.raw).toBe(raw);
    expect([event?.profileType, event?.vendor, event?.model, event?.version]).toEqual([profileType, vendor, model, version]);
  });

  test('keeps the raw value byte for byte, including odd spacing', () => {
    const raw = 'ua-profile;profile-type="device" ;vendor=OEM';
    expect(parseEventHeader(raw)?.raw).toBe(raw);
  });

  test.each([[''], ['  '], [';vendor=x'], ['"quoted"'], ['a b']])('no package: %j', (raw) => {
    expect(parseEventHeader(raw)).toBeUndefined();
  });

  test('isUaProfile is case-insensitive and rejects other packages', () => {
    expect(isUaProfile(parseEventHeader('UA-PROFILE'))).toBe(true);
    expect(isUaProfile(parseEventHeader('presence'))).toBe(false);
    expect(isUaProfile(parseEventHeader('ua-profile-x'))).toBe(false);
    expect(isUaProfile(undefined)).toBe(false);
  });
});
