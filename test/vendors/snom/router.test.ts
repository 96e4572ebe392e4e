import { readFile } from 'node:fs/promises';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Device, FunctionKey } from '../../../lib/devices/device.js';
import { provisioningRouter } from '../../../lib/http/provisioning-router.js';
import { loadInventory } from '../../../lib/inventory/load.js';
import type { SecretAccess, UnknownDevicePolicy } from '../../../lib/http/provisioning-reply.js';
import { silentLogger } from '../../../lib/log/logger.js';
import {
  DEFAULT_NOTIFY_URL_TEMPLATES, expandUrlTemplate, parseProvisioningPath, SNOM_MAC_NOTIFY_URL_TEMPLATE,
  type ProvisioningTarget,
} from '../../../lib/provisioning-urls.js';
import { phoneTypeForModel } from '../../../lib/vendors/snom/phone-types.js';
import { answerSnomFile, type SnomFileContext } from '../../../lib/vendors/snom/router.js';
import { exampleDefaults, examplePhones, exampleSecrets, type ExamplePhone } from '../../support/example-devices.js';
import { listen, type Listening } from '../../support/http-server.js';
import { mapDirectory } from '../../support/map-directory.js';
import { provisionSnomPhone, type SnomPhoneResult } from '../../support/snom-phone-client.js';

const BASE = 'http://prov.example.net/prov';
/** Secrets granted as on a trusted network: the settings server stays unscoped, no credentials handed out. */
const OPEN: SecretAccess = { kind: 'granted', settingServerScope: [] };
const phones = Object.entries(examplePhones) as Array<[string, ExamplePhone]>;

function target(path: string): { target: ProvisioningTarget; fileName: string } {
  const parsed = parseProvisioningPath(path);
  if (parsed.outcome !== 'file') throw new Error(`not a file path: ${path}`);
  return { target: parsed.target, fileName: parsed.fileName };
}

function context(unknownDevices: UnknownDevicePolicy = 'bootstrap'): SnomFileContext {
  const directory = mapDirectory(phones.map(([, p]) => p.device), exampleDefaults);
  return { lookup: (mac) => directory.lookup(mac), defaults: () => directory.defaults(), unknownDevices, logger: silentLogger };
}

