/**
 * The phone client is the yardstick of the provisioning route's tests, so its own reading of Snom's rules is
 * checked here against hand-written files.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisionSnomPhone } from './snom-phone-client.js';

const DECL = '<?xml version="1.0" encoding="utf-8"?>\n';
const files: Record<string, string> = {};
let server: Server;
let base = '';
const seen: Array<{ path: string; ua: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', ua: req.headers['user-agent'] });
    const body = files[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/xml' }).end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(files, {
    '/p/snomD735.htm': `${DECL}<setting-files><file url="${base}/p/general.xml"/></setting-files>`,
    '/p/snomD735-000413A11FA7.htm': `${DECL}<setting-files><file url="/p/000413A11FA7.xml"/></setting-files>`,
    '/p/general.xml': `${DECL}<settings><phone-settings e="2">
      <language perm="!">English</language><timezone perm="$">GER+1</timezone><tone_scheme perm="&amp;">GER</tone_scheme>
      </phone-settings></settings>`,
    '/p/000413A11FA7.xml': `${DECL}<settings><phone-settings e="2">
      <language perm="!">Deutsch</language><timezone perm="RW">USA-5</timezone>
      <user_name idx="1" perm="">2001</user_name><user_realname idx="1" perm=" ">R&amp;D &#x263A;</user_realname>
      <admin_mode perm="RW">on</admin_mode><dnd_mode perm="V">on</dnd_mode><odd perm="?">x</odd>
      <firmware_status perm="">${base}/p/fw.xml</firmware_status>
      </phone-settings>
      <functionKeys e="2"><fkey idx="0" context="active" label="Lab" perm="">blf 2002|*8</fkey></functionKeys>
      <tbook e="2" complete="true"><item context="active" type="colleagues" index="0"><name>Jürgen</name><number>2090</number></item></tbook>
      <dialplan><TEMPLATE MATCH="^0" Timeout="0" User="Phone" Rewrite="sip:\\1@\\d"/></dialplan>
      </settings>`,
    '/p/fw.xml': `${DECL}<firmware-settings><firmware perm="">http://fw/image.bin</firmware></firmware-settings>`,
    '/m/000413A11FA7.xml': `${DECL}<settings><phone-settings><user_name idx="1" perm="">2001</user_name></phone-settings></settings>`,
    '/bad/snomD735.htm': `${DECL}<setting-files><file url="${base}/p/fw.xml"/><file url="${base}/broken.xml"/></setting-files>`,
    '/broken.xml': `${DECL}<settings><phone-settings>`,
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('provisionSnomPhone', () => {
  test('a directory URL: type container, device container, listed files in order, then firmware_status', async () => {
    seen.length = 0;
    const ua = 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.2 000413A11FA7)';
    const phone = await provisionSnomPhone({
      notifyUrl: `${base}/p/`, mac: '000413a11fa7', phoneType: 'snomD735', userAgent: ua, userChanged: { language: 'Français', timezone: 'FRA+1' },
    });
    expect(phone.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/p/snomD735.htm', '/p/general.xml', '/p/snomD735-000413A11FA7.htm', '/p/000413A11FA7.xml', '/p/fw.xml',
    ]);
    expect(seen.every((s) => s.ua === ua)).toBe(true);
    expect(phone.setting('language')).toBe('Français'); // `!` never overwrites what the user changed
    expect(phone.setting('timezone')).toBe('USA-5'); // `$`/`RW` do, and later files win
    expect(phone.settings.get('tone_scheme')).toMatchObject({ value: 'GER', readOnly: true });
    expect(phone.settings.get('user_realname[1]')).toMatchObject({ value: 'R&D ☺', readOnly: true, perm: ' ' });
    expect(phone.settings.get('user_name[1]')).toMatchObject({ value: '2001', readOnly: false, perm: '' });
    expect(phone.settings.get('dnd_mode')).toMatchObject({ volatile: true });
    expect(phone.functionKeys.get(0)).toEqual({ value: 'blf 2002|*8', label: 'Lab', context: 'active', perm: '' });
    expect(phone.phonebook).toEqual([{ name: 'Jürgen', number: '2090', category: 'colleagues' }]);
    expect(phone.dialplan).toEqual([{ MATCH: '^0', Timeout: '0', User: 'Phone', Rewrite: 'sip:\\1@\\d' }]);
    expect(phone.firmwareImage).toBe('http://fw/image.bin');
    expect(phone.problems).toEqual([expect.stringContaining('unknown perm flag "?"')]);
  });

  test('a {mac} URL: one request with the MAC in upper case', async () => {
    const phone = await provisionSnomPhone({ notifyUrl: `${base}/m/{mac}.xml`, mac: '000413a11fa7', phoneType: 'snomD735' });
    expect(phone.requests).toEqual([expect.objectContaining({ url: `${base}/m/000413A11FA7.xml`, status: 200, root: 'settings' })]);
    expect(phone.setting('user_name', 1)).toBe('2001');
  });

  test('reports what a phone would not accept: firmware in a container, broken XML, missing files', async () => {
    const phone = await provisionSnomPhone({ notifyUrl: `${base}/bad/`, mac: '000413A11FA7', phoneType: 'snomD735' });
    expect(phone.requests.map((r) => r.status)).toEqual([200, 200, 200, 404]);
    expect(phone.problems).toEqual([
      expect.stringContaining('must only be reached through firmware_status'),
      expect.stringContaining('not well-formed'),
    ]);
    expect(phone.settings.size).toBe(0);
  });
});
