/**
 * Credentials inside a firmware or language URL are secrets (issue 16, item 5): the firmware file goes out only
 * where the settings would, the same 404 for known and unknown MACs otherwise, and language URLs with credentials
 * stay out of the bootstrap.
 */
import { describe, expect, test } from 'vitest';
import type { Device, DeviceProfile } from '../../../lib/devices/device.js';
import type { SecretAccess } from '../../../lib/http/provisioning-reply.js';
import { silentLogger } from '../../../lib/log/logger.js';
import { parseProvisioningPath } from '../../../lib/provisioning-urls.js';
import { answerSnomFile } from '../../../lib/vendors/snom/router.js';

const BASE = 'http://prov.example.net';
const KNOWN = '000413A11FA7';
const UNKNOWN = '000413A11FA8';
const FIRMWARE = 'http://fw-user:fw-secret@firmware.example.net/snomD735.bin';
const defaults: DeviceProfile = {
  languageFiles: { gui: [{ name: 'Deutsch', url: 'http://lang:lang-secret@files.example.net/de.xml' }, { name: 'English', url: 'http://files.example.net/en.xml' }] },
};
const device: Device = {
  mac: KNOWN, accounts: [{ user: '2001', registrar: 'pbx.example.net', password: 'pw' }], functionKeys: [], phonebook: [], snom: [],
  firmware: { url: FIRMWARE },
};
const context = {
  lookup: async (mac: string) => (mac === KNOWN ? device : undefined), defaults: () => defaults, unknownDevices: 'bootstrap' as const, logger: silentLogger,
};
const WITHHELD: SecretAccess = { kind: 'withheld', answer: 'bootstrap', reason: 'no token' };

async function answer(path: string, secrets: SecretAccess) {
  const parsed = parseProvisioningPath(path);
  if (parsed.outcome !== 'file') throw new Error(path);
  return answerSnomFile({ target: parsed.target, fileName: parsed.fileName, base: BASE, secrets }, context);
}

describe('firmware file', () => {
  test('unauthorised: the same answer for a known MAC (firmware URL with credentials) and an unknown one, the URL never out', async () => {
    const known = await answer(`/snom/${KNOWN}-firmware.xml`, WITHHELD);
    const unknown = await answer(`/snom/${UNKNOWN}-firmware.xml`, WITHHELD);
    expect(known).toMatchObject({ status: 200, secret: false });
    expect(known.status === 200 && known.body).not.toContain('fw-secret');
    const strip = (r: typeof known) => (r.status === 200 ? { body: r.body, known: r.served.known } : r);
    expect(strip(known)).toEqual(strip(unknown));
  });

  test('authorised (digest on a/): served, marked secret so it is never cached', async () => {
    const reply = await answer(`/snom/a/${KNOWN}-firmware.xml`, { kind: 'granted', settingServerScope: ['a'] });
    expect(reply).toMatchObject({ status: 200, secret: true });
    expect(reply.status === 200 && reply.body).toContain('fw-secret');
  });

  test('a firmware URL with credentials: the settings point at the firmware file on the authenticated route', async () => {
    const reply = await answer(`/snom/t/AAAAAAAAAAAAAAAAAAAAAAAA/${KNOWN}.xml`, { kind: 'granted', settingServerScope: ['a'] });
    expect(reply.status === 200 && reply.body).toContain(`<firmware_status perm="R">${BASE}/snom/a/${KNOWN}-firmware.xml</firmware_status>`);
  });
});

test('the bootstrap leaves out language files whose URL holds credentials, and keeps the others', async () => {
  for (const mac of [KNOWN, UNKNOWN]) {
    const reply = await answer(`/snom/${mac}.xml`, WITHHELD);
    const body = reply.status === 200 ? reply.body : '';
    expect(body).toContain('http://files.example.net/en.xml');
    expect(body).not.toContain('lang-secret');
  }
});
