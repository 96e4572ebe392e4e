/**
 * Web passwords, the phone's HTTP credentials and the phone book's URL credentials are secrets, for every vendor:
 * they are in the device file served with the device's own access, and nowhere else: not in the bootstrap of a
 * known or unknown MAC (even when the inventory's defaults carry web passwords), not in any log line, not in a
 * phone book served without access. Yealink's remote phone book is fetched with the credentials written into it.
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
import { readXml, readYealinkCfg } from './support/strict-formats.js';

const INVENTORY = `
defaults:
  web: { user: boss, password: default-web-pw, adminPassword: default-admin-pw }
  phonebook:
    - { name: Reception, number: "100" }
devices:
  - mac: 805ec0a1b2c5
    web: { password: yl-web-pw, adminPassword: yl-admin-pw }
    accounts: [{ user: "2001", password: yl-acct-pw, registrar: pbx.example.net }]
  - mac: c074ad112235
    web: { password: gs-web-pw, adminPassword: gs-admin-pw }
    accounts: [{ user: "2002", password: gs-acct-pw, registrar: pbx.example.net }]
  - mac: 0c383e1a2b3e
    web: { password: fv-web-pw, adminPassword: fv-admin-pw }
    accounts: [{ user: "2003", password: fv-acct-pw, registrar: pbx.example.net }]
  - mac: 000413a1b2c6
    web: { password: sn-web-pw, adminPassword: sn-admin-pw }
    accounts: [{ user: "2004", password: sn-acct-pw, registrar: pbx.example.net }]
`;
const WEB_SECRETS = ['default-web-pw', 'default-admin-pw', 'yl-web-pw', 'yl-admin-pw', 'gs-web-pw', 'gs-admin-pw', 'fv-web-pw', 'fv-admin-pw', 'sn-web-pw', 'sn-admin-pw'];
/** Each vendor's device file of its device, an unknown MAC's, and the web password its file must carry. */
const VENDORS = [
  { vendor: 'yealink', mac: '805EC0A1B2C5', file: '805ec0a1b2c5.cfg', unknown: '805ec0000009.cfg', web: 'yl-web-pw' },
  { vendor: 'grandstream', mac: 'C074AD112235', file: 'cfgc074ad112235.xml', unknown: 'cfgc074ad000009.xml', web: 'gs-web-pw' },
  { vendor: 'fanvil', mac: '0C383E1A2B3E', file: '0c383e1a2b3e.cfg', unknown: '0c383e000009.cfg', web: 'fv-web-pw' },
  { vendor: 'snom', mac: '000413A1B2C6', file: '000413A1B2C6.xml', unknown: '000413000009.xml', web: 'sn-web-pw' },
];

const loaded = loadInventory(INVENTORY, 'inventory.yaml');
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const directory = mapDirectory([...loaded.inventory.devices.values()], loaded.inventory.defaults);
const log = captureLogger('debug');
let http: Listening;
let security: PnpSecurity;
/** Every HTTP client password handed out (they are secrets too). */
const clientPasswords: string[] = [];

beforeAll(async () => {
  security = createPnpSecurity({ key: 'vendor-secrets-test-key-at-least-32-bytes', logger: log.logger });
  const app = express();
  app.use(provisioningRouter({ directory, security, logger: log.logger }));
  http = await listen(app);
});
afterAll(async () => { await http?.close(); });

async function digestGet(url: string, user: string, password: string): Promise<{ status: number; body: string }> {
  const session = new DigestSession(user, password);
  const first = await request(url);
  expect(first.status).toBe(401);
  expect(session.accept(first.headers['www-authenticate'])).toBe(true);
  return request(url, { headers: { Authorization: session.authorization('GET', new URL(url).pathname) ?? '' } });
}

describe.each(VENDORS)('$vendor', ({ vendor, mac, file, unknown, web }) => {
  test('the bootstrap of the known and of an unknown MAC holds no web password, phone book or credentials', async () => {
    for (const name of [file, unknown]) {
      const reply = await request(`${http.origin}/${vendor}/${name}`);
      expect(reply.status).toBe(200);
      for (const secret of WEB_SECRETS) expect(reply.body).not.toContain(secret);
      expect(reply.body).not.toMatch(/Reception|-acct-pw|:\/\/[^/\s]*@/);
    }
  });

  test('the device file, with the device\'s own credentials, carries its web password', async () => {
    const credentials = security.credentials.forMac(mac);
    clientPasswords.push(credentials.password);
    const reply = await digestGet(`${http.origin}/${vendor}/a/${file}`, credentials.user, credentials.password);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(web);
  });
});

describe('the Yealink remote phone book', () => {
  test('is named in the device file with the device\'s credentials, and served only with them', async () => {
    const credentials = security.credentials.forMac('805EC0A1B2C5');
    const cfg = await digestGet(`${http.origin}/yealink/a/805ec0a1b2c5.cfg`, credentials.user, credentials.password);
    const url = readYealinkCfg(cfg.body).get('remote_phonebook.data.1.url') ?? '';
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(`${http.origin}/yealink/a/805ec0a1b2c5-phonebook.xml`);
    expect([decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)]).toEqual([credentials.user, credentials.password]);

    const book = await digestGet(`${http.origin}/yealink/a/805ec0a1b2c5-phonebook.xml`, credentials.user, credentials.password);
    expect(book.status).toBe(200);
    expect(readXml(book.body)).toMatchObject({ YealinkIPPhoneDirectory: { DirectoryEntry: { Name: 'Reception', Telephone: '100' } } });

    // Without access: the same empty book for the known and an unknown MAC.
    const open = await request(`${http.origin}/yealink/805ec0a1b2c5-phonebook.xml`);
    const other = await request(`${http.origin}/yealink/805ec0000009-phonebook.xml`);
    expect(open.status).toBe(200);
    expect(open.body).not.toContain('Reception');
    expect(other.body).toBe(open.body);
  });
});

test('no web password, account password or HTTP client password in any log line', () => {
  const text = JSON.stringify(log.lines);
  expect(log.lines.length).toBeGreaterThan(0);
  for (const secret of [...WEB_SECRETS, 'yl-acct-pw', 'gs-acct-pw', 'fv-acct-pw', 'sn-acct-pw', ...clientPasswords]) expect(text).not.toContain(secret);
});
