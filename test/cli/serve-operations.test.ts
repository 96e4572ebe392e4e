import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { ServeProcess, runCli } from '../support/cli.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

/**
 * The service as operators watch it: a phone provisions through `drachtio-pnp serve` (a subprocess, through the
 * drachtio wire test server); the metrics move, the API and the CLI show the phone provisioned, and the state is
 * still there after a restart.
 */

const TOKEN = 'operator-token-0123456789';
const MAC = '000413A11FA7';
const UA = `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${MAC} SXM:0 UXM:0)`;

let server: DrachtioTestServer;
let phone: FakePhone;
let dir: string;
let config: string;

function value(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function start(): Promise<{ serve: ServeProcess; url: string }> {
  const serve = new ServeProcess(['--config', config]);
  const listening = await serve.waitForLog((l) => l.msg === 'HTTP provisioning server listening');
  await serve.waitForLog((l) => l.msg === 'connected to drachtio-server');
  return { serve, url: String(listening.publicUrl) };
}

beforeAll(async () => {
  server = await DrachtioTestServer.start({ timerScale: 0.02 });
  phone = await FakePhone.start();
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-ops-'));
  await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
  config = path.join(dir, 'config.yaml');
  await writeFile(config, [
    'drachtio:', `  port: ${server.adminPort}`, 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
    'state:', '  file: state/events.jsonl', 'api:', `  token: ${TOKEN}`, '',
  ].join('\n'));
});

afterAll(async () => {
  await phone?.close();
  await server?.stop();
});

describe('operating the service', () => {
  it('metrics move as a phone provisions; the API and the CLI show it; the state survives a restart', async () => {
    const first = await start();
    let restarted: Awaited<ReturnType<typeof start>> | undefined;
    try {
      const before = await (await fetch(`${first.url}/metrics`)).text();
      expect(value(before, 'drachtio_pnp_drachtio_connected')).toBe(1);
      expect(value(before, 'drachtio_pnp_inventory_devices')).toBe(4);

      const sent = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, {
        mac: MAC, vendor: 'snom', model: 'snomD735', version: '10.1.33.33', userAgent: 'snomD735/10.1.33.33',
      });
      const notify = await phone.waitForNotify(sent);
      const result = await provisionSnomPhone({ notifyUrl: notify.body, mac: MAC, phoneType: 'snomD735', userAgent: UA });
      expect(result.setting('user_name', 1)).toBe('2001');

      const after = await (await fetch(`${first.url}/metrics`)).text();
      const answered = 'drachtio_pnp_subscribes_total{vendor="snom",model="snomD735",outcome="answered",reason=""}';
      expect(value(after, answered) - value(before, answered)).toBe(1);
      expect(value(after, 'drachtio_pnp_notifies_total{result="accepted"}') - value(before, 'drachtio_pnp_notifies_total{result="accepted"}')).toBe(1);
      expect(value(after, 'drachtio_pnp_files_served_total{vendor="snom",kind="settings",status="200"}')).toBe(1);
      expect(value(after, 'drachtio_pnp_provisioning_responses_total{status="200"}')).toBeGreaterThanOrEqual(3);
      expect(value(after, 'drachtio_pnp_lookup_duration_seconds_count{backend="inventory",outcome="found"}')).toBeGreaterThanOrEqual(2);
      expect(after).not.toContain(MAC);

      const denied = await fetch(`${first.url}/api/devices`);
      expect(denied.status).toBe(401);
      const state = await (await fetch(`${first.url}/api/devices/${MAC}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
      expect(state).toMatchObject({
        mac: MAC, inInventory: true, status: 'settings-fetched', completed: true, firmware: '10.1.33.33',
        state: {
          known: true, status: 'provisioned', completed: true, settingsVia: 'token',
          subscribe: { vendor: 'snom', model: 'snomD735', version: '10.1.33.33', outcome: 'answered', status: 200 },
          notify: { ok: true, status: 200 }, phone: { model: 'D735', firmware: '10.1.33.33' },
        },
      });
      expect(JSON.stringify(state)).not.toMatch(/\/t\/[A-Za-z0-9_-]{24}/); // the token in the NOTIFY URL is not kept

      const listed = await runCli(['devices', 'list', '--config', config, '--booted-since', '1h', '--json']);
      expect((JSON.parse(listed.stdout) as { devices: Array<{ mac: string; state: { status: string } }> }).devices)
        .toMatchObject([{ mac: MAC, state: { status: 'provisioned' } }]);

      expect(await first.serve.stop()).toBe(0);
      restarted = await start();
      const again = await (await fetch(`${restarted.url}/api/devices/${MAC}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
      expect(again).toEqual(state);
      const events = await (await fetch(`${restarted.url}/api/events?mac=${MAC}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json() as { events: Array<{ type: string; kind?: string }> };
      expect(events.events.map((e) => e.kind ?? e.type)).toEqual(['subscribe', 'notify', 'device-container', 'settings']); // the model container names no MAC
    } finally {
      await first.serve.stop();
      await restarted?.serve.stop();
    }
  });
});
