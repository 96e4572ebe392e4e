import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { ServeProcess, runCli } from '../support/cli.js';
import { connectApp, pnpAnswer, type TestApp } from '../support/srf-test-app.js';

/**
 * `drachtio-pnp probe` diagnosing a site: against the service through the drachtio wire test server (unicast to
 * its SIP port), against a responder whose URL leads nowhere, against one that refuses, and against silence.
 */

interface Report {
  verdict: string;
  message: string;
  tokenOffered: boolean | null;
  enrolled: boolean;
  device: { inInventory: boolean; enrolment: string | null } | null;
  responses: Array<{ status: number; from: string }>;
  notifies: Array<{ url: string; contentType: string; subscriptionState: string }>;
  fetch?: { steps: Array<{ url: string; status?: number; root?: string; error?: string; skipped?: string }>; settings: Record<string, string>; identities: Array<{ user: string; host: string; password: boolean }> };
}

describe('probe against the service', () => {
  let server: DrachtioTestServer;
  let serve: ServeProcess;
  let publicUrl: string;
  let config: string;

  beforeAll(async () => {
    server = await DrachtioTestServer.start({ timerScale: 0.02 });
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-probe-'));
    await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
    await writeFile(path.join(dir, 'config.yaml'), `drachtio:\n  port: ${server.adminPort}\nhttp:\n  host: 127.0.0.1\n  port: 0\ninventory: inventory.yaml\n`);
    config = path.join(dir, 'config.yaml');
    serve = new ServeProcess(['--config', config]);
    publicUrl = String((await serve.waitForLog((l) => l.msg === 'HTTP provisioning server listening')).publicUrl);
    await serve.waitForLog((l) => l.msg === 'connected to drachtio-server');
  });
  afterAll(async () => {
    await serve?.stop();
    await server?.stop();
  });

  it('leaves a deployed device\'s enrolment alone by default; --enrol provisions it and says so; then names the enrolment', async () => {
    const to = ['--to', `127.0.0.1:${server.sipPort}`, '--local', '127.0.0.1'];
    const gentle = await runCli(['probe', '--mac', '000413A11FA9', ...to, '--fetch', '--json']);
    expect(gentle.code).toBe(0);
    const first = JSON.parse(gentle.stdout) as Report;
    expect(first).toMatchObject({ verdict: 'reachable', tokenOffered: true, enrolled: false, device: null, rateLimited: null });
    expect(first.fetch?.steps.map((s) => [s.status ?? null, s.root ?? null, s.skipped !== undefined])).toEqual([
      [200, 'setting-files', false], [200, 'setting-files', false], [null, null, true], [200, 'settings', false],
    ]);
    expect(first.fetch?.steps[3]?.url).toBe(`${publicUrl}/snom/000413A11FA9.xml`);
    expect(first.fetch?.identities).toEqual([]);
    expect(first.message).toMatch(/the device's enrolment is as it was/);

    // The token is still offered: the first probe enrolled nothing. --enrol does, and says so.
    const enrolling = await runCli(['probe', '--mac', '000413A11FA9', ...to, '--fetch', '--enrol', '--json', '-c', config]);
    expect(enrolling.code).toBe(0);
    const second = JSON.parse(enrolling.stdout) as Report;
    expect(second).toMatchObject({ verdict: 'provisioned', tokenOffered: true, enrolled: true, rateLimited: false });
    expect(second.message).toMatch(/this probe enrolled 000413A11FA9: the real phone gets no token at its next PnP/);

    const after = await runCli(['probe', '--mac', '000413A11FA9', ...to, '--fetch', '-c', config]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^verdict: answer with URL, the secret-free bootstrap only: 000413A11FA9 is in the inventory and already enrolled \(.* from 127\.0\.0\.1\): PnP gives it no token/m);
  }, 60_000);

  it('provisions a known phone in one command and summarises its settings; shows an unknown one its URL', async () => {
    const [r, text] = await Promise.all([
      runCli(['probe', '--mac', '000413A11FA8', '--to', `127.0.0.1:${server.sipPort}`, '--local', '127.0.0.1', '--fetch', '--enrol', '--json']),
      runCli(['probe', '--mac', '0004130000AB', '--to', `127.0.0.1:${server.sipPort}`, '--local', '127.0.0.1']),
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.verdict).toBe('provisioned');
    expect(report.responses).toMatchObject([{ status: 200 }]);
    expect(report.notifies).toMatchObject([{ contentType: 'application/url', subscriptionState: 'terminated;reason=timeout', url: `${publicUrl}/snom/t/…/` }]);
    expect(report.fetch?.steps.map((s) => [s.status, s.root])).toEqual([[200, 'setting-files'], [200, 'setting-files'], [200, 'settings']]);
    expect(report.fetch?.identities).toEqual([{ idx: 1, user: '2002', host: 'pbx.example.net', password: true }]);
    expect(report.fetch?.settings['user_pass[1]']).toBe('********');
    expect(report.fetch?.settings.pnp_config).toBe('off');
    expect(r.stdout).not.toContain('change-me');
    expect(report.message).toBe('answer with URL, settings fetched: ' + `${Object.keys(report.fetch?.settings ?? {}).length} settings, identities 2002@pbx.example.net` +
      '; this probe enrolled 000413A11FA8: the real phone gets no token at its next PnP (devices reopen 000413A11FA8 before it boots)');

    // For people: the 200 and the NOTIFY as received, and the verdict in words.
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^SUBSCRIBE 0004130000AB \(snom snomD735 10\.1\.33\.33\) from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+$/m);
    expect(text.stdout).toMatch(/^<- 200 OK from 127\.0\.0\.1:\d+ after \d+ ms$/m);
    expect(text.stdout).toMatch(/^ {3}\| Expires: 0$/m);
    expect(text.stdout).toMatch(/^<- NOTIFY from 127\.0\.0\.1:\d+ after \d+ ms \(answered 200 OK\)$/m);
    expect(text.stdout).toContain(`verdict: answer with URL: ${publicUrl}/snom/ (from 127.0.0.1:`);
  });
});

describe('probe diagnosing what goes wrong', () => {
  let server: DrachtioTestServer;
  let app: TestApp;
  let mode: 'dead-url' | 'refuse' = 'dead-url';
  let closedPort = 0;

  beforeAll(async () => {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    closedPort = (tcp.address() as AddressInfo).port;
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    server = await DrachtioTestServer.start({ timerScale: 0.02 });
    app = await connectApp(server, {
      setup: (srf) => {
        const deadUrl = pnpAnswer(srf, server, { url: `http://127.0.0.1:${closedPort}/snom/` }).handler;
        const refuse = pnpAnswer(srf, server, { status: 404 }).handler;
        srf.use('subscribe', (req, res) => (mode === 'dead-url' ? deadUrl : refuse)(req, res));
      },
    });
  });
  afterAll(async () => {
    app?.close();
    await server?.stop();
  });

  it('says "URL fetch failed" when the URL leads nowhere, and "refused" for a final error', async () => {
    mode = 'dead-url';
    const dead = await runCli(['probe', '--mac', '000413A11FA7', '--to', `127.0.0.1:${server.sipPort}`, '--local', '127.0.0.1', '--fetch']);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toContain(`verdict: URL fetch failed: GET http://127.0.0.1:${closedPort}/snom/snomD735.htm -> ECONNREFUSED\n`);
    mode = 'refuse';
    const refused = await runCli(['probe', '--mac', '000413A11FA7', '--to', `127.0.0.1:${server.sipPort}`, '--local', '127.0.0.1', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ verdict: 'refused', message: expect.stringMatching(/^refused: 127\.0\.0\.1:\d+ answered 404/) });
  });

  it('says "no answer" when nothing answers, after retransmitting like a phone; refuses a bad command line with exit 2', async () => {
    const silent = createSocket('udp4');
    let heard = 0;
    silent.on('message', () => { heard++; });
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const [r, usage] = await Promise.all([
        runCli(['probe', '--mac', '000413A11FA7', '--to', `127.0.0.1:${silent.address().port}`, '--local', '127.0.0.1', '--timeout', '1.2']),
        runCli(['probe', '--mac', 'nope']),
      ]);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/--mac: not a MAC address: "nope"/);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^verdict: no answer: nothing answered the SUBSCRIBE to 127\.0\.0\.1:\d+ within 1\.2 s \(is drachtio-server listening there, and the PnP service connected to it/m);
      expect(heard).toBe(2); // at 0 and 500 ms (the next would be at 1.5 s)
    } finally {
      silent.close();
    }
  });
});
