import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrolmentRegister } from '../../lib/security/enrolment-register.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { ServeProcess, runCli } from '../support/cli.js';
import { fetchVia } from '../support/http-client.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

/**
 * The enrolment lock as an operator meets it: a phone provisions through `drachtio-pnp serve`; a host on another
 * address naming its MAC gets a NOTIFY without a token; `devices show` says why; `devices reopen` (another process,
 * while the service runs) lets the phone enrol again; and the lock survives a restart of the service.
 */

const MAC = '000413A11FA7';
const UA = `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${MAC} SXM:0 UXM:0)`;
const TOKEN_URL = /\/snom\/t\/[A-Za-z0-9_-]{24}\/$/;

let server: DrachtioTestServer;
let phone: FakePhone;
let impostor: FakePhone;
let dir: string;
let config: string;

async function start(): Promise<ServeProcess> {
  const serve = new ServeProcess(['--config', config]);
  await serve.waitForLog((l) => l.msg === 'connected to drachtio-server');
  return serve;
}

async function pnp(from: FakePhone): Promise<string> {
  const sent = from.subscribe({ host: '127.0.0.1', port: server.sipPort }, { mac: MAC, vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
  return (await from.waitForNotify(sent)).body;
}

beforeAll(async () => {
  server = await DrachtioTestServer.start({ timerScale: 0.02 });
  phone = await FakePhone.start();
  impostor = await FakePhone.start({ host: '127.0.0.2' });
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-enrol-'));
  await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
  config = path.join(dir, 'config.yaml');
  await writeFile(config, [
    'drachtio:', `  port: ${server.adminPort}`, 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
    'security:', '  credentials:', '    keyFile: data/credentials.key', '',
  ].join('\n'));
});

afterAll(async () => {
  await phone?.close();
  await impostor?.close();
  await server?.stop();
});

describe('devices reopen and the enrolment lock', () => {
  it('an enrolled phone\'s MAC gets no token, until reopened by the CLI while the service runs; the lock survives a restart', async () => {
    let serve = await start();
    try {
      const first = await pnp(phone);
      expect(first).toMatch(TOKEN_URL);
      const provisioned = await provisionSnomPhone({ notifyUrl: first, mac: MAC, phoneType: 'snomD735', userAgent: UA });
      expect(provisioned.setting('user_pass', 1)).toBeDefined();

      const stolen = await pnp(impostor);
      expect(stolen).not.toMatch(TOKEN_URL);
      const fetched = await provisionSnomPhone({ notifyUrl: stolen, mac: MAC, phoneType: 'snomD735', fetch: fetchVia({ localAddress: '127.0.0.2' }) });
      expect(fetched.setting('user_pass', 1)).toBeUndefined();
      expect(fetched.setting('http_client_pass')).toBeUndefined();

      const shown = await runCli(['devices', 'show', MAC, '--config', config, '--json']);
      expect(JSON.parse(shown.stdout)).toMatchObject({ enrolment: { status: 'enrolled', enrolledIp: '127.0.0.1' } });

      const reopened = await runCli(['devices', 'reopen', '00:04:13:a1:1f:a7', '--config', config, '--hours', '1']);
      expect(reopened.code).toBe(0);
      expect(reopened.stdout).toMatch(new RegExp(`^${MAC}: may enrol by PnP until \\S+ \\(was enrolled \\S+ from 127\\.0\\.0\\.1 \\(token [0-9a-f]{6}\\)\\)`));
      const again = await pnp(phone);
      expect(again).toMatch(TOKEN_URL);
      await provisionSnomPhone({ notifyUrl: again, mac: MAC, phoneType: 'snomD735', userAgent: UA });

      expect(await serve.stop()).toBe(0);
      serve = await start();
      expect(await pnp(impostor)).not.toMatch(TOKEN_URL);
      const text = await runCli(['devices', 'show', MAC, '--config', config]);
      expect(text.stdout).toMatch(/enrolment {4}enrolled \S+ from 127\.0\.0\.1 \(token [0-9a-f]{6}\): PnP gives it no token/);
    } finally {
      await serve.stop();
    }
  }, 60_000); // two service starts and three CLI runs, each a Node process with tsx

  it('a register lost while the device state remembers the phone provisioned: no token, said at start, per refusal and in /healthz, until `devices reopen --all-missing`', async () => {
    // The first test provisioned the phone: the device state (the event log) remembers it.
    await rm(path.join(dir, 'data', 'drachtio-pnp-enrolment.jsonl'));
    let serve = await start();
    try {
      const atStart = await serve.waitForLog((l) => l.msg.includes('device(s) are held'));
      expect(atStart).toMatchObject({ level: 40, held: 1, macs: [MAC] });
      expect(await pnp(phone)).not.toMatch(TOKEN_URL);
      expect(await pnp(impostor)).not.toMatch(TOKEN_URL);
      await serve.waitForLog((l) => l.level === 40 && l.msg.startsWith('PnP token withheld: device held'));
      const listening = await serve.waitForLog((l) => l.msg === 'HTTP provisioning server listening');
      const health = await (await fetch(`http://${String(listening.http)}/healthz`)).json() as { enrolment?: { held: number; warning?: string } };
      expect(health.enrolment).toMatchObject({ held: 1, warning: expect.stringContaining('devices reopen --all-missing') });

      // The hold is on file: a restart does not forget it.
      expect(await serve.stop()).toBe(0);
      serve = await start();
      expect(await pnp(phone)).not.toMatch(TOKEN_URL);
      const shown = await runCli(['devices', 'show', MAC, '--config', config, '--json']);
      expect(JSON.parse(shown.stdout)).toMatchObject({ enrolment: { status: 'held' } });

      const acknowledged = await runCli(['devices', 'reopen', '--all-missing', '--config', config, '--json']);
      expect(acknowledged.code).toBe(0);
      expect(JSON.parse(acknowledged.stdout)).toMatchObject({ reopened: [{ mac: MAC, was: 'held' }] });
      expect(await pnp(phone)).toMatch(TOKEN_URL);
    } finally {
      await serve.stop();
    }
  }, 60_000); // two service starts and two CLI runs

  it('says so when the configuration has no lock, and refuses a bad MAC or duration with exit code 2', async () => {
    const open = path.join(dir, 'open.yaml');
    await writeFile(open, 'security:\n  enrolment:\n    lock: false\n');
    const off = await runCli(['devices', 'reopen', MAC, '--config', open]);
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('the enrolment lock is off');
    expect((await runCli(['devices', 'reopen', 'not-a-mac', '--config', config])).code).toBe(2);
    expect((await runCli(['devices', 'reopen', '--config', config])).code).toBe(2); // no MAC and no --all-missing
    expect((await runCli(['devices', 'reopen', MAC, '--config', config, '--hours', 'soon'])).code).toBe(2);
  }, 60_000); // three CLI runs

  it('refuses a register that does not exist (a plugin host\'s register named wrongly, the wrong folder) unless told to --create it', async () => {
    const register = path.join(dir, 'host-app', 'pnp-enrolment.jsonl');
    const missing = await runCli(['devices', 'reopen', MAC, '--enrolment', register]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no enrolment register at ${register}`);
    expect(existsSync(register)).toBe(false);

    const created = await runCli(['devices', 'reopen', MAC, '--enrolment', register, '--create']);
    expect(created.code).toBe(0);
    expect(existsSync(register)).toBe(true);
    // The plugin host's register now lets the device enrol, as EnrolmentRegister.open() reads it.
    const reopened = EnrolmentRegister.open(register);
    expect(reopened.state(MAC)?.reopened?.by).toBe('cli');
    reopened.close();
    const again = await runCli(['devices', 'reopen', MAC, '--enrolment', register]);
    expect(again.code).toBe(0);
  }, 60_000);
});