describe('answerSnomFile', () => {
  const { manager, lab } = examplePhones;
  const M = manager.device.mac;

  test.each([
    ['/snom/snomD785.htm', 'model-container', false],
    [`/snom/snomD785-${M}.htm`, 'device-container', false],
    [`/snom/${M}.xml`, 'settings', true],
    [`/snom/${M}-firmware.xml`, 'firmware', false],
  ])('%s: %s, secret %s', async (path, kind, secret) => {
    const reply = await answerSnomFile({ ...target(path), base: BASE, secrets: OPEN, userAgent: manager.userAgent }, context());
    expect(reply).toMatchObject({ status: 200, secret, served: { vendor: 'snom', kind, phoneType: 'snomD785' } });
  });

  test('the device container lists the settings file, absolute, from the base', async () => {
    const reply = await answerSnomFile({ ...target(`/snom/snomD785-${M.toLowerCase()}.htm`), base: BASE, secrets: OPEN }, context());
    expect(reply.status === 200 && reply.body).toContain(`url="${BASE}/snom/${M}.xml"`);
    expect(reply.status === 200 && reply.body).not.toContain('firmware');
  });

  test('the settings point at the firmware file only when the device has a firmware URL', async () => {
    const withFirmware = await answerSnomFile({ ...target(`/snom/${M}.xml`), base: BASE, secrets: OPEN }, context());
    expect(withFirmware.status === 200 && withFirmware.body).toContain(`${BASE}/snom/${M}-firmware.xml`);
    const without = await answerSnomFile({ ...target(`/snom/${lab.device.mac}.xml`), base: BASE, secrets: OPEN }, context());
    expect(without.status === 200 && without.body).not.toContain('-firmware.xml');
    const noFile = await answerSnomFile({ ...target(`/snom/${lab.device.mac}-firmware.xml`), base: BASE, secrets: OPEN }, context());
    expect(noFile).toMatchObject({ status: 404 });
  });

  test('a device never receives another device\'s data', async () => {
    for (const [, phone] of phones) {
      const reply = await answerSnomFile({ ...target(`/snom/${phone.device.mac}.xml`), base: BASE, secrets: OPEN, userAgent: phone.userAgent }, context());
      expect(reply.status).toBe(200);
      const body = reply.status === 200 ? reply.body : '';
      for (const [, other] of phones) {
        const password = other.device.accounts[0]?.password ?? '';
        if (other === phone) expect(body).toContain(password);
        else expect(body).not.toContain(password);
      }
    }
  });

  test('withheld secrets: the bootstrap (known device, no secret, PnP on), or a 403 when refused', async () => {
    const bootstrap = await answerSnomFile({
      ...target(`/snom/${M}.xml`), base: BASE, secrets: { kind: 'withheld', answer: 'bootstrap', reason: 'no token' },
    }, context());
    expect(bootstrap).toMatchObject({ status: 200, secret: false, served: { kind: 'bootstrap', known: true } });
    const body = bootstrap.status === 200 ? bootstrap.body : '';
    for (const secret of exampleSecrets) expect(body).not.toContain(secret);
    expect(body).toContain('<pnp_config perm="R">on</pnp_config>');
    expect(body).not.toContain('http_client');

    const refused = await answerSnomFile({
      ...target(`/snom/${M}.xml`), base: BASE, secrets: { kind: 'withheld', answer: 'refuse', reason: 'no security configured' },
    }, context());
    expect(refused).toMatchObject({ status: 403, reason: 'no security configured', mac: M });
  });

  test('granted through a token: credentials, the authenticated settings server, and no token in any link the phone keeps', async () => {
    const token = 'AbCdEfGhIjKlMnOpQrStUvWx';
    const reply = await answerSnomFile({
      ...target(`/snom/t/${token}/${M}.xml`), base: BASE,
      secrets: { kind: 'granted', settingServerScope: ['a'], httpClient: { user: M, password: 'derived-pw' } },
    }, context());
    const body = reply.status === 200 ? reply.body : '';
    expect(body).toContain(`<setting_server perm="R">${BASE}/snom/a/</setting_server>`);
    expect(body).toContain(`<http_client_user perm="R">${M}</http_client_user>`);
    expect(body).toContain('<http_client_pass perm="R">derived-pw</http_client_pass>');
    expect(body).toContain(`<firmware_status perm="R">${BASE}/snom/${M}-firmware.xml</firmware_status>`);
    expect(body).not.toContain(token);
    const container = await answerSnomFile({ ...target(`/snom/t/${token}/snomD785-${M}.htm`), base: BASE, secrets: OPEN }, context());
    expect(container.status === 200 && container.body).toContain(`url="${BASE}/snom/t/${token}/${M}.xml"`);
  });

  test.each([['ignore', 'info'], ['reject', 'warn']] as const)('unknown devices under %s: 404 logged at %s', async (policy, level) => {
    for (const path of ['/snom/snomD735-000413FFFFFF.htm', '/snom/000413FFFFFF.xml']) {
      expect(await answerSnomFile({ ...target(path), base: BASE, secrets: OPEN }, context(policy))).toMatchObject({ status: 404, level, mac: '000413FFFFFF' });
    }
  });
});

/** A key's text as Snom documents it (`<fkey>type value</fkey>`), for the key types the examples use. */
function expectedKeyText(key: FunctionKey): string | undefined {
  switch (key.type) {
    case 'blf': return key.pickup ? `blf ${key.value}|${key.pickup}` : `blf ${key.value}`;
    case 'line': return 'line';
    case 'speed': case 'dtmf': return `${key.type} ${key.value}`;
    default: return undefined;
  }
}

function expectDevice(result: SnomPhoneResult, device: Device): void {
  expect(result.problems).toEqual([]);
  device.accounts.forEach((account, i) => {
    expect(result.setting('user_name', i + 1)).toBe(account.user);
    expect(result.setting('user_pass', i + 1)).toBe(account.password);
    expect(result.setting('user_host', i + 1)).toBe(account.registrar);
  });
  expect(result.phonebook.map((e) => [e.name, e.number])).toEqual(device.phonebook.map((e) => [e.name, e.number]));
  device.functionKeys.forEach((key, position) => {
    const expected = expectedKeyText(key);
    if (expected !== undefined) expect(result.functionKeys.get(key.index ?? position)?.value).toBe(expected);
  });
  expect(result.functionKeys.size).toBe(device.functionKeys.length);
  expect(result.firmwareImage).toBe(device.firmware?.url);
}

