import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { ServeProcess, runCli } from '../support/cli.js';
import { getHeader } from '../support/sip-text.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

/**
 * `drachtio-pnp serve` as operators run it: a real subprocess with a config file, connected to the drachtio wire
 * test server, answering a phone's SUBSCRIBE, and serving the files the NOTIFY leads to.
 */

async function siteDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pnp-serve-'));
  await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
  return dir;
}

describe('drachtio-pnp serve with drachtio connected', () => {
  let server: DrachtioTestServer;
  let phone: FakePhone;
  let serve: ServeProcess;
  let dir: string;
  let publicUrl: string;

  beforeAll(async () => {
    server = await DrachtioTestServer.start({ timerScale: 0.02 });
    phone = await FakePhone.start();
    dir = await siteDir();
    await writeFile(path.join(dir, 'config.yaml'), [
      'drachtio:', '  host: 127.0.0.1', `  port: ${server.adminPort}`, '  secret: cymru',
      'http:', '  host: 127.0.0.1', '  port: 0',
      'inventory: inventory.yaml',
    ].join('\n'));
    serve = new ServeProcess(['--config', path.join(dir, 'config.yaml')]);
    const listening = await serve.waitForLog((l) => l.msg === 'HTTP provisioning server listening');
    publicUrl = String(listening.publicUrl);
    await serve.waitForLog((l) => l.msg === 'connected to drachtio-server');
  });

  afterAll(async () => {
    await serve?.stop();
    await phone?.close();
    await server?.stop();
  });

  it('reports itself healthy', async () => {
    const res = await fetch(`${publicUrl}/healthz`);
    expect(res.status).toBe(200);
    const report = await res.json() as { status: string; drachtio: { state: string }; inventory: { devices: number } };
    expect(report.status).toBe('ok');
    expect(report.drachtio.state).toBe('connected');
    expect(report.inventory.devices).toBeGreaterThan(0);
  });

  it('provisions a known Snom phone from SUBSCRIBE to its account, keeping no dialog', async () => {
    const sent = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, {
      mac: '000413A11FA7', macForm: 'MAC%3a', vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
      userAgent: 'snomD735/10.1.33.33',
    });
    const response = await phone.waitForResponse(sent);
    expect(response.status).toBe(200);
    expect(getHeader(response, 'expires')).toBe('0');
    const notify = await phone.waitForNotify(sent);
    expect(getHeader(notify, 'content-type')).toBe('application/url');
    expect(getHeader(notify, 'subscription-state')).toBe('terminated;reason=timeout');
    // A known phone's URL carries its provisioning token.
    expect(notify.body).toMatch(new RegExp(`^${publicUrl}/snom/t/[A-Za-z0-9_-]{24}/$`));

    await server.waitFor(() => server.stats().stableDialogs === 0, 5000);

    const result = await provisionSnomPhone({
      notifyUrl: notify.body, mac: '000413A11FA7', phoneType: 'snomD735',
      userAgent: 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413A11FA7 SXM:0 UXM:0)',
    });
    expect(result.problems).toEqual([]);
    expect(result.setting('user_name', 1)).toBe('2001');
    expect(result.setting('user_host', 1)).toBe('pbx.example.net');
    expect(result.setting('user_pass', 1)).toBe('change-me-2001');
    expect(result.setting('pnp_config')).toBe('off');
    expect(result.setting('setting_server')).toBe(`${publicUrl}/snom/a/`);
    expect(result.setting('http_client_user')).toBe('000413A11FA7');
  });

  it('answers other event packages with 489 and Allow-Events', async () => {
    const sent = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, { event: 'presence' });
    const response = await phone.waitForResponse(sent);
    expect(response.status).toBe(489);
    expect(getHeader(response, 'allow-events')).toBe('ua-profile');
  });

  it('never writes a secret to its log', async () => {
    const inventory = await readFile(path.join(dir, 'inventory.yaml'), 'utf8');
    const secrets = [...inventory.matchAll(/password: (\S+)/g)].map((m) => m[1] as string);
    expect(secrets.length).toBeGreaterThan(2);
    for (const secret of secrets) expect(serve.stdout).not.toContain(secret);
    expect(serve.stdout).not.toContain('cymru');
  });

  it('keeps the last good inventory when SIGHUP finds the file broken', async () => {
    await writeFile(path.join(dir, 'inventory.yaml'), 'devices:\n  - mac: nonsense\n');
    serve.signal('SIGHUP');
    await serve.waitForLog((l) => l.level >= 40 && /inventory/i.test(l.msg) && l.msg !== 'SIGHUP: reloading the inventory');
    // A device the earlier test did not enrol, so that its PnP gets a token and its settings show its account.
    const sent = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, { mac: '000413A11FA8', vendor: 'snom' });
    const notify = await phone.waitForNotify(sent);
    const res = await fetch(`${notify.body}000413A11FA8.xml`, {
      headers: { 'User-Agent': 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 000413A11FA8)' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('2002');
  });
});

describe('drachtio-pnp serve without drachtio', () => {
  it('keeps serving HTTP, says what it waits for, and stops cleanly on SIGTERM', async () => {
    const dir = await siteDir();
    await writeFile(path.join(dir, 'config.yaml'), 'drachtio:\n  port: 1\nhttp:\n  host: 127.0.0.1\n  port: 0\ninventory: inventory.yaml\n');
    const serve = new ServeProcess(['--config', path.join(dir, 'config.yaml')]);
    try {
      const listening = await serve.waitForLog((l) => l.msg === 'HTTP provisioning server listening');
      await serve.waitForLog((l) => l.msg.startsWith('cannot reach drachtio-server'));
      const res = await fetch(`${String(listening.publicUrl)}/healthz`);
      expect(res.status).toBe(503);
      const report = await res.json() as { drachtio: { state: string; waitingFor: string } };
      expect(report.drachtio.state).toBe('connecting');
      expect(report.drachtio.waitingFor).toMatch(/^drachtio-server at 127\.0\.0\.1:1 \(connect ECONNREFUSED/);
      const file = await fetch(`${String(listening.publicUrl)}/snom/snomD735.htm`);
      expect(file.status).toBe(200);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it('exits 1 with the reason on a bad configuration', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-serve-'));
    await writeFile(path.join(dir, 'config.yaml'), 'pnp:\n  unknownDevices: sometimes\n');
    const r = await runCli(['serve', '--config', path.join(dir, 'config.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2: pnp\.unknownDevices: /);
  });

  it('exits 1 listing every problem when the inventory is broken at start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-serve-'));
    await writeFile(path.join(dir, 'config.yaml'), 'http:\n  port: 0\ninventory: inv.yaml\n');
    await writeFile(path.join(dir, 'inv.yaml'), 'devices:\n  - mac: 000413A11FA7\n  - mac: 00:04:13:a1:1f:a7\n');
    const r = await runCli(['serve', '--config', path.join(dir, 'config.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/inv\.yaml/);
    expect(r.stderr).toMatch(/duplicate/i);
  });
});
