import { describe, expect, it } from 'vitest';
import type { DeviceProfile, FunctionKey, SipAccount } from '../../../lib/devices/device.js';
import {
  applyRawSettings, dialplanTemplates, functionKeys, functionKeyValue, identitySettings, phonebookItems, phoneSettings,
  type SnomSetting,
} from '../../../lib/vendors/snom/settings-map.js';

const ACCOUNT: SipAccount = { user: '2001', password: 's3cret', displayName: 'Dana Ruiz', registrar: 'pbx.example.net' };
const byName = (settings: SnomSetting[], name: string, idx?: number) =>
  settings.filter((s) => s.name === name && s.idx === idx);
const valueOf = (settings: SnomSetting[], name: string, idx?: number) => byName(settings, name, idx)[0]?.value;

describe('identitySettings', () => {
  it('writes every identity setting, empty when not given, read-only', () => {
    expect(identitySettings(ACCOUNT, 1)).toEqual([
      { name: 'user_active', value: 'on', perm: 'R', idx: 1 },
      { name: 'user_realname', value: 'Dana Ruiz', perm: 'R', idx: 1 },
      { name: 'user_name', value: '2001', perm: 'R', idx: 1 },
      { name: 'user_pname', value: '2001', perm: 'R', idx: 1 },
      { name: 'user_pass', value: 's3cret', perm: 'R', idx: 1 },
      { name: 'user_host', value: 'pbx.example.net', perm: 'R', idx: 1 },
      { name: 'user_outbound', value: '', perm: 'R', idx: 1 },
      { name: 'user_mailbox', value: '', perm: 'R', idx: 1 },
      { name: 'user_idle_text', value: '', perm: 'R', idx: 1 },
    ]);
  });

  it.each<[string, Partial<SipAccount>, string, string]>([
    ['the auth user', { authUser: 'a2001' }, 'user_pname', 'a2001'],
    ['SRTP on', { srtp: true }, 'user_srtp', 'on'],
    ['SRTP off', { srtp: false }, 'user_srtp', 'off'],
    ['a mailbox', { mailbox: '*97' }, 'user_mailbox', '*97'],
    ['an idle text', { label: 'Support' }, 'user_idle_text', 'Support'],
    ['an outbound proxy', { outboundProxy: 'sbc:5061' }, 'user_outbound', 'sbc:5061'],
    ['an outbound proxy with transport', { outboundProxy: 'sbc:5061', transport: 'tls' }, 'user_outbound', 'sbc:5061;transport=tls'],
    ['a transport alone: the registrar as outbound', { transport: 'tcp' }, 'user_outbound', 'pbx.example.net;transport=tcp'],
    ['a proxy that names its transport already', { outboundProxy: 'sbc;transport=udp', transport: 'tcp' }, 'user_outbound', 'sbc;transport=udp'],
  ])('maps %s', (_case, extra, name, value) => {
    expect(valueOf(identitySettings({ ...ACCOUNT, ...extra }, 3), name, 3)).toBe(value);
  });
});