describe('a Snom phone provisioned through the route', () => {
  let server: Listening;
  beforeAll(async () => {
    const app = express();
    const directory = mapDirectory(phones.map(([, p]) => p.device), exampleDefaults);
    app.use('/prov', provisioningRouter({ directory, security: 'open' }));
    app.use('/', provisioningRouter({ directory, security: 'open' }));
    server = await listen(app);
  });
  afterAll(() => server.close());

  describe.each([['/prov'], ['']])('mounted at %j', (prefix) => {
    test.each(phones)('%s, directory URL: type container, device container, settings (, firmware)', async (_name, phone) => {
      const notifyUrl = expandUrlTemplate(DEFAULT_NOTIFY_URL_TEMPLATES.snom, { base: `${server.origin}${prefix}`, mac: phone.device.mac });
      const result = await provisionSnomPhone({ notifyUrl, mac: phone.device.mac, phoneType: phone.phoneType, userAgent: phone.userAgent });
      const mac = phone.device.mac;
      const expected = [`${phone.phoneType}.htm`, `${phone.phoneType}-${mac}.htm`, `${mac}.xml`];
      if (phone.device.firmware?.url) expected.push(`${mac}-firmware.xml`);
      expect(result.requests.map((r) => r.url)).toEqual(expected.map((f) => `${server.origin}${prefix}/snom/${f}`));
      expect(result.requests.every((r) => r.status === 200 && r.contentType === 'application/xml; charset=utf-8')).toBe(true);
      expectDevice(result, phone.device);
    });

    test.each(phones)('%s, {mac} URL left for the phone to fill in', async (_name, phone) => {
      const notifyUrl = expandUrlTemplate(SNOM_MAC_NOTIFY_URL_TEMPLATE, { base: `${server.origin}${prefix}` });
      expect(notifyUrl).toContain('{mac}');
      const result = await provisionSnomPhone({ notifyUrl, mac: phone.device.mac.toLowerCase(), phoneType: phone.phoneType, userAgent: phone.userAgent });
      expect(result.requests[0]?.url).toBe(`${server.origin}${prefix}/snom/${phone.device.mac}.xml`);
      expectDevice(result, phone.device);
    });
  });

  test('{mac} filled in by the responder (lower case) reaches the same device', async () => {
    const { warehouse } = examplePhones;
    const notifyUrl = expandUrlTemplate(SNOM_MAC_NOTIFY_URL_TEMPLATE, { base: `${server.origin}/prov`, mac: warehouse.device.mac });
    expect(notifyUrl).toContain(warehouse.device.mac.toLowerCase());
    const result = await provisionSnomPhone({ notifyUrl, mac: warehouse.device.mac, phoneType: warehouse.phoneType, userAgent: warehouse.userAgent });
    expectDevice(result, warehouse.device);
  });

  test('an unknown phone gets a bootstrap without secrets and without anyone\'s account', async () => {
    const result = await provisionSnomPhone({
      notifyUrl: `${server.origin}/prov/snom/`, mac: '000413ffffff', phoneType: 'snomD735',
      userAgent: 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.54.13 000413FFFFFF)',
    });
    expect(result.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(result.problems).toEqual([]);
    const values = [...result.settings.values()].map((s) => s.value).join('\n');
    for (const secret of exampleSecrets) expect(values).not.toContain(secret);
    expect(result.setting('user_pass', 1)).toBeUndefined();
    expect(result.setting('language')).toBe(exampleDefaults.language);
  });

});

describe('every device of examples/inventory.yaml, through the route', async () => {
  const loaded = loadInventory(await readFile(new URL('../../../examples/inventory.yaml', import.meta.url), 'utf8'), 'examples/inventory.yaml');
  if (!loaded.ok) throw new Error(`example inventory does not load: ${JSON.stringify(loaded.errors)}`);
  const devices = [...loaded.inventory.devices.values()];
  let server: Listening;
  beforeAll(async () => {
    const app = express();
    app.use('/prov', provisioningRouter({ directory: mapDirectory(devices, loaded.inventory.defaults), security: 'open' }));
    server = await listen(app);
  });
  afterAll(() => server.close());

  test('the example has devices', () => {
    expect(devices.length).toBeGreaterThanOrEqual(3);
  });

  test.each(devices.map((d) => [d.description ?? d.mac, d] as const))('%s', async (_name, device) => {
    const phoneType = phoneTypeForModel(device.model ?? 'D735') ?? 'snomD735';
    const result = await provisionSnomPhone({
      notifyUrl: `${server.origin}/prov/snom/`, mac: device.mac, phoneType,
      userAgent: `Mozilla/4.0 (compatible; ${phoneType}-SIP 10.1.54.13 2010.12-00004-g9ba52f5 ${device.mac} SXM:0 UXM:0)`,
    });
    expectDevice(result, device);
    for (const raw of device.snom) expect(result.setting(raw.name, raw.idx)).toBe(raw.value);
    for (const other of devices) {
      if (other !== device) expect([...result.settings.values()].map((s) => s.value)).not.toContain(other.accounts[0]?.password);
    }
  });
});
