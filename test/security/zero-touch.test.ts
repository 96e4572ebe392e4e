/**
 * Zero-touch provisioning with security on, end to end: a phone's SUBSCRIBE through drachtio-srf and the drachtio
 * wire test server, the NOTIFY with its token, the files fetched over real HTTP by a client that behaves like a Snom
 * phone, and later re-provisioning from `setting_server` by HTTP Digest with the credentials it was given.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { createPnpSecurity, type PnpSecurity } from '../../lib/security/pnp-security.js';
import { captureLogger } from '../support/capture-logger.js';
import { examplePhones, exampleDefaults, exampleSecrets } from '../support/example-devices.js';
import type { FakePhone } from '../support/fake-phone.js';
import { fetchVia } from '../support/http-client.js';
import { listen, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';
import { getHeader } from '../support/sip-text.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';
import { startTestbed, type Testbed } from '../sip/pnp-testbed.js';

const { hall, lab } = examplePhones;
const directory = mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults);
let http: Listening;
let bed: Testbed;
let security: PnpSecurity;
const httpLog = captureLogger();

beforeAll(async () => {
  security = createPnpSecurity({ key: 'zero-touch-test-key-at-least-32-bytes', logger: httpLog.logger });
  const app = express();
  app.use(provisioningRouter({ directory, security, logger: httpLog.logger }));
  http = await listen(app);
  bed = await startTestbed({ directory, publicUrl: http.origin, security, allowContactMismatch: ['127.0.0.64/32'] });
});
afterAll(async () => {
  await bed?.close();
  await http?.close();
});

async function pnp(phone: FakePhone, mac: string) {
  const sent = phone.subscribe(bed.target, { mac, vendor: 'snom', model: 'snomD715', version: '10.1.46.16', userAgent: hall.userAgent });
  expect((await phone.waitForResponse(sent)).status).toBe(200);
  return (await phone.waitForNotify(sent)).body;
}

describe('a known phone, from SUBSCRIBE to digest re-provisioning', () => {
  let notifyUrl: string;
  let credentials: { user: string; password: string };

  test('SUBSCRIBE -> NOTIFY with a token -> its files, with its account and its own HTTP credentials', async () => {
    const phone = await bed.phone();
    notifyUrl = await pnp(phone, hall.device.mac);
    expect(notifyUrl).toMatch(new RegExp(`^${http.origin}/snom/t/[A-Za-z0-9_-]{24}/$`));

    const result = await provisionSnomPhone({ notifyUrl, mac: hall.device.mac, phoneType: hall.phoneType, userAgent: hall.userAgent });
    expect(result.problems).toEqual([]);
    expect(result.requests.map((r) => [r.url.slice(notifyUrl.length), r.status])).toEqual([
      [`${hall.phoneType}.htm`, 200], [`${hall.phoneType}-${hall.device.mac}.htm`, 200], [`${hall.device.mac}.xml`, 200],
    ]);
    expect(result.setting('user_name', 1)).toBe('2005');
    expect(result.setting('user_pass', 1)).toBe('pw-hall-2005');
    expect(result.setting('pnp_config')).toBe('off');
    expect(result.setting('setting_server')).toBe(`${http.origin}/snom/a/`);
    expect(result.setting('http_client_user')).toBe(hall.device.mac);
    credentials = { user: result.setting('http_client_user') ?? '', password: result.setting('http_client_pass') ?? '' };
    expect(credentials.password).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('later, from setting_server: the phone answers the digest challenge with its credentials and gets its settings', async () => {
    const result = await provisionSnomPhone({
      notifyUrl: `${http.origin}/snom/a/`, mac: hall.device.mac, phoneType: hall.phoneType, userAgent: hall.userAgent, httpClient: credentials,
    });
    expect(result.problems).toEqual([]);
    expect(result.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(result.setting('user_pass', 1)).toBe('pw-hall-2005');
    expect(result.setting('http_client_pass')).toBe(credentials.password);
    expect(httpLog.lines).toContainEqual(expect.objectContaining({
      msg: 'provisioning file with secrets served', via: 'digest', authUser: hall.device.mac, mac: hall.device.mac, userAgent: hall.userAgent,
    }));
  });

  test('without the credentials (or with another phone\'s) the authenticated route gives nothing', async () => {
    const none = await provisionSnomPhone({ notifyUrl: `${http.origin}/snom/a/`, mac: hall.device.mac, phoneType: hall.phoneType });
    expect(none.requests.map((r) => r.status)).toEqual([401, 401]);
    const labCredentials = security.credentials.forMac(lab.device.mac);
    const other = await provisionSnomPhone({ notifyUrl: `${http.origin}/snom/a/`, mac: hall.device.mac, phoneType: hall.phoneType, httpClient: labCredentials });
    expect(other.requests.map((r) => r.status)).toEqual([200, 403]);
    expect(other.setting('user_pass', 1)).toBeUndefined();
  });

  test('an attacker on another address replaying the NOTIFY URL gets no secret', async () => {
    const attacker = await provisionSnomPhone({
      notifyUrl, mac: hall.device.mac, phoneType: hall.phoneType, fetch: fetchVia({ localAddress: '127.0.0.2' }),
    });
    expect(attacker.requests.map((r) => r.status)).toEqual([200, 200, 403]);
    const values = [...attacker.settings.values()].map((s) => s.value).join('\n');
    for (const secret of exampleSecrets) expect(values).not.toContain(secret);
  });

  test('a host on the LAN naming the provisioned phone\'s MAC in a SUBSCRIBE gets no token and no secret', async () => {
    const impostor = await bed.phone({ host: '127.0.0.2' });
    const url = await pnp(impostor, hall.device.mac);
    expect(url).toBe(`${http.origin}/snom/`);
    const result = await provisionSnomPhone({
      notifyUrl: url, mac: hall.device.mac, phoneType: hall.phoneType, fetch: fetchVia({ localAddress: '127.0.0.2' }),
    });
    expect(result.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(result.setting('http_client_pass')).toBeUndefined();
    const values = [...result.settings.values()].map((s) => s.value).join('\n');
    for (const secret of exampleSecrets) expect(values).not.toContain(secret);
    expect(values).not.toContain(credentials.password);
    expect(bed.logs.lines).toContainEqual(expect.objectContaining({
      level: 40, mac: hall.device.mac, ip: '127.0.0.2', enrolledIp: '127.0.0.1',
      msg: 'PnP token withheld: device already enrolled (EnrolmentRegister#reopen(mac, until, by) on the register in memory lets it enrol again)',
    }));
    // The device state is told nothing proves this SUBSCRIBE came from the phone: resync's address stays put.
    expect(bed.events.filter((e) => e.type === 'answered' && e.ip === '127.0.0.2')).toMatchObject([{ enrolled: true, known: true }]);
    expect(bed.events.filter((e) => e.type === 'answered' && e.ip !== '127.0.0.2').every((e) => !('enrolled' in e))).toBe(true);
  });

  test('reopened by the operator (a factory reset), the phone enrols again and its old token stops working', async () => {
    security.enrolment?.reopen(hall.device.mac, Date.now() + 60_000, 'test');
    const phone = await bed.phone();
    const url = await pnp(phone, hall.device.mac);
    expect(url).toMatch(/\/snom\/t\/[A-Za-z0-9_-]{24}\/$/);
    const result = await provisionSnomPhone({ notifyUrl: url, mac: hall.device.mac, phoneType: hall.phoneType, userAgent: hall.userAgent });
    expect(result.setting('user_pass', 1)).toBe('pw-hall-2005');
    expect(security.enrolment?.status(hall.device.mac)).toBe('enrolled');
    const old = await provisionSnomPhone({ notifyUrl, mac: hall.device.mac, phoneType: hall.phoneType, userAgent: hall.userAgent });
    expect(old.requests.map((r) => r.status)).toEqual([200, 200, 403]);
  });

  test('an unknown phone gets no token and a bootstrap without secrets', async () => {
    const phone = await bed.phone();
    const url = await pnp(phone, '000413FFFFFF');
    expect(url).toBe(`${http.origin}/snom/`);
    const result = await provisionSnomPhone({ notifyUrl: url, mac: '000413FFFFFF', phoneType: 'snom715' });
    expect(result.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(result.setting('pnp_config')).toBe('on');
    expect(result.setting('http_client_pass')).toBeUndefined();
    const values = [...result.settings.values()].map((s) => s.value).join('\n');
    for (const secret of exampleSecrets) expect(values).not.toContain(secret);
  });

  test('no token, HTTP password or SIP password in any log line', () => {
    const all = `${bed.logs.text()}\n${httpLog.text()}`;
    const token = /\/t\/([A-Za-z0-9_-]{24})\//.exec(notifyUrl)?.[1] ?? '';
    expect(token).not.toBe('');
    expect(all).not.toContain(token);
    expect(all).not.toContain(credentials.password);
    for (const secret of exampleSecrets) expect(all).not.toContain(secret);
    expect(bed.logs.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning URL sent', url: expect.stringMatching(/\/snom\/t\/\[token:[0-9a-f]{6}\]\/$/) }));
  });
});

describe('reflection', () => {
  test('a SUBSCRIBE whose Contact names another host gets no answer, and that host gets nothing', async () => {
    const victim = await bed.phone({ host: '127.0.0.9' });
    const attacker = await bed.phone();
    const sent = attacker.subscribe(bed.target, { mac: hall.device.mac, vendor: 'snom', contact: `<sip:${victim.address}:${victim.port}>` });
    await bed.server.waitFor(() => bed.events.some((e) => e.callId === sent.callId && e.type === 'ignored'));
    expect(bed.events.find((e) => e.callId === sent.callId && e.type === 'ignored')).toMatchObject({ reason: 'contact-mismatch' });
    await expect(attacker.waitForResponse(sent, 300)).rejects.toThrow(/no final response/);
    expect(victim.received).toEqual([]);
  });

  test('from a source the operator allowed, the NOTIFY goes to the Contact', async () => {
    const target = await bed.phone({ host: '127.0.0.65' });
    const sender = await bed.phone({ host: '127.0.0.64' });
    const sent = sender.subscribe(bed.target, { mac: '000413FFFFFE', vendor: 'snom', contact: `<sip:${target.address}:${target.port}>` });
    expect((await sender.waitForResponse(sent)).status).toBe(200);
    const notify = await target.waitForNotify(sent);
    expect(getHeader(notify, 'content-type')).toBe('application/url');
  });
});
