import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpDirectory, type HttpDirectoryOptions, type HttpLookupOutcome } from '../../lib/devices/http-directory.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { captureLogger } from '../support/capture-logger.js';
import { listen, type Listening } from '../support/http-server.js';

/**
 * The HTTP lookup backend against a real local HTTP server that answers well, slowly, with garbage, or not at
 * all. Time for TTLs is an injected clock; only the request deadline is real (and short).
 */

const MAC = '000413A11FA7';
const DEVICE = { mac: MAC, model: 'D735', accounts: [{ user: '2001', password: 'pw', registrar: 'pbx.example.net' }] };
const open: Listening[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((s) => s.close())); });

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** A PBX API whose behaviour the test switches; it records the paths and headers it was asked for. */
async function pbx(initial: Behaviour) {
  const state = { behave: initial, requests: [] as Array<{ url: string; authorization?: string }> };
  const server = await listen((req, res) => {
    state.requests.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    state.behave(req, res);
  });
  open.push(server);
  return { ...state, server, set: (b: Behaviour) => { state.behave = b; }, get requests() { return state.requests; } };
}

const json = (status: number, body: unknown): Behaviour => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
};
const hang: Behaviour = () => undefined;

function directory(url: string, extra: Partial<HttpDirectoryOptions> = {}) {
  const clock = { now: 1_000_000 };
  const outcomes: HttpLookupOutcome[] = [];
  const log = captureLogger();
  const dir = new HttpDirectory({
    url, timeoutMs: 1000, ttlMs: 60_000, staleMs: 600_000, unknownTtlMs: 10_000,
    now: () => clock.now, onLookup: (o) => outcomes.push(o), logger: log.logger, ...extra,
  });
  return { dir, clock, outcomes, log };
}

describe('HttpDirectory', () => {
  it('looks a device up, validates and resolves it like the inventory, caches it for the TTL, sends the token', async () => {
    const api = await pbx(json(200, DEVICE));
    const { dir, clock, outcomes } = directory(`${api.server.origin}/devices/`, { token: 'pbx-token' });
    const device = await dir.lookup('00:04:13:a1:1f:a7');
    expect(device).toMatchObject({ mac: MAC, model: 'D735', accounts: [{ user: '2001', registrar: 'pbx.example.net' }], functionKeys: [], phonebook: [] });
    expect(api.requests).toEqual([{ url: `/devices/${MAC}`, authorization: 'Bearer pbx-token' }]);
    clock.now += 59_000;
    await dir.lookup(MAC);
    expect(api.requests).toHaveLength(1);
    clock.now += 2000;
    await dir.lookup(MAC);
    expect(api.requests).toHaveLength(2);
    expect(outcomes).toEqual(['fresh', 'cached', 'fresh']);
  });

  it('accepts a whole inventory document, with its layers', async () => {
    const api = await pbx(json(200, { defaults: { accounts: [{ registrar: 'pbx.example.net' }], language: 'English' }, devices: [{ mac: MAC, accounts: [{ user: '2001' }] }] }));
    const { dir } = directory(api.server.origin);
    expect(await dir.lookup(MAC)).toMatchObject({ language: 'English', accounts: [{ user: '2001', registrar: 'pbx.example.net' }] });
  });

  it('takes a 404 as unknown, remembers it for a while, and asks the fallback', async () => {
    const api = await pbx(json(404, { error: 'no such device' }));
    const fallback = new MemoryDirectory([{ mac: MAC, accounts: [], functionKeys: [], phonebook: [], snom: [], description: 'from the file' }], { language: 'Deutsch' });
    const { dir, clock, outcomes } = directory(api.server.origin, { fallback });
    expect(await dir.lookup(MAC)).toMatchObject({ description: 'from the file' });
    expect(await dir.lookup('000413A11FA8')).toBeUndefined();
    await dir.lookup(MAC);
    clock.now += 11_000;
    await dir.lookup(MAC);
    expect(api.requests).toHaveLength(3);
    expect(outcomes).toEqual(['unknown', 'unknown', 'cached', 'unknown']);
    expect(dir.defaults()).toEqual({ language: 'Deutsch' });
  });

  it('refuses garbage: not JSON, a device the inventory would refuse, another device, too large', async () => {
    const api = await pbx(json(200, '<html>login</html>'));
    const { dir, outcomes, log } = directory(api.server.origin, { maxBodyBytes: 2000 });
    const cases: Array<[Behaviour, RegExp]> = [
      [json(200, '<html>login</html>'), /the answer is not JSON/],
      [json(200, [DEVICE]), /not a JSON object/],
      [json(200, { ...DEVICE, keepPnp: 'yes', accounts: [{ user: '2001', password: 'pw-secret-x', registrar: 'pbx example' }] }), /the answer is not a valid device: .*device 000413A11FA7: accounts\[0\]\.registrar: expected host/],
      [json(200, { ...DEVICE, mac: '000413A11FA8' }), /the answer does not describe 000413A11FA7/],
      [json(200, { ...DEVICE, description: 'x'.repeat(5000) }), /larger than 2000 bytes/],
      [json(500, { error: 'db down' }), /HTTP 500/],
    ];
    for (const [behaviour, reason] of cases) {
      api.set(behaviour);
      expect(await dir.lookup(MAC)).toBeUndefined();
      expect(String(log.lines.at(-1)?.reason)).toMatch(reason);
    }
    expect(outcomes).toEqual(cases.map(() => 'error'));
    expect(log.text()).not.toContain('pw-secret-x');
  });

  it('when the API is slow or down, serves the last answer within the stale window, then treats the device as unknown', async () => {
    const api = await pbx(json(200, DEVICE));
    const { dir, clock, outcomes, log } = directory(api.server.origin);
    expect(await dir.lookup(MAC)).toBeDefined();

    api.set(hang);
    clock.now += 61_000; // past the TTL: asks again, gets no answer in time
    expect((await dir.lookup(MAC))?.mac).toBe(MAC);
        expect(log.lines.at(-1)).toMatchObject({ msg: 'device API unavailable: using the last answer', reason: 'no answer within 1000 ms' });

    await api.server.close(); // down: connection refused
    clock.now += 500_000;
    expect((await dir.lookup(MAC))?.mac).toBe(MAC);
    clock.now += 100_000; // past TTL + stale window
    expect(await dir.lookup(MAC)).toBeUndefined();
    expect(log.lines.at(-1)).toMatchObject({ msg: 'device API unavailable: treating the device as unknown', reason: expect.stringMatching(/^request failed \(ECONNREFUSED\)$/) });
    expect(outcomes).toEqual(['fresh', 'stale', 'stale', 'error']);
  });

  it('sends one request for concurrent lookups of one device', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const api = await pbx((req, res) => { void gate.then(() => json(200, DEVICE)(req, res)); });
    const { dir } = directory(api.server.origin, { timeoutMs: 2000 });
    const lookups = Promise.all([dir.lookup(MAC), dir.lookup(MAC), dir.lookup(MAC.toLowerCase())]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect((await lookups).map((d) => d?.mac)).toEqual([MAC, MAC, MAC]);
    expect(api.requests).toHaveLength(1);
  });

  it('checks its URL when built', () => {
    expect(() => new HttpDirectory({ url: 'pbx.example.net/devices' })).toThrow(TypeError);
    expect(() => new HttpDirectory({ url: 'ftp://pbx.example.net/' })).toThrow(TypeError);
  });
});