describe('phoneSettings', () => {
  const profile: DeviceProfile = {
    language: 'Deutsch', webLanguage: 'English', timezone: 'GER+1', toneScheme: 'GER', ntpServer: 'ntp.example.net',
    web: { user: 'admin', password: 'web-s3cret', adminPassword: 'admin-s3cret' },
    firmware: { url: 'http://fw/x.bin', policy: 'auto_update', checkIntervalMinutes: 60 },
    settingsRefreshSeconds: 3600,
    accounts: [ACCOUNT, { ...ACCOUNT, user: '3000' }],
  };

  it.each([
    ['language', 'Deutsch', '!'], ['web_language', 'English', '!'], ['timezone', 'GER+1', '!'], ['tone_scheme', 'GER', '!'],
    ['ntp_server', 'ntp.example.net', 'R'], ['http_user', 'admin', 'R'], ['http_pass', 'web-s3cret', 'R'],
    ['admin_mode_password', 'admin-s3cret', 'R'], ['update_policy', 'auto_update', 'R'], ['firmware_interval', '60', 'R'],
    ['settings_refresh_timer', '3600', 'R'], ['pnp_config', 'off', 'R'],
  ])('maps %s = %s with flag %s', (name, value, perm) => {
    expect(byName(phoneSettings(profile), name)).toEqual([{ name, value, perm }]);
  });

  it('links firmware_status and setting_server when given', () => {
    const settings = phoneSettings(profile, { links: { firmwareUrl: 'http://prov/fw.xml', settingServer: 'http://prov/' } });
    expect(valueOf(settings, 'firmware_status')).toBe('http://prov/fw.xml');
    expect(valueOf(settings, 'setting_server')).toBe('http://prov/');
    expect(byName(phoneSettings(profile), 'firmware_status')).toEqual([]);
  });

  it('hands out the device\'s HTTP credentials (read-only) when given, never in a bootstrap', () => {
    const links = { settingServer: 'http://prov/snom/a/', httpClient: { user: '000413A11FA7', password: 'derived' } };
    const settings = phoneSettings(profile, { links });
    expect(byName(settings, 'http_client_user')).toEqual([{ name: 'http_client_user', value: '000413A11FA7', perm: 'R' }]);
    expect(byName(settings, 'http_client_pass')).toEqual([{ name: 'http_client_pass', value: 'derived', perm: 'R' }]);
    const bootstrap = phoneSettings(profile, { links, bootstrap: true });
    expect(bootstrap.some((s) => s.name.startsWith('http_client'))).toBe(false);
  });

  it('leaves out what the profile does not say', () => {
    expect(phoneSettings({}).filter((s) => s.idx === undefined).map((s) => s.name)).toEqual(['pnp_config']);
  });

  it('keeps PnP on when asked', () => {
    expect(valueOf(phoneSettings({ keepPnp: true }), 'pnp_config')).toBe('on');
  });

  it('switches off the identities the device does not use, up to 12', () => {
    const settings = phoneSettings(profile);
    expect(valueOf(settings, 'user_name', 2)).toBe('3000');
    for (let idx = 3; idx <= 12; idx++) expect(byName(settings, 'user_active', idx)).toEqual([{ name: 'user_active', value: 'off', perm: 'R', idx }]);
    expect(settings.some((s) => s.idx === 13)).toBe(false);
  });

  it('for a bootstrap: no identities, no web credentials, no secret raw settings, PnP on whatever the raw settings say', () => {
    const settings = phoneSettings({
      ...profile,
      snom: [{ name: 'http_client_pass', value: 'x' }, { name: 'pnp_config', value: 'off' }, { name: 'dnd_mode', value: 'off' }],
    }, { bootstrap: true, links: { firmwareUrl: 'http://prov/fw.xml' } });
    expect(settings.map((s) => s.name)).toEqual([
      'language', 'web_language', 'timezone', 'tone_scheme', 'ntp_server', 'update_policy', 'firmware_interval',
      'settings_refresh_timer', 'pnp_config', 'dnd_mode',
    ]);
    expect(valueOf(settings, 'pnp_config')).toBe('on');
  });

  it('applies raw settings last', () => {
    const settings = phoneSettings({ ...profile, snom: [{ name: 'language', value: 'English' }, { name: 'user_host', idx: 1, value: 'other' }] });
    expect(byName(settings, 'language')).toEqual([{ name: 'language', value: 'English', perm: '!' }]);
    expect(byName(settings, 'user_host', 1)).toEqual([{ name: 'user_host', value: 'other', perm: 'R', idx: 1 }]);
  });
});

