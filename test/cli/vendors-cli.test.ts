/**
 * The CLI for vendors other than Snom: `render` shows a Yealink or Grandstream phone's files with its secrets
 * masked (the vendor from the inventory's `vendor`, or the MAC prefix), and `check` reports a function key a
 * model does not have, with file and line.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceCredentials } from '../../lib/security/credentials.js';
import { runCli } from '../support/cli.js';

let dir: string;
const INVENTORY = `models:
  T46U: { vendor: yealink }
devices:
  - mac: 80:5e:c0:a1:b2:c3
    model: T46U
    accounts:
      - { user: "2001", password: yl-render-secret, displayName: Ada, registrar: pbx.example.net }
    functionKeys:
      - { type: blf, value: "2002", label: Bob }
  - mac: c0:74:ad:11:22:33
    accounts:
      - { user: "2002", password: gs-render-secret, registrar: pbx.example.net }
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-vendors-cli-'));
  await writeFile(path.join(dir, 'inventory.yaml'), INVENTORY);
  await writeFile(path.join(dir, 'config.yaml'), 'http:\n  publicUrl: http://192.0.2.10:8080\ninventory: inventory.yaml\nsecurity:\n  mode: open\n');
});

describe('drachtio-pnp render', () => {
  it('shows a Yealink phone\'s boot and settings files, the password masked', async () => {
    const r = await runCli(['render', '805ec0a1b2c3', '--config', path.join(dir, 'config.yaml')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('==> 805ec0a1b2c3.boot (device-boot) <==');
    expect(r.stdout).toContain('==> 805ec0a1b2c3.cfg (settings, 1 secret(s) masked) <==');
    expect(r.stdout).toContain('account.1.password = ********');
    expect(r.stdout).toContain('linekey.1.type = 16');
    expect(r.stdout + r.stderr).not.toContain('yl-render-secret');
  });

  it('shows a Grandstream phone (vendor from its MAC prefix), the password masked', async () => {
    const r = await runCli(['render', 'C074AD112233', '--config', path.join(dir, 'config.yaml'), '--json'], { timeoutMs: 60_000 });
    const out = JSON.parse(r.stdout) as { files: { file: string; status: number; body?: string }[] };
    expect(out.files.map((f) => [f.file, f.status])).toEqual([['cfgc074ad112233', 404], ['cfgc074ad112233.xml', 200], ['cfg.xml', 200]]);
    expect(out.files[1]?.body).toContain('<P34>********</P34>');
    expect(r.stdout + r.stderr).not.toContain('gs-render-secret');
  });
});

describe('drachtio-pnp check', () => {
  it('reports a key number the model does not have, with file and line', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `      ${i}: { type: speed, value: "1${i}" }`).join('\n');
    await writeFile(path.join(dir, 'keys.yaml'), `models:\n  T46U: { vendor: yealink }\ndevices:\n  - mac: 805ec0a1b2c4\n    model: T46U\n    accounts:\n      - { user: "1", registrar: pbx }\n    functionKeys:\n${keys}\n`);
    await writeFile(path.join(dir, 'keys-config.yaml'), 'inventory: keys.yaml\n');
    const r = await runCli(['check', '--config', path.join(dir, 'keys-config.yaml')], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('key 196 does not exist on the Yealink T46U');
    expect(r.stderr).toMatch(new RegExp(`${path.join(dir, 'keys.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
    expect(r.stderr).not.toContain('key 195 does not exist');
  });
});

describe('drachtio-pnp render, secure mode: web passwords, HTTP credentials and the phone book\'s URL credentials masked', () => {
  const KEY = 'render-secrets-test-key-at-least-32-bytes-long';
  const SECRET_INVENTORY = `defaults:
  web: { user: boss, password: web-render-pw, adminPassword: admin-render-pw }
  phonebook:
    - { name: Reception, number: "100" }
devices:
  - mac: 805ec0a1b2c6
    accounts: [{ user: "2001", password: yl-acct-render-pw, registrar: pbx.example.net }]
  - mac: c074ad112236
    accounts: [{ user: "2002", password: gs-acct-render-pw, registrar: pbx.example.net }]
  - mac: 0c383e1a2b3f
    accounts: [{ user: "2003", password: fv-acct-render-pw, registrar: pbx.example.net }]
`;
  it.each([['805EC0A1B2C6', 'yealink'], ['C074AD112236', 'grandstream'], ['0C383E1A2B3F', 'fanvil']])('%s (%s)', async (mac) => {
    await writeFile(path.join(dir, 'secrets.yaml'), SECRET_INVENTORY);
    await writeFile(path.join(dir, 'secrets-config.yaml'), `http:\n  publicUrl: http://192.0.2.10:8080\ninventory: secrets.yaml\nsecurity:\n  credentials:\n    key: ${KEY}\n`);
    const r = await runCli(['render', mac, '--config', path.join(dir, 'secrets-config.yaml')], { timeoutMs: 60_000 });
    // (Grandstream's legacy binary file is not rendered: a 404 among its files makes the exit code 1.)
    expect(r.stdout).toMatch(/==> .* \(settings, [1-9]\d* secret\(s\) masked\) <==/);
    const clientPassword = new DeviceCredentials(KEY).forMac(mac).password;
    for (const secret of ['web-render-pw', 'admin-render-pw', 'acct-render-pw', clientPassword]) expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout).toContain('********');
  });

  it('the Yealink phone book URL keeps its user, its password masked', async () => {
    const r = await runCli(['render', '805EC0A1B2C6', '--config', path.join(dir, 'secrets-config.yaml')], { timeoutMs: 60_000 });
    expect(r.stdout).toMatch(/^remote_phonebook\.data\.1\.url = http:\/\/805EC0A1B2C6:\*{8}@192\.0\.2\.10:8080\/yealink\/a\/805ec0a1b2c6-phonebook\.xml$/m);
    expect(r.stdout).toContain('static.security.user_password = ********');
    expect(r.stdout).toContain('==> 805ec0a1b2c6-phonebook.xml (phonebook) <==');
  });
});
