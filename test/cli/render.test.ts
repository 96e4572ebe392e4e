import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { DeviceCredentials } from '../../lib/security/credentials.js';
import { runCli } from '../support/cli.js';
import { listen, type Listening } from '../support/http-server.js';

/**
 * `drachtio-pnp render`: what a phone is served, from the CLI alone, compared byte for byte with what the
 * provisioning route serves for the same inventory and public URL.
 */

const PUBLIC_URL = 'http://192.0.2.10:8080';
const MAC = '000413A11FA9'; // model D735, firmware wish, password change-me-2003
let dir: string;
let config: string;
let route: Listening;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-render-'));
  await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
  config = path.join(dir, 'config.yaml');
  await writeFile(config, `http:\n  publicUrl: ${PUBLIC_URL}\ninventory: inventory.yaml\nsecurity:\n  mode: open\n`);
  const directory = await FileInventory.open({ path: path.join(dir, 'inventory.yaml'), watch: false });
  const app = express();
  app.use(provisioningRouter({ directory, publicUrl: PUBLIC_URL, security: 'open' }));
  route = await listen(app);
});
afterAll(async () => { await route?.close(); });

async function served(file: string): Promise<string> {
  const res = await fetch(`${route.origin}/snom/${file}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('drachtio-pnp render', () => {
  it('shows every file of a device in the phone\'s order, secrets masked, structure kept', async () => {
    const r = await runCli(['render', MAC, '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^==> .* <==$/gm)).toEqual([
      '==> snomD735.htm (model-container) <==',
      '==> snomD735-000413A11FA9.htm (device-container) <==',
      `==> ${MAC}.xml (settings, 3 secret(s) masked) <==`,
      `==> ${MAC}-firmware.xml (firmware) <==`,
    ]);
    expect(r.stdout).not.toContain('change-me');
    expect(r.stdout).toContain('<user_pass idx="1" perm="R">********</user_pass>');
    expect(r.stdout).toContain('<user_name idx="1" perm="R">2003</user_name>');
    // Masked, the file is the served one with only the secret values replaced.
    const settings = await served(`${MAC}.xml`);
    const masked = r.stdout.split(`==> ${MAC}.xml (settings, 3 secret(s) masked) <==\n`)[1]?.split('==>')[0] ?? '';
    expect(masked.split('\n').length).toBe(settings.split('\n').length);
    expect(masked).toBe(settings.replace(/(<(?:user_pass|http_pass|admin_mode_password)[^>]*>)[^<]+</g, '$1********<'));
  });

  it('with --file and --show-secrets prints exactly what the route serves', async () => {
    const files = [`${MAC}.xml`, `snomD735-${MAC}.htm`];
    const results = await Promise.all(files.map((file) => runCli(['render', MAC.toLowerCase(), '--config', config, '--file', file, '--show-secrets'])));
    for (const [i, r] of results.entries()) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(await served(files[i] as string));
    }
    expect(results[0]?.stdout).toContain('change-me-2003');
  });

  it('prints JSON for scripts', async () => {
    const r = await runCli(['render', '00:04:13:a1:1f:a9', '--config', config, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { mac: string; base: string; known: boolean; files: Array<{ file: string; kind: string; status: number; masked: number; secret: boolean }> };
    expect(out).toMatchObject({ mac: MAC, base: PUBLIC_URL, known: true });
    expect(out.files.map((f) => [f.file, f.status, f.secret, f.masked])).toEqual([
      ['snomD735.htm', 200, false, 0], [`snomD735-${MAC}.htm`, 200, false, 0], [`${MAC}.xml`, 200, true, 3], [`${MAC}-firmware.xml`, 200, false, 0],
    ]);
  });

  it('shows an unknown phone its bootstrap file and says why; under "ignore" nothing is served and it exits 1', async () => {
    const ignoring = path.join(dir, 'ignore.yaml');
    await writeFile(ignoring, `${await readFile(config, 'utf8')}pnp:\n  unknownDevices: ignore\n`);
    const [unknown, ignored] = await Promise.all([
      runCli(['render', '0004130000AA', '--config', config, '--file', '0004130000AA.xml']),
      runCli(['render', '0004130000AA', '--config', ignoring]),
    ]);
    expect(unknown.code).toBe(0);
    expect(unknown.stderr).toMatch(/0004130000AA is not in the inventory: it gets what unknown devices get \(pnp.unknownDevices: bootstrap\)/);
    expect(unknown.stdout).toBe(await served('0004130000AA.xml'));
    expect(unknown.stdout).not.toContain('change-me');

    expect(ignored.code).toBe(1);
    expect(ignored.stderr).toMatch(/0004130000AA\.xml: not served, 404 \(unknown device ignored\)/);
  });

  it('in secure mode shows what a phone with its token gets: the authenticated setting_server and its own credentials', async () => {
    const key = 'k'.repeat(40);
    const secure = path.join(dir, 'secure.yaml');
    await writeFile(secure, `http:\n  publicUrl: ${PUBLIC_URL}\ninventory: inventory.yaml\nsecurity:\n  credentials:\n    key: ${key}\n`);
    const [masked, shown] = await Promise.all([
      runCli(['render', MAC, '--config', secure, '--file', `${MAC}.xml`]),
      runCli(['render', MAC, '--config', secure, '--file', `${MAC}.xml`, '--show-secrets']),
    ]);
    expect(masked.stdout).toContain(`<setting_server perm="R">${PUBLIC_URL}/snom/a/</setting_server>`);
    expect(masked.stdout).toContain(`<http_client_user perm="R">${MAC}</http_client_user>`);
    expect(masked.stdout).toContain('<http_client_pass perm="R">********</http_client_pass>');
    expect(shown.stdout).toContain(`<http_client_pass perm="R">${new DeviceCredentials(key).forMac(MAC).password}</http_client_pass>`);
  });

  it('previews a device the HTTP lookup backend serves, the inventory still filling in the rest', async () => {
    const api = await listen((req, res) => {
      if (req.url === '/devices/0004130000B1') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
          mac: '0004130000B1', model: 'D785', accounts: [{ user: '4711', password: 'from-the-pbx', registrar: 'pbx.example.net' }],
        }));
      } else {
        res.writeHead(404).end();
      }
    });
    try {
      const withLookup = path.join(dir, 'lookup.yaml');
      await writeFile(withLookup, `${await readFile(config, 'utf8')}lookup:\n  url: ${api.origin}/devices\n`);
      const [fromApi, fromFile] = await Promise.all([
        runCli(['render', '0004130000B1', '--config', withLookup, '--file', '0004130000B1.xml', '--show-secrets']),
        runCli(['render', MAC, '--config', withLookup, '--file', `${MAC}.xml`]),
      ]);
      expect(fromApi.code).toBe(0);
      expect(fromApi.stdout).toContain('<user_name idx="1" perm="R">4711</user_name>');
      expect(fromApi.stdout).toContain('<user_pass idx="1" perm="R">from-the-pbx</user_pass>');
      expect(fromFile.stdout).toContain('<user_name idx="1" perm="R">2003</user_name>');
    } finally {
      await api.close();
    }
  });

  it('refuses a bad command line with exit 2 and one line on stderr', async () => {
    const cases = await Promise.all([
      runCli(['render', 'not-a-mac', '--config', config]),
      runCli(['render', MAC, '--config', config, '--file', '0004130000AA.xml']),
      runCli(['render', '--config', config]),
    ]);
    for (const r of cases) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(cases[0]?.stderr.trim().split('\n')).toHaveLength(1);
    expect(cases[0]?.stderr).toMatch(/not a MAC address: "not-a-mac"/);
    expect(cases[1]?.stderr).toMatch(/0004130000AA\.xml belongs to 0004130000AA, not to 000413A11FA9/);
  });
});
