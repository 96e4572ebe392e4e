import Srf from 'drachtio-srf';
import { describe, expect, test } from 'vitest';
import { adaptExchange, asNext, compactHeaderName, countSrfDialogs, publishOnRequest } from '../../lib/sip/srf-adapter.js';
import { readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { readFixture, viewOf } from './sip-fixtures.js';

const SipMessage = Reflect.get(Srf, 'SipMessage') as new (text: string) => object;
const SipRequest = Reflect.get(Srf, 'SipRequest') as new (message: object, meta: Record<string, string>) => { get(name: string): string | undefined };

function fakeReq() {
  const view = viewOf(readFixture('compact-headers.txt'), { address: '192.168.10.67', port: 5062 });
  return { method: 'SUBSCRIBE', uri: view.uri, get: (name: string) => view.header(name), source_address: '192.168.10.67', source_port: 5062, protocol: 'UDP' };
}

const SENT = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.168.10.67:5062;rport=5062\r\nFrom: <sip:MAC%3A00135E874B49@intern.snom.de>;tag=cc01\r\n'
  + 'To: <sip:MAC%3A00135E874B49@intern.snom.de>;tag=0mtFXUSSKXcDm\r\nCall-ID: compact1@192.168.10.67\r\nCSeq: 1 SUBSCRIBE\r\n'
  + 'Contact: <sip:192.0.2.10:5060>\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n';

describe('adaptExchange', () => {
  test('reads method, URI, source and headers by long or compact name', () => {
    const ex = adaptExchange(fakeReq(), { send: () => undefined });
    expect(ex?.request.method).toBe('SUBSCRIBE');
    expect(ex?.request.source).toEqual({ address: '192.168.10.67', port: 5062, transport: 'udp' });
    expect(ex?.request.header('Event')).toBe('ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"');
    expect(ex?.request.header('event')).toBe(ex?.request.header('o'));
    expect(ex?.request.header('Call-ID')).toBe('compact1@192.168.10.67');
    expect(ex?.request.header('Allow-Events')).toBeUndefined();
  });

  test.each(readdirSync(new URL('../fixtures/sip/', import.meta.url)).filter((f) => f.endsWith('.txt')))(
    'header reads of a real drachtio-srf request answer as its get() by long, then compact name: %s', (fixture) => {
      const text = readFixture(fixture);
      const req = new SipRequest(new SipMessage(text), { source: 'network', address: '192.0.2.7', port: '5060', protocol: 'udp' });
      const ex = adaptExchange(req, { send: () => undefined });
      const names = ['From', 'to', 'CALL-ID', 'CSeq', 'Contact', 'Event', 'Accept', 'User-Agent', 'Expires', 'Via', 'Allow-Events',
        'Max-Forwards', 'Content-Length', 'X-Missing', ...[...text.matchAll(/^([!-9;-~]+)\s*:/gm)].map((m) => m[1] ?? '')];
      for (const name of names) {
        const compact = compactHeaderName(name);
        expect(ex?.request.header(name), name).toBe(req.get(name) ?? (compact === undefined ? undefined : req.get(compact)));
      }
    });

  test.each<[unknown, unknown]>([[{}, { send: () => undefined }], [fakeReq(), {}], [null, null], [{ method: 1, uri: 'x', get: () => undefined }, { send: () => undefined }]])(
    'not a drachtio-srf request/response: undefined', (req, res) => {
      expect(adaptExchange(req, res)).toBeUndefined();
    });

  test('respond: sends headers and resolves with what drachtio-server echoed', async () => {
    const calls: unknown[][] = [];
    const res = {
      stackDialogId: 'compact1@192.168.10.67;from-tag=cc01',
      send(status: number, opts: unknown, cb: (err: unknown, sent: unknown) => void): void {
        calls.push([status, opts]);
        cb(null, new SipMessage(SENT));
      },
    };
    const ex = adaptExchange(fakeReq(), res);
    await expect(ex?.respond(200, { Expires: '0' })).resolves.toEqual({
      status: 200, contact: '<sip:192.0.2.10:5060>', dialogId: 'compact1@192.168.10.67;from-tag=cc01',
    });
    expect(calls).toEqual([[200, { headers: { Expires: '0' } }]]);
  });

  test('respond on the public path: writes to the drachtio connection in this turn leave together after it', async () => {
    const socket = new Socket();
    const corkedDuringSend: number[] = [];
    const res = {
      send(_status: number, _opts: unknown, cb: (err: unknown, sent: unknown) => void): void {
        corkedDuringSend.push(socket.writableCorked);
        cb(null, new SipMessage(SENT));
      },
    };
    const ex = adaptExchange({ ...fakeReq(), socket }, res);
    await ex?.respond(200);
    expect(corkedDuringSend).toEqual([1]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.writableCorked).toBe(0);
    socket.destroy();
  });

  test('respond: drachtio-srf\'s string errors become Errors, a missing echo times out, a throw rejects', async () => {
    const failing = adaptExchange(fakeReq(), { send: (_s: number, _o: unknown, cb: (err: unknown) => void): void => cb('Response not sent due to unknown transaction') });
    await expect(failing?.respond(200)).rejects.toThrow(new Error('Response not sent due to unknown transaction'));
    const silent = adaptExchange(fakeReq(), { send: () => undefined });
    await expect(silent?.respond(200, {}, 20)).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'no echo of the 200 from drachtio-server' });
    const throwing = adaptExchange(fakeReq(), { send: () => { throw new Error('Response#send: status is required'); } });
    await expect(throwing?.respond(200)).rejects.toThrow('Response#send: status is required');
  });

  test('requestInDialog refuses a response that created no dialog', async () => {
    const ex = adaptExchange(fakeReq(), { send: () => undefined });
    await expect(ex?.requestInDialog({ status: 200 }, { method: 'NOTIFY', headers: {} }, 100)).rejects.toThrow('the response created no dialog');
  });

  test('finalResponseSent mirrors the response object', () => {
    const res = { send: () => undefined, finalResponseSent: false };
    const ex = adaptExchange(fakeReq(), res);
    expect(ex?.finalResponseSent).toBe(false);
    res.finalResponseSent = true;
    expect(ex?.finalResponseSent).toBe(true);
  });
});

test('compactHeaderName', () => {
  expect(compactHeaderName('Event')).toBe('o');
  expect(compactHeaderName('CALL-ID')).toBe('i');
  expect(compactHeaderName('X-Foo')).toBeUndefined();
  expect(compactHeaderName('constructor')).toBeUndefined();
});

test('asNext, publishOnRequest, countSrfDialogs', () => {
  let called = 0;
  asNext(() => { called++; })();
  asNext(undefined)();
  expect(called).toBe(1);
  const req = {};
  publishOnRequest(req, 'pnp', 42);
  expect(req).toEqual({ pnp: 42 });
  expect(countSrfDialogs(new Srf())).toBe(0);
  expect(countSrfDialogs({})).toBe(0);
});
