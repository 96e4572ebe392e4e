import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import express from 'express';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { checkTlsFiles, createTlsServer, macsFromCertificate, type TlsServer } from '../../lib/security/tls.js';
import { captureLogger } from '../support/capture-logger.js';
import { makeCa, type TestCa } from '../support/certificates.js';
import { examplePhones, exampleDefaults } from '../support/example-devices.js';
import { request } from '../support/http-client.js';
import { mapDirectory } from '../support/map-directory.js';

let serverCa: TestCa;
let deviceCa: TestCa;
beforeAll(() => {
  serverCa = makeCa('Test Server CA');
  deviceCa = makeCa('Test Device CA');
});

const running: TlsServer[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) {
    t.stopWatching();
    t.server.closeAllConnections();
    await new Promise<void>((resolve) => t.server.close(() => resolve()));
  }
});

async function files(options: { ca?: boolean } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'pnp-tls-'));
  const server = serverCa.issue({ cn: 'localhost', server: true });
  const paths = { cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key'), ca: path.join(dir, 'devices.pem') };
  await writeFile(paths.cert, server.cert);
  await writeFile(paths.key, server.key);
  await writeFile(paths.ca, deviceCa.cert);
  return { dir, ...paths, ...(options.ca ? {} : { ca: undefined }) };
}

async function start(app: express.Express, tlsFiles: Parameters<typeof createTlsServer>[1]) {
  const log = captureLogger();
  const tls = await createTlsServer(app, tlsFiles, log.logger);
  running.push(tls);
  await new Promise<void>((resolve) => tls.server.listen(0, '127.0.0.1', resolve));
  const { port } = tls.server.address() as AddressInfo;
  return { tls, log, origin: `https://127.0.0.1:${port}`, port };
}

function hello(): express.Express {
  const app = express();
  app.get('/hello', (req, res) => { res.send(`hello ${req.protocol}`); });
  return app;
}

/** The fingerprint of the certificate the server presents to a new connection. */
function presented(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not within 5 s: ${what}`);
}

describe('HTTPS', () => {
  test('serves with the configured certificate; a client trusting its CA connects', async () => {
    const { origin } = await start(hello(), await files());
    const res = await request(`${origin}/hello`, { ca: serverCa.cert, servername: 'localhost' });
    expect([res.status, res.body]).toEqual([200, 'hello https']);
    await expect(request(`${origin}/hello`)).rejects.toThrow(); // an untrusted certificate is refused by the client
  });

  test('a renewed certificate (written by rename) is used for new connections without a restart', async () => {
    const f = await files();
    const { port, log } = await start(hello(), f);
    const before = await presented(port);
    const renewed = serverCa.issue({ cn: 'localhost', server: true });
    await writeFile(`${f.key}.new`, renewed.key);
    await writeFile(`${f.cert}.new`, renewed.cert);
    await rename(`${f.key}.new`, f.key);
    await rename(`${f.cert}.new`, f.cert);
    const expected = new X509Certificate(renewed.cert).fingerprint256;
    await until(async () => (await presented(port)) === expected, 'renewed certificate presented');
    expect(expected).not.toBe(before);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'TLS certificate reloaded' }));
  });

  test('unusable files on reload keep the previous certificate, with an error line', async () => {
    const f = await files();
    const { tls, port, log } = await start(hello(), f);
    const before = await presented(port);
    await writeFile(f.cert, 'not a certificate');
    expect(await tls.reload()).toBe(false);
    expect(await presented(port)).toBe(before);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'TLS files unusable; keeping the previous certificate' }));
  });

  test('missing files at start are an error; requireClientCert needs a CA', async () => {
    await expect(createTlsServer(hello(), { cert: '/nonexistent.crt', key: '/nonexistent.key' }, captureLogger().logger)).rejects.toThrow(/cannot read the TLS files/);
    expect(() => checkTlsFiles({ cert: 'a', key: 'b', requireClientCert: true })).toThrow(/needs tls.ca/);
  });
});

describe('client certificates', () => {
  test('required: no certificate, or one from another CA, cannot connect; a device certificate can', async () => {
    const f = await files({ ca: true });
    const { origin } = await start(hello(), { ...f, requireClientCert: true });
    const device = deviceCa.issue({ cn: '000413A11FA7' });
    const stranger = makeCa('Stranger CA').issue({ cn: '000413A11FA7' });
    const opts = { ca: serverCa.cert, servername: 'localhost' };
    await expect(request(`${origin}/hello`, opts)).rejects.toThrow();
    await expect(request(`${origin}/hello`, { ...opts, ...stranger })).rejects.toThrow();
    expect((await request(`${origin}/hello`, { ...opts, ...device })).status).toBe(200);
  });

  test('a verified certificate naming another device is refused for that device\'s files', async () => {
    const f = await files({ ca: true });
    const security = createPnpSecurity({ key: 'k'.repeat(32) });
    const log = captureLogger();
    const app = express();
    app.use(provisioningRouter({ directory: mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults), security, logger: log.logger }));
    const { origin } = await start(app, f);
    const { hall, manager } = examplePhones;
    const hallCert = deviceCa.issue({ cn: 'snom D715', altNames: [{ type: 6, value: `urn:dev:mac:${hall.device.mac.toLowerCase()}` }] });
    const opts = { ca: serverCa.cert, servername: 'localhost', ...hallCert };
    const other = await request(`${origin}/snom/a/${manager.device.mac}.xml`, opts);
    expect(other.status).toBe(403);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^pnp: auth-failed ip=.* kind=certificate$/), reason: 'client certificate names another device' }));
    // Its own files pass the certificate check and go on to HTTP authentication; the audit line notes the certificate.
    expect((await request(`${origin}/snom/a/${hall.device.mac}.xml`, opts)).status).toBe(401);
    const { token } = security.tokens.issue(hall.device.mac, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${token}/${hall.device.mac}.xml`, opts)).status).toBe(200);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning file with secrets served', mac: hall.device.mac, clientCertificate: true }));
    // Optional: a connection without a certificate is not refused by the TLS layer.
    expect((await request(`${origin}/snom/snomD715.htm`, { ca: serverCa.cert, servername: 'localhost' })).status).toBe(200);
  });
});

