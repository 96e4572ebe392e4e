/**
 * The emulation seen through a bare admin TCP client and bare UDP sockets: framing edge cases, error answers
 * and datagrams drachtio-server answers or drops without involving an app (01, 03 part C, 07).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder, encodeFrame } from './drachtio-test-server/admin-framing.js';
import { DrachtioTestServer } from './drachtio-test-server.js';
import { FakePhone } from './fake-phone.js';
import { getHeader } from './sip-text.js';
import { fixtureBytes, splitFrame } from './wire-fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

class RawAdmin {
  readonly frames: string[] = [];
  raw = Buffer.alloc(0);
  closed = false;
  private readonly decoder = new FrameDecoder();

  private constructor(readonly socket: Socket) {
    socket.on('data', (b: Buffer) => {
      this.raw = Buffer.concat([this.raw, b]);
      this.frames.push(...this.decoder.push(b));
    });
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => undefined);
  }

  static async open(s: DrachtioTestServer): Promise<RawAdmin> {
    const socket = connect({ host: s.host, port: s.adminPort });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const client = new RawAdmin(socket);
    cleanups.push(() => socket.destroy());
    return client;
  }

  send(payload: string): void {
    this.socket.write(encodeFrame(payload));
  }

  async frame(index: number, s: DrachtioTestServer): Promise<string> {
    await s.waitFor(() => this.frames.length > index, 2000);
    return this.frames[index] ?? '';
  }

  async authenticated(s: DrachtioTestServer, route?: string): Promise<void> {
    this.send('a1|authenticate|cymru|');
    await this.frame(0, s);
    if (route) {
      this.send(`a2|route|${route}`);
      await this.frame(1, s);
    }
  }
}

async function server(): Promise<DrachtioTestServer> {
  const s = await DrachtioTestServer.start({ timerScale: 0.01 });
  cleanups.push(() => s.stop());
  return s;
}

async function udp(): Promise<{ socket: UdpSocket; got: Buffer[] }> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (b) => got.push(b));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => socket.close());
  return { socket, got };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = (frame: string) => splitFrame(frame).tokens.slice(3).join('|');

describe('admin framing and answers', () => {
  it('reads frames written a byte at a time and several in one write (01)', async () => {
    const s = await server();
    const c = await RawAdmin.open(s);
    for (const byte of encodeFrame('a1|authenticate|cymru|')) {
      c.socket.write(Buffer.from([byte]));
      await sleep(1);
    }
    const hostports = `tcp/127.0.0.1:${s.sipPort},udp/127.0.0.1:${s.sipPort}`;
    expect(status(await c.frame(0, s))).toBe(`OK|${hostports}|v0.9.10-1-g9c2dd4cb6a|${hostports}`);
    c.socket.write(Buffer.concat([encodeFrame('r1|route|subscribe'), encodeFrame('p1|ping'), encodeFrame('p2|ping')]));
    await c.frame(3, s);
    expect(c.frames.slice(1).map((f) => splitFrame(f).tokens.slice(1).join('|'))).toEqual(
      ['response|r1|OK', 'response|p1|OK|pong', 'response|p2|OK|pong']);
    expect(s.stats()).toMatchObject({ apps: 1, routes: ['subscribe'], framesIn: 4, framesOut: 4 });
  });

  it('closes a connection that does not authenticate first, or sends garbage', async () => {
    const s = await server();
    const quiet = await RawAdmin.open(s);
    quiet.send('x|ping');
    const garbage = await RawAdmin.open(s);
    garbage.socket.write('GET / HTTP/1.1\r\n\r\n');
    await s.waitFor(() => quiet.closed && garbage.closed);
    expect([quiet.frames, garbage.frames]).toEqual([[], []]);
  });

  it('answers a response for an unknown transaction with NOK', async () => {
    const s = await server();
    const c = await RawAdmin.open(s);
    await c.authenticated(s);
    c.send('r9|sip|no-such-txn|\r\nSIP/2.0 200 OK\r\nCall-ID: x\r\ncseq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n');
    expect(status(await c.frame(1, s))).toBe('NOK|Response not sent due to unknown transaction');
  });

  it('refuses requests it cannot send: unknown dialog (03 C), to itself, unsupported frames', async () => {
    const s = await server();
    const c = await RawAdmin.open(s);
    await c.authenticated(s);
    c.send('q1|sip||nobody@x;from-tag=1\r\nNOTIFY sip:placeholder SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    c.send(`q2|sip||\r\nOPTIONS sip:${s.host}:${s.sipPort} SIP/2.0\r\nContent-Length: 0\r\n\r\n`);
    c.send('q3|proxy|t|||||serial|||sip:x');
    await c.frame(3, s);
    expect(c.frames.slice(1).map(status)).toEqual([
      'NOK|Server error: unable to find dialog for dialog id provided',
      'NOK|can not send request to myself',
      'NOK|unsupported request type: proxy',
    ]);
  });

  it('counts UTF-8 bytes in the length prefix of what it sends (07 part H)', async () => {
    const s = await server();
    const c = await RawAdmin.open(s);
    await c.authenticated(s, 'subscribe');
    const before = c.raw.length;
    const phone = await FakePhone.start();
    cleanups.push(() => phone.close());
    phone.subscribe({ host: s.host, port: s.sipPort }, { fromDisplay: 'Tëst Phöne ☎' });
    const payload = await c.frame(2, s);
    const wire = c.raw.subarray(before).toString('latin1');
    expect(wire.startsWith(`${Buffer.byteLength(payload)}#`)).toBe(true);
    expect(Buffer.byteLength(payload)).toBeGreaterThan(payload.length);
  });

  it('answers once per transaction, adds its own Contact to a 2xx without one, then refuses a second answer', async () => {
    const s = await server();
    const c = await RawAdmin.open(s);
    await c.authenticated(s, 'subscribe');
    const phone = await FakePhone.start();
    cleanups.push(() => phone.close());
    const sent = phone.subscribe({ host: s.host, port: s.sipPort });
    const txnId = splitFrame(await c.frame(2, s)).tokens[8] ?? '';
    const ok = `SIP/2.0 202 Accepted\r\nCall-ID: ${sent.callId}\r\ncseq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n`;
    c.send(`s1|sip|${txnId}|\r\n${ok}`);
    c.send(`s2|sip|${txnId}|\r\n${ok}`);
    const res = await phone.waitForResponse(sent);
    expect(getHeader(res, 'contact')).toBe(`<sip:127.0.0.1:${s.sipPort}>`);
    await c.frame(4, s);
    expect(status(c.frames[3] ?? '')).toMatch(/^OK\|application\|/);
    expect(status(c.frames[4] ?? '')).toBe('NOK|Response not sent due to unknown transaction');
    expect(s.stats()).toMatchObject({ stableDialogs: 1, clientDialogIds: 1, pendingServerTxns: 0 });
  });
});

describe('datagrams answered or dropped without an app (07)', () => {
  it('answers STUN-looking binary with the recorded 40 bytes and drops ASCII garbage', async () => {
    const s = await server();
    const c = await RawAdmin.open(s);
    await c.authenticated(s, 'subscribe');
    const u = await udp();
    u.socket.send(fixtureBytes('07-stun-like-garbage.bin'), s.sipPort, s.host);
    u.socket.send(fixtureBytes('07-ascii-garbage.txt'), s.sipPort, s.host);
    await s.waitFor(() => u.got.length === 1);
    await sleep(50);
    expect(u.got).toHaveLength(1);
    expect(u.got[0]?.equals(fixtureBytes('07-stun-error-reply.bin'))).toBe(true);
    expect(c.frames).toHaveLength(2);
  });

  it('answers a phone request inside an unknown dialog with 481', async () => {
    const s = await server();
    const phone = await FakePhone.start();
    cleanups.push(() => phone.close());
    const text = `NOTIFY sip:x@${s.host}:${s.sipPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK1;rport\r\n`
      + 'From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: gone@x\r\nCSeq: 5 NOTIFY\r\nContent-Length: 0\r\n\r\n';
    phone.sendRaw({ host: s.host, port: s.sipPort }, text);
    const res = await phone.waitForMessage((m) => m.kind === 'response');
    expect(res.status).toBe(481);
  });
});
