/**
 * The plugin's `store` option (docs/shared-state.md): the main entry never loads the Redis client (its static import
 * graph does not reach ioredis); the factories refuse a store that is not openPnpStore's, or one the security object
 * does not share; and a central `serve` instance honours the token a plugin responder in another process issued,
 * through the store they share, after which neither gives the enrolled phone a token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, copyFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load-config.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { createPnp } from '../../lib/plugin/create-pnp.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { openPnpStore, type OpenedPnpStore } from '../../lib/store/pnp-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { redisMissing, TestRedis } from '../support/redis-server.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';
import { freePort } from '../support/free-port.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KEY = 'plugin-store-test-key-of-at-least-32-bytes';
const MAC = '000413A11FA7';
const UA = `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${MAC} SXM:0 UXM:0)`;
const TOKEN_URL = /\/snom\/t\/[A-Za-z0-9_-]{24}\/$/;

/** Modules the file imports at load time (not `import type`, not `await import(...)`), resolved to files. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?'([^']+)'/gms)) found.push(m[1]!);
  return found.map((spec) => spec.startsWith('.') ? path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')) : spec);
}

describe('the main entry', () => {
  it('never loads ioredis: no static import path from lib/index.ts reaches it (lib/store/ does)', () => {
    const reaches = (entry: string): boolean => {
      const seen = new Set<string>();
      const todo = [entry];
      while (todo.length > 0) {
        const file = todo.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        for (const next of staticImports(file)) {
          if (next === 'ioredis') return true;
          if (next.startsWith('/')) todo.push(next);
        }
      }
      return false;
    };
    expect(reaches(path.join(ROOT, 'lib/index.ts'))).toBe(false);
    // The walk can see it: the store entry does load it.
    expect(reaches(path.join(ROOT, 'lib/store/index.ts'))).toBe(true);
  });
});

describe('the store option', () => {
  const store = () => openPnpStore({ url: 'redis://127.0.0.1:1' });
  let opened: OpenedPnpStore[] = [];
  afterAll(async () => { await Promise.all(opened.map((s) => s.close())); });
  const make = () => {
    const s = store();
    opened.push(s);
    return s;
  };

  it('refuses a store that is not openPnpStore\'s, and a security object that does not share the store', () => {
    const directory = new MemoryDirectory();
    const s = make();
    expect(() => createPnp({ publicUrl: 'http://192.0.2.10:8080', directory, store: { claims: { claim: () => true } } as never }))
      .toThrow('createPnp: options.store must be the object openPnpStore() returns');
    expect(() => createPnp({ publicUrl: 'http://192.0.2.10:8080', directory, security: createPnpSecurity({ key: KEY }), store: s }))
      .toThrow('createPnp: options.store: give createPnpSecurity the same store');
    expect(() => createPnp({ publicUrl: 'http://192.0.2.10:8080', directory, security: createPnpSecurity({ key: KEY, store: make() }), store: s }))
      .toThrow('createPnp: options.store: give createPnpSecurity the same store');
    expect(() => createPnpSecurity({ key: KEY, store: s, tokens: { store: s.tokens } })).toThrow('give options.store or options.tokens.store, not both');
    const security = createPnpSecurity({ key: KEY, store: s });
    expect(security.tokens.shared).toBe(true);
    expect(security.enrolment?.shared).toBe(true);
    expect(() => createPnp({ publicUrl: 'http://192.0.2.10:8080', directory, security, store: s })).not.toThrow();
  });
});

describe.skipIf(redisMissing)('a plugin responder and a central serve instance sharing one store', () => {
  let redis: TestRedis;
  let phone: FakePhone;
  let siteServer: DrachtioTestServer;
  let centralServer: DrachtioTestServer;
  let central: RunningService;
  let host: ChildProcess;
  let hostOutput = '';
  let hostUrl: string;

  beforeAll(async () => {
    redis = await TestRedis.start();
    phone = await FakePhone.start();
    siteServer = await DrachtioTestServer.start({ timerScale: 0.1 });
    centralServer = await DrachtioTestServer.start({ timerScale: 0.1 });
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-plugin-store-'));
    await copyFile(path.join(ROOT, 'examples/inventory.yaml'), path.join(dir, 'inventory.yaml'));
    const config = path.join(dir, 'central.yaml');
    await writeFile(config, [
      'drachtio:', `  port: ${centralServer.adminPort}`, '  secret: cymru', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
      'state:', '  enabled: false', 'security:', '  credentials:', `    key: ${KEY}`, 'store:', `  url: "${redis.url}"`, '',
    ].join('\n'));
    central = await startService(await loadConfig(config, {}, dir), { logger: captureLogger().logger });

    const httpPort = await freePort();
    hostUrl = `http://127.0.0.1:${httpPort}`;
    host = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/plugin-host-with-store.ts')], {
      cwd: ROOT,
      env: {
        INVENTORY: path.join(dir, 'inventory.yaml'), PATH: process.env.PATH, HTTP_PORT: String(httpPort), PUBLIC_URL: hostUrl, PNP_KEY: KEY, PNP_REDIS_URL: redis.url,
        DRACHTIO_HOST: '127.0.0.1', DRACHTIO_PORT: String(siteServer.adminPort), DRACHTIO_SECRET: 'cymru', LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    host.stdout?.on('data', (d: Buffer) => { hostOutput += d.toString(); });
    host.stderr?.on('data', (d: Buffer) => { hostOutput += d.toString(); });
    const deadline = Date.now() + 30_000;
    while (!(hostOutput.includes('provisioning route listening') && hostOutput.includes('shared store connected') && siteServer.stats().routes.length > 0)) {
      if (host.exitCode !== null || Date.now() > deadline) throw new Error(`the plugin host did not start:\n${hostOutput}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    if (host && host.exitCode === null) {
      host.kill('SIGTERM');
      await new Promise((resolve) => host.once('exit', resolve));
    }
    await central?.close();
    await siteServer?.stop();
    await centralServer?.stop();
    await phone?.close();
    await redis?.stop();
  });

  const pnp = async (server: DrachtioTestServer) => {
    const sent = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, { mac: MAC, vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
    return (await phone.waitForNotify(sent)).body.trim();
  };

  it('the central instance serves the phone under the token from the plugin\'s NOTIFY; then neither gives it a token', async () => {
    const fromPlugin = await pnp(siteServer);
    expect(fromPlugin).toMatch(new RegExp(`^${hostUrl}/prov/snom/t/`));
    // The same path on the central instance (mounted at its root).
    const onCentral = fromPlugin.replace(`${hostUrl}/prov/`, `http://127.0.0.1:${central.listening.port}/`);
    const result = await provisionSnomPhone({ notifyUrl: onCentral, mac: MAC, phoneType: 'snomD735', userAgent: UA });
    expect(result.setting('user_name', 1)).toBe('2001');
    expect(result.setting('user_pass', 1)).toBeDefined();
    // Enrolled through the central instance: the plugin's register is the same one.
    expect(await pnp(siteServer)).not.toMatch(TOKEN_URL);
    expect(await pnp(centralServer)).not.toMatch(TOKEN_URL);
    expect(hostOutput).toContain('PnP token withheld: device already enrolled');
  }, 30_000);
});

