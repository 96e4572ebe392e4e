/**
 * The CLI and the API read the same inventory and event log through the one device view: the same rows for
 * "incomplete", the same counts. The log holds a phone that got its settings under a token, one that got the
 * bootstrap only (not completed), one refused, and an unknown phone; the rest of the inventory was never seen.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load-config.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import type { StateRecord } from '../../lib/state/state-record.js';
import { captureLogger } from '../support/capture-logger.js';
import { runCli } from '../support/cli.js';

const TOKEN = 'agreement-token-0123456789';
const macOf = (i: number) => `0004132${i.toString(16).toUpperCase().padStart(5, '0')}`;
const t = '2025-03-01T08:00:00.000Z';

let dir: string;
let config: string;
let service: RunningService;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-agree-'));
  const devices = Array.from({ length: 40 }, (_, i) => `  - mac: "${macOf(i)}"\n    accounts:\n      - user: "${4000 + i}"\n        password: pw-${i}\n        registrar: pbx.example.net`);
  await writeFile(path.join(dir, 'inventory.yaml'), `devices:\n${devices.join('\n')}\n`);
  const sub = (mac: string, extra: Partial<Extract<StateRecord, { type: 'subscribe' }>> = {}): StateRecord => ({
    type: 'subscribe', t, mac, ip: '192.0.2.50', port: 5060, vendor: 'snom', model: 'snomD735', outcome: 'answered', status: 200, known: true, ...extra,
  });
  const records: StateRecord[] = [
    sub(macOf(0)), { type: 'file', t, mac: macOf(0), ip: '192.0.2.50', file: `${macOf(0)}.xml`, kind: 'settings', status: 200, known: true, via: 'token' },
    sub(macOf(1)), { type: 'file', t, mac: macOf(1), ip: '192.0.2.50', file: `snomD735-${macOf(1)}.htm`, kind: 'bootstrap', status: 200, known: true },
    sub(macOf(2), { outcome: 'ignored', status: undefined, reason: 'denied-mac' }),
    sub('00041399BB01', { known: false }),
  ];
  await mkdir(path.join(dir, 'state'));
  await writeFile(path.join(dir, 'state/events.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  config = path.join(dir, 'config.yaml');
  const text = [
    'drachtio:', '  port: 1', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml', 'state:', '  file: state/events.jsonl',
    'api:', `  token: ${TOKEN}`, '',
  ].join('\n');
  await writeFile(config, text);
  service = await startService(await loadConfig(config, {}, dir), { logger: captureLogger('error').logger });
});

afterAll(async () => {
  await service?.close();
});

describe('the CLI and the API', () => {
  it('give the same incomplete devices and the same counts', async () => {
    const origin = `http://127.0.0.1:${service.listening.port}`;
    const api = async (p: string) => (await fetch(`${origin}${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json() as Promise<Record<string, unknown>>;
    const [cliList, cliSummary, apiList, apiSummary] = await Promise.all([
      runCli(['devices', 'list', '--config', config, '--incomplete', '--json'], { timeoutMs: 60_000 }),
      runCli(['devices', 'summary', '--config', config, '--json'], { timeoutMs: 60_000 }),
      api('/api/devices?incomplete=1'), api('/api/summary'),
    ]);
    const macs = (body: unknown) => (body as { devices: Array<{ mac: string }> }).devices.map((d) => d.mac);
    expect(macs(JSON.parse(cliList.stdout))).toEqual(macs(apiList));
    // 38 never seen or bootstrap-only or refused of the inventory, and the unknown phone: the bootstrap never completes.
    expect(macs(apiList)).toHaveLength(40);
    expect(JSON.parse(cliSummary.stdout)).toEqual(apiSummary);
    expect(apiSummary).toMatchObject({
      devices: 41, inventory: 40, unknown: 1, neverSeen: 37, completed: 1, incomplete: 40,
      byStatus: { 'not-provisioned': 37, 'pnp-answered': 2, 'settings-fetched': 1, 're-provisioned': 0, refused: 1 },
    });
  }, 90_000);
});
