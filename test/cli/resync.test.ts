import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateRecord } from '../../lib/state/state-record.js';
import { resultOf } from '../../lib/cli/resync.js';
import { runCli } from '../support/cli.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { getHeader } from '../support/sip-text.js';

/**
 * `drachtio-pnp resync` through the drachtio wire test server to phones at the addresses the event log knows:
 * one answers, one does not (drachtio reports 408), one was never seen.
 */

let server: DrachtioTestServer;
let answering: FakePhone;
let silent: FakePhone;
let config: string;

const seenAt = (mac: string, phone: FakePhone): StateRecord => ({
  type: 'subscribe', t: new Date().toISOString(), mac, ip: phone.address, port: phone.port, outcome: 'answered', status: 200, known: true,
});

beforeAll(async () => {
  server = await DrachtioTestServer.start({ timerScale: 0.02 });
  answering = await FakePhone.start();
  silent = await FakePhone.start({ answerNotify: false });
  const dir = await mkdtemp(path.join(tmpdir(), 'pnp-resync-'));
  await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
  config = path.join(dir, 'config.yaml');
  await writeFile(config, `drachtio:\n  port: ${server.adminPort}\ninventory: inventory.yaml\nstate:\n  file: events.jsonl\n`);
  // support: A8 (answers) and A9 (silent); berlin-office: A7 (answers) and AA (never seen).
  const records = [seenAt('000413A11FA8', answering), seenAt('000413A11FA9', silent), seenAt('000413A11FA7', answering)];
  await writeFile(path.join(dir, 'events.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
});

afterAll(async () => {
  await answering?.close();
  await silent?.close();
  await server?.stop();
});

describe('drachtio-pnp resync', () => {
  it('sends check-sync to a group at their last addresses and reports each phone', async () => {
    const r = await runCli(['resync', '--group', 'support', '--config', config, '--timeout', '3', '--json']);
    expect(r.code).toBe(1);
    const { results } = JSON.parse(r.stdout) as { results: Array<{ mac: string; outcome: string; status?: number; address: string }> };
    expect(results).toEqual([
      { mac: '000413A11FA8', address: `127.0.0.1:${answering.port}`, outcome: 'accepted', status: 200, reason: 'OK', answeredBy: 'phone' },
      { mac: '000413A11FA9', address: `127.0.0.1:${silent.port}`, outcome: 'no-answer', status: 408, reason: expect.any(String), answeredBy: 'drachtio-server' },
    ]);
    const notify = await answering.waitForMessage((m) => m.kind === 'request' && m.method === 'NOTIFY');
    expect(getHeader(notify, 'event')).toBe('check-sync;reboot=false');
    expect(notify.uri).toBe(`sip:127.0.0.1:${answering.port}`);
    expect(server.stats().stableDialogs).toBe(0); // nothing left behind in drachtio
  });

  it('reboots one phone on request, and says which phones it cannot reach', async () => {
    const [one, all] = await Promise.all([
      runCli(['resync', '00:04:13:a1:1f:a7', '--reboot', '--config', config]),
      runCli(['resync', '--all', '--dry-run', '--config', config]),
    ]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^000413A11FA7 {2}127\.0\.0\.1:\d+ {2}accepted \(200 OK\)$/m);
    expect(one.stderr).toBe('1 of 1 phone(s) accepted check-sync;reboot=true\n');
    expect(answering.received.some((m) => m.method === 'NOTIFY' && getHeader(m, 'event') === 'check-sync;reboot=true')).toBe(true);
    expect(all.code).toBe(0); // a dry run lists; a phone never seen is no failure of it
    expect(all.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/)[2])).toEqual(['RESULT', 'would send', 'would send', 'would send', 'not sent: no known address (never seen)']);
    expect(all.stderr).toBe('1 of 4 phone(s) never seen: nothing to send them until they boot\n');
  });

  it('explains a refused connection and a bad command line', async () => {
    const wrong = path.join(path.dirname(config), 'wrong-secret.yaml');
    await writeFile(wrong, `drachtio:\n  port: ${server.adminPort}\n  secret: nope\ninventory: inventory.yaml\nstate:\n  file: events.jsonl\n`);
    const [refused, usage] = await Promise.all([
      runCli(['resync', '--all', '--config', wrong]),
      runCli(['resync', '--config', config]),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`drachtio-pnp: cannot use drachtio-server at 127.0.0.1:${server.adminPort}: it rejected the secret (drachtio.secret)\n`);
    expect(usage.code).toBe(2);
  });
});

describe('resync outcomes say who answered', () => {
  const to = { ip: '192.0.2.44', port: 5060 };
  it('reads drachtio-server\'s own 503 (no source address) as unreachable, the phone\'s own as refused', () => {
    expect(resultOf('000413A11FA7', to, { status: 503, reason: 'Service Unavailable', from: '' })).toEqual({
      mac: '000413A11FA7', address: '192.0.2.44:5060', outcome: 'unreachable', status: 503, reason: 'Service Unavailable', answeredBy: 'drachtio-server',
    });
    expect(resultOf('000413A11FA7', to, { status: 503, reason: 'Busy Here', from: '192.0.2.44' })).toMatchObject({ outcome: 'refused', answeredBy: 'phone' });
    expect(resultOf('000413A11FA7', to, { status: 408, reason: 'Request Timeout', from: '' })).toMatchObject({ outcome: 'no-answer', answeredBy: 'drachtio-server' });
    expect(resultOf('000413A11FA7', to, { error: 'no final response within 5000 ms' })).toEqual({
      mac: '000413A11FA7', address: '192.0.2.44:5060', outcome: 'no-answer', status: null, reason: 'no final response within 5000 ms', answeredBy: null,
    });
  });
});
