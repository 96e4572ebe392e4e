import { createServer } from 'node:net';
import Srf from 'drachtio-srf';
import { afterEach, describe, expect, test } from 'vitest';
import { asNext } from '../../lib/sip/srf-adapter.js';
import { connectSrf, type ConnectedInfo, type SrfConnection } from '../../lib/sip/srf-connection.js';
import { DrachtioTestServer, SERVER_VERSION } from '../support/drachtio-test-server.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(): Promise<DrachtioTestServer> {
  const s = await DrachtioTestServer.start();
  cleanup.push(() => s.stop());
  return s;
}

/** A TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

function track(connection: SrfConnection): SrfConnection {
  cleanup.push(() => connection.disconnect());
  return connection;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('connectSrf', () => {
  test('connects, reports the server, and disconnects (twice is harmless)', async () => {
    const s = await server();
    const srf = new Srf();
    srf.use('subscribe', (_req: unknown, _res: unknown, next: unknown) => asNext(next)());
    const connected = new Promise<ConnectedInfo>((onConnect) => {
      track(connectSrf(srf, { host: '127.0.0.1', port: s.adminPort, secret: 'cymru', pingSeconds: 5 }, { onConnect }));
    });
    const info = await connected;
    expect(info).toEqual({
      hostport: `tcp/127.0.0.1:${s.sipPort},udp/127.0.0.1:${s.sipPort}`,
      serverVersion: SERVER_VERSION,
      localHostports: `tcp/127.0.0.1:${s.sipPort},udp/127.0.0.1:${s.sipPort}`,
    });
    await s.waitFor(() => s.stats().apps === 1 && s.stats().routes.includes('subscribe'));
  });

  test('disconnect ends the connection and reports it as not connected', async () => {
    const s = await server();
    const srf = new Srf();
    let closes = 0;
    let connection: SrfConnection | undefined;
    await new Promise<void>((resolve) => {
      connection = track(connectSrf(srf, { host: '127.0.0.1', port: s.adminPort, secret: 'cymru' }, { onConnect: () => resolve(), onClose: () => { closes++; } }));
    });
    expect(connection?.connected).toBe(true);
    connection?.disconnect();
    expect(connection?.connected).toBe(false);
    await s.waitFor(() => s.stats().apps === 0);
    expect(() => connection?.disconnect()).not.toThrow();
    expect(closes).toBe(0);
  });

  test('a wrong secret is reported; disconnect stops the retries', async () => {
    const s = await server();
    const failures: Error[] = [];
    const connection = track(connectSrf(new Srf(), { host: '127.0.0.1', port: s.adminPort, secret: 'wrong' }, {
      onConnectFailed: (err) => failures.push(err),
    }));
    await s.waitFor(() => failures.length >= 2);
    expect(failures[0]?.message).toBe('failed to authenticate to server');
    connection.disconnect();
    const frames = s.stats().framesIn;
    const seen = failures.length;
    await sleep(700); // drachtio-srf retries every ~255 ms after a refused secret
    expect(s.stats().framesIn).toBe(frames);
    expect(failures.length).toBe(seen);
  });

  test('nothing listening: errors and reconnect attempts are reported, never thrown; disconnect stops them', async () => {
    const port = await closedPort();
    const errors: Error[] = [];
    const attempts: Array<{ delayMs?: number; attempt?: number }> = [];
    const connection = track(connectSrf(new Srf(), { host: '127.0.0.1', port, secret: 'cymru', reconnectMaxSeconds: 0.2 }, {
      onError: (err) => errors.push(err),
      onReconnecting: (info) => attempts.push(info),
    }));
    const deadline = Date.now() + 5000;
    while (attempts.length < 2 && Date.now() < deadline) await sleep(20);
    expect(errors[0]?.message).toMatch(/ECONNREFUSED/);
    expect(attempts[0]).toMatchObject({ attempt: expect.any(Number), delayMs: expect.any(Number) });
    expect(connection.connected).toBe(false);
    expect(() => connection.disconnect()).not.toThrow();
    const seen = attempts.length;
    await sleep(600);
    expect(attempts.length).toBe(seen);
  });

  test('drachtio-server restarts: close, reconnect, routes again', async () => {
    const s = await server();
    const srf = new Srf();
    srf.use('subscribe', (_req: unknown, _res: unknown, next: unknown) => asNext(next)());
    let connects = 0;
    let closes = 0;
    track(connectSrf(srf, { host: '127.0.0.1', port: s.adminPort, secret: 'cymru', reconnectMaxSeconds: 0.5 }, {
      onConnect: () => { connects++; },
      onClose: () => { closes++; },
    }));
    await s.waitFor(() => connects === 1 && s.stats().apps === 1);
    await s.restart();
    await s.waitFor(() => connects === 2 && s.stats().routes.includes('subscribe'), 10_000);
    expect(closes).toBeGreaterThanOrEqual(1);
  });

  test('disconnect before the first connection completes leaves nothing connected', async () => {
    const s = await server();
    let connects = 0;
    const connection = track(connectSrf(new Srf(), { host: '127.0.0.1', port: s.adminPort, secret: 'cymru' }, { onConnect: () => { connects++; } }));
    connection.disconnect();
    await sleep(300);
    expect(connects).toBe(0);
    expect(s.stats().apps).toBe(0);
  });

  test('bad arguments are TypeErrors', () => {
    expect(() => connectSrf({}, { host: '127.0.0.1', port: 1, secret: 'x' })).toThrow(new TypeError('connectSrf: srf must be a drachtio-srf Srf instance'));
    expect(() => connectSrf(new Srf(), { host: '127.0.0.1', port: 1, secret: 'x', pingSeconds: 2 }))
      .toThrow(new TypeError('connectSrf: pingSeconds must be 0 (off) or between 5 and 300'));
  });
});