describe('Basic authentication over TLS', () => {
  test('accepted only when enabled, and then only on the TLS connection, with the device\'s own password', async () => {
    const security = createPnpSecurity({ key: 'k'.repeat(32), digest: { basicOverTls: true } });
    const log = captureLogger();
    const app = express();
    app.use(provisioningRouter({ directory: mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults), security, logger: log.logger }));
    const { origin } = await start(app, await files());
    const { manager } = examplePhones;
    const { user, password } = security.credentials.forMac(manager.device.mac);
    const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
    const url = `${origin}/snom/a/${manager.device.mac}.xml`;
    const opts = { ca: serverCa.cert, servername: 'localhost' };
    const challenge = await request(url, opts);
    expect(challenge.headers['www-authenticate']?.at(-1)).toMatch(/^Basic realm="drachtio-pnp"/);
    const ok = await request(url, { ...opts, headers: basic(password) });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain(manager.device.accounts[0]?.password);
    expect((await request(url, { ...opts, headers: basic('wrong') })).status).toBe(401);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning file with secrets served', via: 'basic', authUser: user, clientCertificate: false }));
  });
});

describe('macsFromCertificate', () => {
  test.each([
    [{ subject: { CN: '000413A11FA7' } }, ['000413A11FA7']],
    [{ subject: { CN: 'snom-00:04:13:a1:1f:a7' } }, ['000413A11FA7']],
    [{ subject: { CN: 'phone' }, subjectaltname: 'DNS:phone.example, URI:urn:dev:mac:00-04-13-92-2d-24' }, ['000413922D24']],
    [{ subject: { CN: ['000413A11FA7', 'x'] }, subjectaltname: 'DNS:000413922D24.example' }, ['000413A11FA7', '000413922D24']],
    [{ subject: { CN: 'Snom Device CA 1234567890ABCDEF' } }, []],
    [{ subject: {} }, []],
  ])('%j -> %j', (cert, macs) => {
    expect(macsFromCertificate(cert as never)).toEqual(macs);
  });
});
