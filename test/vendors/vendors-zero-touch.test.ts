/**
 * Every vendor we render, from one inventory in its minimal form (each device: `mac` and one account) and a
 * responder with no `urls`: each phone's own PnP SUBSCRIBE variant through drachtio-srf and the wire test server,
 * the NOTIFY with its token to our own route, then the phone's own request sequence over real HTTP; digest
 * re-provisioning with the credentials it was given; no secret for a replayed token or an unknown MAC.
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { loadInventory } from '../../lib/inventory/load.js';
import { createPnpSecurity, type PnpSecurity } from '../../lib/security/pnp-security.js';
import { captureLogger } from '../support/capture-logger.js';
import { DigestSession } from '../support/digest-client.js';
import { request } from '../support/http-client.js';
import { listen, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';
import { startTestbed, type Testbed } from '../sip/pnp-testbed.js';
import { readGrandstreamConfig, readMaxwellParams, readXml, readYealinkCfg } from './support/strict-formats.js';

const YEALINK = '805EC0A1B2C3';
const GRANDSTREAM = 'C074AD112233';
const FANVIL = '0C383E1A2B3C';
const MAXWELL = '7C2F8030D21E';
const GIGASET_P = '589EC6A0B1C2';
const INVENTORY = `
models:
  P820: { vendor: gigaset }
devices:
  - mac: 80:5e:c0:a1:b2:c3
    accounts:
      - { user: "2001", password: yl-secret-2001, displayName: Ada Yealink, registrar: pbx.example.net }
    functionKeys:
      - { type: blf, value: "2002", label: Bob }
  - mac: c0:74:ad:11:22:33
    accounts:
      - { user: "2002", password: gs-secret-2002, displayName: Bob Grandstream, registrar: pbx.example.net }
    functionKeys:
      - { type: blf, value: "2001", label: Ada }
  - mac: 0c383e1a2b3c
    accounts:
      - { user: "2003", password: fv-secret-2003, displayName: Cy Fanvil, registrar: pbx.example.net }
    functionKeys:
      - { type: blf, value: "2001", label: Ada }
  - mac: 7c:2f:80:30:d2:1e
    accounts:
      - { user: "2004", password: mx-secret-2004, displayName: Dee Maxwell, registrar: pbx.example.net }
    functionKeys:
      - { type: blf, value: "2001", label: Ada }
  - mac: 58:9e:c6:a0:b1:c2
    model: P820
    accounts:
      - { user: "2005", password: gp-secret-2005, displayName: Eve Gigaset, registrar: pbx.example.net }
`;
const SECRETS = ['yl-secret-2001', 'gs-secret-2002', 'fv-secret-2003', 'mx-secret-2004', 'gp-secret-2005'];

const loaded = loadInventory(INVENTORY, 'inventory.yaml');
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const directory = mapDirectory([...loaded.inventory.devices.values()], loaded.inventory.defaults);
const httpLog = captureLogger('debug');
let http: Listening;
let bed: Testbed;
let security: PnpSecurity;

beforeAll(async () => {
  security = createPnpSecurity({ key: 'vendors-zero-touch-key-at-least-32-bytes', logger: httpLog.logger });
  const app = express();
  app.use(provisioningRouter({ directory, security, logger: httpLog.logger }));
  http = await listen(app);
  bed = await startTestbed({ directory, publicUrl: http.origin, security });
});
afterAll(async () => {
  await bed?.close();
  await http?.close();
});

async function notifyUrl(spec: Parameters<Awaited<ReturnType<Testbed['phone']>>['subscribe']>[1], host?: string): Promise<string> {
  const phone = await bed.phone(host === undefined ? undefined : { host });
  const sent = phone.subscribe(bed.target, spec);
  expect((await phone.waitForResponse(sent)).status).toBe(200);
  return (await phone.waitForNotify(sent)).body;
}

async function digestGet(url: string, user: string, password: string): Promise<{ status: number; body: string }> {
  const session = new DigestSession(user, password);
  const first = await request(url);
  expect(first.status).toBe(401);
  expect(session.accept(first.headers['www-authenticate'])).toBe(true);
  const uri = new URL(url).pathname;
  const second = await request(url, { headers: { Authorization: session.authorization('GET', uri) ?? '' } });
  return { status: second.status, body: second.body };
}

describe('Yealink', () => {
  const ua = 'Yealink SIP-T46S 66.86.0.15 80:5e:c0:a1:b2:c3';
  let credentials: { user: string; password: string };

  test('SUBSCRIBE (MAC: in the URI, vendor="Yealink") -> 200 + NOTIFY to our folder with a token -> boot, then settings', async () => {
    const url = await notifyUrl({ mac: YEALINK, macForm: 'MAC:', uriHost: '224.0.1.75', vendor: 'Yealink', model: 'T46S', version: '66.86.0.15', userAgent: ua });
    expect(url).toMatch(new RegExp(`^${http.origin}/yealink/t/[A-Za-z0-9_-]{24}/$`));

    const boot = await request(`${url}${YEALINK.toLowerCase()}.boot`, { headers: { 'User-Agent': ua } });
    expect(boot.status).toBe(200);
    expect(boot.body).toContain(`include:config "${YEALINK.toLowerCase()}.cfg"`);
    for (const secret of SECRETS) expect(boot.body).not.toContain(secret);

    const cfg = await request(`${url}${YEALINK.toLowerCase()}.cfg`, { headers: { 'User-Agent': ua } });
    expect(cfg.status).toBe(200);
    expect(cfg.header('content-type')).toBe('text/plain; charset=utf-8');
    expect(cfg.header('cache-control')).toBe('no-store');
    const keys = readYealinkCfg(cfg.body);
    expect(keys.get('account.1.enable')).toBe('1');
    expect(keys.get('account.1.user_name')).toBe('2001');
    expect(keys.get('account.1.auth_name')).toBe('2001');
    expect(keys.get('account.1.password')).toBe('yl-secret-2001');
    expect(keys.get('account.1.display_name')).toBe('Ada Yealink');
    expect(keys.get('account.1.sip_server.1.address')).toBe('pbx.example.net');
    expect(keys.get('linekey.1.type')).toBe('16');
    expect(keys.get('linekey.1.value')).toBe('2002');
    expect(keys.get('linekey.1.label')).toBe('Bob');
    expect(keys.get('static.auto_provision.server.url')).toBe(`${http.origin}/yealink/a/`);
    expect(keys.get('static.auto_provision.server.username')).toBe(YEALINK);
    expect(keys.get('static.auto_provision.pnp_enable')).toBe('0');
    credentials = { user: keys.get('static.auto_provision.server.username') ?? '', password: keys.get('static.auto_provision.server.password') ?? '' };
    expect(credentials.password).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('re-provisioning from static.auto_provision.server.url answers the digest challenge with its own credentials', async () => {
    const reply = await digestGet(`${http.origin}/yealink/a/${YEALINK.toLowerCase()}.cfg`, credentials.user, credentials.password);
    expect(reply.status).toBe(200);
    expect(readYealinkCfg(reply.body).get('account.1.password')).toBe('yl-secret-2001');
  });

  test('an unknown Yealink MAC gets the secret-free bootstrap, PnP kept on', async () => {
    const reply = await request(`${http.origin}/yealink/805ec0000001.cfg`);
    expect(reply.status).toBe(200);
    const keys = readYealinkCfg(reply.body);
    expect([...keys.keys()].filter((k) => k.startsWith('account.') || k.startsWith('static.auto_provision'))).toEqual([]);
    for (const secret of SECRETS) expect(reply.body).not.toContain(secret);
  });

  test('the known phone\'s file without a token is the same bootstrap as an unknown one\'s', async () => {
    const known = await request(`${http.origin}/yealink/${YEALINK.toLowerCase()}.cfg`);
    const unknown = await request(`${http.origin}/yealink/805ec0000001.cfg`);
    expect(known.status).toBe(200);
    expect(known.body).toBe(unknown.body);
  });
});

describe('Grandstream', () => {
  const ua = 'Grandstream Model HW GXP2170 SW 1.0.11.3 DevId c074ad112233';

  test('SUBSCRIBE (MAC<hex> in the URI, vendor="Grandstream") -> NOTIFY to a folder ending in / -> cfg<mac>, cfg<mac>.xml, cfg.xml', async () => {
    const url = await notifyUrl({ mac: GRANDSTREAM, macForm: 'MAC', uriHost: '224.0.1.75', vendor: 'Grandstream', model: 'GXP2170', version: '1.0.11.3', userAgent: ua });
    expect(url).toMatch(new RegExp(`^${http.origin}/grandstream/t/[A-Za-z0-9_-]{24}/$`));
    const mac = GRANDSTREAM.toLowerCase();

    const binary = await request(`${url}cfg${mac}`, { headers: { 'User-Agent': ua } });
    expect(binary.status).toBe(404);
    const cfg = await request(`${url}cfg${mac}.xml`, { headers: { 'User-Agent': ua } });
    expect(cfg.status).toBe(200);
    const p = readGrandstreamConfig(cfg.body);
    expect(p).toMatchObject({
      P271: '1', P47: 'pbx.example.net', P35: '2002', P36: '2002', P34: 'gs-secret-2002', P3: 'Bob Grandstream',
      P23000: 'BLF', P23001: '0', P23002: 'Ada', P23003: '2001',
      P212: '1', P237: `${new URL(http.origin).host}/grandstream/a/`, P1360: GRANDSTREAM, P1414: '0',
    });
    expect(p.P1361).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const common = await request(`${url}cfg.xml`, { headers: { 'User-Agent': ua } });
    expect(common.status).toBe(200);
    for (const secret of SECRETS) expect(common.body).not.toContain(secret);
    expect(readGrandstreamConfig(common.body)).not.toHaveProperty('P34');
  });

  test('a token replayed from another address gets nothing secret', async () => {
    const url = await notifyUrl({ mac: GRANDSTREAM, macForm: 'MAC', uriHost: '224.0.1.75', vendor: 'Grandstream', userAgent: ua });
    // The phone enrolled above: a second SUBSCRIBE for it gets no token at all.
    expect(url).toBe(`${http.origin}/grandstream/`);
    const reply = await request(`${url}cfg${GRANDSTREAM.toLowerCase()}.xml`, { localAddress: '127.0.0.2' });
    expect(reply.status).toBe(200);
    for (const secret of SECRETS) expect(reply.body).not.toContain(secret);
  });

  test('an unknown Grandstream MAC gets no secret', async () => {
    const reply = await request(`${http.origin}/grandstream/cfgc074ad000001.xml`);
    expect(reply.status).toBe(200);
    for (const secret of SECRETS) expect(reply.body).not.toContain(secret);
    expect(readGrandstreamConfig(reply.body)).not.toHaveProperty('P1414');
  });
});

describe('Fanvil', () => {
  const ua = 'Fanvil X4 2.4.1';

  test('SUBSCRIBE (MAC= in the URI, port 5080) -> NOTIFY naming its own file under a token -> its <sysConf>', async () => {
    const url = await notifyUrl({ mac: FANVIL, macForm: 'MAC=', uriHost: '224.0.1.75', vendor: 'Fanvil', model: 'X4', version: '2.4.1', userAgent: ua });
    expect(url).toMatch(new RegExp(`^${http.origin}/fanvil/t/[A-Za-z0-9_-]{24}/${FANVIL.toLowerCase()}\\.cfg$`));
    const cfg = await request(url, { headers: { 'User-Agent': ua } });
    expect(cfg.status).toBe(200);
    const doc = readXml(cfg.body) as { sysConf: { sip: { line: Record<string, string> }; ap: Record<string, unknown>; dsskey: { Fkey: Record<string, string> } } };
    expect(doc.sysConf.sip.line).toMatchObject({
      '@_index': '1', PhoneNumber: '2003', DisplayName: 'Cy Fanvil', RegisterAddr: 'pbx.example.net', RegisterUser: '2003', RegisterPswd: 'fv-secret-2003', EnableReg: '1',
    });
    expect(doc.sysConf.ap).toMatchObject({ pnp: { PNPEnable: '0' }, FlashServerIP: new URL(http.origin).host, FlashFileName: 'fanvil/a/$mac.cfg', DefaultUsername: FANVIL });
    expect(doc.sysConf.dsskey.Fkey).toMatchObject({ Type: '1', Value: '2001@1/ba', Title: 'Ada' });
  });

  test('an unknown Fanvil MAC gets no secret and no PnP switch', async () => {
    const reply = await request(`${http.origin}/fanvil/0c383e000001.cfg`);
    expect(reply.status).toBe(200);
    for (const secret of SECRETS) expect(reply.body).not.toContain(secret);
    expect(reply.body).not.toContain('PNPEnable');
  });
});

describe('Gigaset Maxwell', () => {
  const ua = `Gigaset Maxwell 3/2.22.7+build.a1b2c3d;${MAXWELL}`;
  const subscribe = { mac: MAXWELL, macForm: 'MAC%3A', macIn: ['uri'], uriHost: 'local', vendor: 'OEM', model: 'OEM', version: '2.22.7', userAgent: ua } as const;

  test('SUBSCRIBE (MAC%3A in the URI only, vendor="OEM", named by its User-Agent) -> NOTIFY naming <MAC>.xml under a token; a replay from another address gets nothing; the phone gets its <provisioning>', async () => {
    const url = await notifyUrl(subscribe);
    expect(url).toMatch(new RegExp(`^${http.origin}/gigaset/t/[A-Za-z0-9_-]{24}/${MAXWELL}\\.xml$`));

    const replay = await request(url, { headers: { 'User-Agent': ua }, localAddress: '127.0.0.2' });
    // A token bound to the phone's address: refused from another, nothing of the device in the answer.
    expect(replay.status).toBe(403);
    for (const secret of SECRETS) expect(replay.body).not.toContain(secret);

    const own = await request(url, { headers: { 'User-Agent': ua } });
    expect(own.status).toBe(200);
    expect(own.header('content-type')).toBe('application/xml; charset=utf-8');
    expect(own.header('cache-control')).toBe('no-store');
    const p = readMaxwellParams(own.body);
    expect(Object.fromEntries(p)).toMatchObject({
      'SIP.Account.0.Username': '2004', 'SIP.Account.0.AuthName': '2004', 'SIP.Account.0.AuthPassword': 'mx-secret-2004',
      'SIP.Account.0.DisplayName': 'Dee Maxwell', 'SIP.Account.0.RegistrationServer.Address': 'pbx.example.net',
      'PhoneUI.Keys.FunctionKeys.0.Type': '4', 'PhoneUI.Keys.FunctionKeys.0.PhoneNumber': '2001', 'PhoneUI.Keys.FunctionKeys.0.DisplayName': 'Ada',
      'System.Provision.ProvisioningServer': `${http.origin}/gigaset/a/%MACD.xml`,
      'System.Security.HTTPDigest.Username': MAXWELL,
      'SystemSettings.global.SipMulticastEnabled': '0',
    });
    const password = p.get('System.Security.HTTPDigest.Password') ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // Re-provisioning: the phone replaces %MACD by its MAC and answers the digest challenge.
    const again = await digestGet(`${http.origin}/gigaset/a/${MAXWELL}.xml`, MAXWELL, password);
    expect(again.status).toBe(200);
    expect(readMaxwellParams(again.body).get('SIP.Account.0.AuthPassword')).toBe('mx-secret-2004');
  });

  test('an unknown Maxwell MAC gets the secret-free bootstrap, PnP left on', async () => {
    const reply = await request(`${http.origin}/gigaset/7C2F80000001.xml`);
    expect(reply.status).toBe(200);
    for (const secret of SECRETS) expect(reply.body).not.toContain(secret);
    const keys = [...readMaxwellParams(reply.body).keys()];
    expect(keys.filter((k) => k.startsWith('SIP.') || k.startsWith('System.Provision') || k.includes('Multicast'))).toEqual([]);
  });

  test('the known Maxwell\'s file without a token is the same bootstrap as an unknown one\'s', async () => {
    const known = await request(`${http.origin}/gigaset/${MAXWELL}.xml`);
    const unknown = await request(`${http.origin}/gigaset/7C2F80000001.xml`);
    expect(known.status).toBe(200);
    expect(known.body).toBe(unknown.body);
  });

  test('provisioning.xml (what a Maxwell given a folder asks for first) is not served, so it goes on to <MAC>.xml', async () => {
    expect((await request(`${http.origin}/gigaset/provisioning.xml`)).status).toBe(404);
  });
});

describe('Gigaset P-series (Snom lineage)', () => {
  const ua = `Mozilla/4.0 (compatible; Gigaset P820 PRO/10.1.180.10 ${GIGASET_P})`;

  test('SUBSCRIBE (vendor="OEM", a P-series User-Agent) -> NOTIFY to the Snom folder -> Snom\'s request sequence -> <settings>', async () => {
    const url = await notifyUrl({ mac: GIGASET_P, macForm: 'MAC%3a', uriHost: 'gigaset.com', vendor: 'OEM', model: 'OEM', userAgent: ua });
    expect(url).toMatch(new RegExp(`^${http.origin}/snom/t/[A-Za-z0-9_-]{24}/$`));
    const container = await request(`${url}snomD812-${GIGASET_P}.htm`, { headers: { 'User-Agent': ua } });
    expect(container.status).toBe(200);
    expect(container.body).toContain(`${GIGASET_P}.xml`);
    const settings = await request(`${url}${GIGASET_P}.xml`, { headers: { 'User-Agent': ua } });
    expect(settings.status).toBe(200);
    const doc = readXml(settings.body) as { settings: { 'phone-settings': Record<string, unknown> } };
    const phone = doc.settings['phone-settings'];
    expect(JSON.stringify(phone)).toContain('gp-secret-2005');
    expect(JSON.stringify(phone)).toContain('Eve Gigaset');
    // The inventory's `model: P820` is the Snom D812 it runs: no "phone type differs" warning for its container.
    expect(JSON.stringify(httpLog.lines)).not.toContain('phone type differs from the inventory model');
  });
});

test('no secret in any log line of the whole run', () => {
  const text = JSON.stringify([httpLog.lines, bed.logs.lines]);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/static\.auto_provision\.server\.password/);
});
