/**
 * A connection flood from one loopback address (127.0.0.2) while another (127.0.0.1) is served: the flood is cut
 * at the per-source cap, the rest of its connections destroyed as they arrive, one log line for all of them.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load-config.js';
import { applyPhoneTimeouts, connectionBudget, limitConnections } from '../../lib/service/connection-limits.js';
import { startService } from '../../lib/service/start-service.js';
import { captureLogger } from '../support/capture-logger.js';
import { request } from '../support/http-client.js';

const sockets: Socket[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  })));
});

/** Opens `count` connections from `from`, each sending an unfinished request (so the server holds it unless it refuses it). */
async function flood(port: number, from: string, count: number): Promise<Socket[]> {
  const opened = Array.from({ length: count }, () => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write('GET /healthz HTTP/1.1\r\n'));
    return socket;
  });
  await Promise.all(opened.map((s) => new Promise((resolve) => { s.once('connect', resolve); s.once('close', resolve); })));
  return opened;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

async function plainServer(options: { perSource: number; total: number }) {
  const log = captureLogger();
  const server = createServer((req, res) => { res.end(`ok ${req.url ?? ''}\n`); });
  servers.push(server);
  const limits = limitConnections(server, { ...options, logger: log.logger });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, limits, log };
}

describe('limitConnections', () => {
  it('cuts a flood from one address at its cap while another address is served, with one log line', async () => {
    const { port, limits, log } = await plainServer({ perSource: 20, total: 1000 });
    await flood(port, '127.0.0.2', 320);
    // The server counts every connection it kept; the others were destroyed as they arrived.
    await waitFor(() => limits.refused.perSource === 300);
    expect(limits.open('127.0.0.2')).toBe(20);

    const served = await request(`http://127.0.0.1:${port}/healthz`);
    expect(served.status).toBe(200);
    expect(limits.open('127.0.0.1')).toBeLessThanOrEqual(1);

    const lines = log.lines.filter((l) => l.msg === 'pnp: connection-limit ip=127.0.0.2 kind=per-source');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, open: 20, limit: 20, refusedSinceLastLine: 0 });
  }, 60_000);

  it('refuses every address once the total is reached, and takes connections again as they close', async () => {
    const { port, limits, log } = await plainServer({ perSource: 20, total: 30 });
    const a = await flood(port, '127.0.0.2', 20);
    await flood(port, '127.0.0.3', 15);
    await waitFor(() => limits.open() === 30 && limits.refused.total === 5);
    await expect(request(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(log.lines.filter((l) => l.msg.startsWith('pnp: connection-limit') && l.kind === 'total')).toHaveLength(1);

    for (const s of a) s.destroy();
    await waitFor(() => limits.open('127.0.0.2') === 0);
    expect((await request(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  }, 60_000);

  it('closes a connection that sends nothing, within the phone timeouts', async () => {
    const server = createServer((_req, res) => { res.end('ok\n'); });
    servers.push(server);
    applyPhoneTimeouts(server, { headersTimeoutSeconds: 1, requestTimeoutSeconds: 1, idleTimeoutSeconds: 1, keepAliveTimeoutSeconds: 1 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const silent = connect({ host: '127.0.0.1', port });
    sockets.push(silent);
    silent.on('error', () => undefined);
    await new Promise((resolve) => silent.on('close', resolve));
    expect(server.headersTimeout).toBe(1000);
    expect(server.timeout).toBe(1000);
  }, 20_000);
});

describe('connectionBudget', () => {
  it('stays below the file-descriptor limit, and caps a configured total that does not fit', () => {
    expect(connectionBudget(undefined, 1024)).toEqual({ total: 716, fileLimit: 1024, capped: false });
    expect(connectionBudget(undefined, 1_048_576)).toEqual({ total: 10_000, fileLimit: 1_048_576, capped: false });
    expect(connectionBudget(5000, 1024)).toEqual({ total: 716, fileLimit: 1024, capped: true });
    expect(connectionBudget(500, 1024)).toEqual({ total: 500, fileLimit: 1024, capped: false });
    expect(connectionBudget(undefined, 100).total).toBe(16);
  });
});

describe('the service under a connection flood', () => {
  it('serves /healthz and a settings file to 127.0.0.1 while 127.0.0.2 holds its cap of idle connections', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-flood-'));
    await writeFile(path.join(dir, 'inventory.yaml'), [
      'devices:', '  - mac: "000413A11FA7"', '    accounts:', '      - user: "2001"', '        password: pw-flood-2001',
      '        registrar: pbx.example.net',
    ].join('\n'));
    const file = path.join(dir, 'config.yaml');
    const config = parseConfig([
      'drachtio:', '  port: 1', 'http:', '  host: 127.0.0.1', '  port: 0', '  limits:', '    connectionsPerSource: 16',
      'inventory: inventory.yaml', 'security:', '  mode: open', 'state:', '  enabled: false',
    ].join('\n'), file);
    const log = captureLogger('info');
    const service = await startService({ config, file, inventoryPath: path.join(dir, 'inventory.yaml') }, { logger: log.logger });
    try {
      const { port } = service.listening;
      const flooded = await flood(port, '127.0.0.2', 316);
      await waitFor(() => flooded.filter((s) => s.destroyed || s.readyState === 'closed').length >= 300);
      expect(flooded.filter((s) => !s.destroyed).length).toBe(16);

      const origin = `http://127.0.0.1:${port}`;
      const health = await request(`${origin}/healthz`);
      // drachtio is not running here: degraded (503), but answered.
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body)).toMatchObject({ drachtio: { state: expect.any(String) } });
      const settings = await request(`${origin}/snom/000413A11FA7.xml`);
      expect(settings.status).toBe(200);
      expect(settings.body).toContain('pw-flood-2001');
      expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'HTTP connection limits', perSource: 16 }));
      expect(log.lines.filter((l) => l.msg.startsWith('pnp: connection-limit'))).toHaveLength(1);
    } finally {
      await service.close();
    }
  }, 60_000);
});