describe('applyRawSettings', () => {
  const mapped: SnomSetting[] = [{ name: 'language', value: 'Deutsch', perm: '!' }, { name: 'user_host', value: 'pbx', perm: 'R', idx: 1 }];

  it.each<[string, Parameters<typeof applyRawSettings>[1], SnomSetting[]]>([
    ['replaces the value in place, keeping the flag', [{ name: 'language', value: 'English' }],
      [{ name: 'language', value: 'English', perm: '!' }, mapped[1] as SnomSetting]],
    ['replaces the flag when it names one', [{ name: 'language', value: 'English', perm: ' ' }],
      [{ name: 'language', value: 'English', perm: ' ' }, mapped[1] as SnomSetting]],
    ['matches by name and idx', [{ name: 'user_host', value: 'x', idx: 2 }],
      [...mapped, { name: 'user_host', value: 'x', perm: 'RW', idx: 2 }]],
    ['appends new settings flagged RW', [{ name: 'admin_mode', value: 'on' }],
      [...mapped, { name: 'admin_mode', value: 'on', perm: 'RW' }]],
    ['keeps an explicit empty flag', [{ name: 'dnd_mode', value: 'off', perm: '' }],
      [...mapped, { name: 'dnd_mode', value: 'off', perm: '' }]],
  ])('%s', (_case, raw, expected) => {
    expect(applyRawSettings(mapped, raw)).toEqual(expected);
  });
});

describe('functionKeys', () => {
  it.each<[FunctionKey, string]>([
    [{ type: 'line' }, 'line'],
    [{ type: 'blf', value: '2002' }, 'blf 2002'],
    [{ type: 'blf', value: '2002', pickup: '*8' }, 'blf 2002|*8'],
    [{ type: 'speed', value: '+4930123' }, 'speed +4930123'],
    [{ type: 'dtmf', value: '*1' }, 'dtmf *1'],
    [{ type: 'url', value: 'http://x/a b' }, 'url http://x/a b'],
    [{ type: 'xml', value: 'http://x/menu.xml' }, 'xml http://x/menu.xml'],
    [{ type: 'park', value: '700' }, 'orbit 700'],
    [{ type: 'pickup', value: '2002', pickup: '*8' }, 'speed *82002'],
    [{ type: 'pickup', pickup: '*8' }, 'speed *8'],
    [{ type: 'transfer', value: '2002' }, 'transfer 2002'],
    [{ type: 'redirect', value: '2002' }, 'redirect 2002'],
    [{ type: 'conference' }, 'conference'],
    [{ type: 'keyevent', value: 'F_DND' }, 'keyevent F_DND'],
    [{ type: 'none', value: 'ignored' }, 'none'],
  ])('%j → %s', (key, text) => {
    expect(functionKeyValue(key)).toBe(text);
  });

  it('numbers keys by index or position, binds them to an identity or the active one, flags them !', () => {
    expect(functionKeys([{ type: 'line' }, { type: 'blf', value: '2002', label: 'Anna', account: 2, index: 7 }])).toEqual([
      { idx: 0, context: 'active', label: '', perm: '!', value: 'line' },
      { idx: 7, context: '2', label: 'Anna', perm: '!', value: 'blf 2002' },
    ]);
  });

  it('leaves out a key that a raw fkey setting with the same idx replaces', () => {
    const keys = functionKeys([{ type: 'line' }, { type: 'line' }], [{ name: 'fkey', idx: 1, value: 'none' }, { name: 'fkey_label', idx: 0, value: 'x' }]);
    expect(keys.map((k) => k.idx)).toEqual([0]);
  });
});

describe('phonebookItems and dialplanTemplates', () => {
  it('numbers book items from 0, with type none unless given', () => {
    expect(phonebookItems([{ name: 'A', number: '1' }, { name: 'B', number: '2', category: 'vip', numberType: 'mobile' }])).toEqual([
      { index: 0, context: 'active', type: 'none', name: 'A', number: '1' },
      { index: 1, context: 'active', type: 'vip', name: 'B', number: '2', numberType: 'mobile' },
    ]);
  });

  it('writes templates with User Phone and Timeout 0 unless given', () => {
    expect(dialplanTemplates([{ match: '^1$' }, { match: '^0(.*)$', rewrite: 'sip:\\1@\\d', timeout: 3 }])).toEqual([
      { match: '^1$', timeout: 0, user: 'Phone' },
      { match: '^0(.*)$', timeout: 3, user: 'Phone', rewrite: 'sip:\\1@\\d' },
    ]);
  });
});
