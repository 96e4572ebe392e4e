import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { parseConfig } from '../../lib/config/load-config.js';
import { silentLogger } from '../../lib/log/logger.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { FakePhone } from '../support/fake-phone.js';
import { getHeader, parseSip } from '../support/sip-text.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

/**
 * End to end against a real drachtio-server, with real SIP over UDP. Runs when DRACHTIO_E2E is set:
 *
 *   DRACHTIO_E2E=127.0.0.1:9022          drachtio's admin address (required)
 *   DRACHTIO_E2E_SIP=127.0.0.1:5060      where phones send their SUBSCRIBE (default: admin host, port 5060)
 *   DRACHTIO_E2E_SECRET=cymru            the admin secret
 *   DRACHTIO_E2E_MULTICAST=1             also send one SUBSCRIBE to 224.0.1.75:5060, as phones do
 *
 * drachtio must be able to reach this machine's loopback (run it with host networking on the same machine):
 *   docker run --rm --net=host drachtio/drachtio-server:0.9.10 drachtio --contact "sip:127.0.0.1:5060;transport=udp,tcp"
 */
const e2e = process.env.DRACHTIO_E2E;
if (!e2e) console.log('end-to-end suite skipped: set DRACHTIO_E2E=host:port of a real drachtio-server to run it');

function hostPort(value: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*?)(?::(\d+))?$/.exec(value);
  return { host: m?.[1] || '127.0.0.1', port: m?.[2] ? Number(m[2]) : defaultPort };
}

describe.skipIf(!e2e)('against a real drachtio-server', () => {
  const admin = hostPort(e2e ?? '', 9022);
  const sip = hostPort(process.env.DRACHTIO_E2E_SIP ?? `${admin.host}:5060`, 5060);
  let service: RunningService;
  let phone: FakePhone;

  beforeAll(async () => {
    const config = parseConfig([
      'drachtio:', `  host: "${admin.host}"`, `  port: ${admin.port}`,
      'http:', '  host: 127.0.0.1', '  port: 0',
      'inventory: examples/inventory.yaml',
      'security:', '  credentials:', '    key: end-to-end-test-key-of-at-least-32-bytes',
      // A fresh enrolment register per run, so that a phone provisioned by an earlier run gets its token again.
      '  enrolment:', `    file: "${path.join(await mkdtemp(path.join(tmpdir(), 'pnp-e2e-')), 'enrolment.jsonl')}"`,
    ].join('\n'), 'e2e', { DRACHTIO_SECRET: process.env.DRACHTIO_E2E_SECRET });
    service = await startService({ config, inventoryPath: 'examples/inventory.yaml' }, { logger: silentLogger });
    phone = await FakePhone.start();
    const deadline = Date.now() + 10_000;
    while (service.health().drachtio.state !== 'connected') {
      if (Date.now() > deadline) throw new Error(`not connected to drachtio at ${admin.host}:${admin.port}: ${service.health().drachtio.waitingFor}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 20_000);

  afterAll(async () => {
    await phone?.close();
    await service?.close();
  });

  it('answers a Snom SUBSCRIBE with 200 and one NOTIFY, and the URL leads to the phone\'s account', async () => {
    const sent = phone.subscribe(sip, { mac: '000413A11FA7', vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
    const response = await phone.waitForResponse(sent);
    expect(response.status).toBe(200);
    expect(getHeader(response, 'expires')).toBe('0');
    const notify = await phone.waitForNotify(sent);
    const subscribe = parseSip(sent.text);
    expect(getHeader(notify, 'event')).toBe(subscribe && getHeader(subscribe, 'event'));
    // A known phone's URL carries its provisioning token.
    expect(notify.body).toMatch(new RegExp(`^${service.publicUrl}/snom/t/[A-Za-z0-9_-]{24}/$`));
    await new Promise((r) => setTimeout(r, 500));
    expect(phone.received.filter((m) => m.method === 'NOTIFY' && getHeader(m, 'call-id') === sent.callId)).toHaveLength(1);
    const result = await provisionSnomPhone({ notifyUrl: notify.body, mac: '000413A11FA7', phoneType: 'snomD735' });
    expect(result.setting('user_name', 1)).toBe('2001');
  });

  it('answers another event package with 489', async () => {
    const sent = phone.subscribe(sip, { event: 'presence' });
    expect((await phone.waitForResponse(sent)).status).toBe(489);
  });

  it.skipIf(!process.env.DRACHTIO_E2E_MULTICAST)('receives a SUBSCRIBE sent to the multicast group', async () => {
    // Another device than the first test's: that one has enrolled, so its PnP no longer gets a token.
    const sent = phone.subscribe({ host: '224.0.1.75', port: 5060 }, { mac: '000413A11FA8', uriHost: '224.0.1.75' });
    expect((await phone.waitForNotify(sent, 5000)).body).toMatch(new RegExp(`^${service.publicUrl}/snom/t/[A-Za-z0-9_-]{24}/$`));
  });
});
