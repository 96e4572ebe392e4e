/**
 * The service with security configured: HTTPS from `security.tls`, the public URL guessed with https, the key file
 * created beside the configuration, and the route refusing what it must. drachtio is not running here: the
 * service keeps serving HTTP while it waits for it.
 */
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../lib/config/load-config.js';
import { startService } from '../../lib/service/start-service.js';
import { captureLogger } from '../support/capture-logger.js';
import { makeCa } from '../support/certificates.js';
import { request } from '../support/http-client.js';

describe('startService with security', () => {
  test('HTTPS with the configured certificate; secrets refused without a token; the key file beside the config', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-service-'));
    const ca = makeCa('Service Test CA');
    const server = ca.issue({ cn: 'localhost', server: true });
    await writeFile(path.join(dir, 'server.crt'), server.cert);
    await writeFile(path.join(dir, 'server.key'), server.key);
    await writeFile(path.join(dir, 'inventory.yaml'), [
      'devices:', '  - mac: "000413A11FA7"', '    accounts:', '      - user: "2001"', '        password: pw-service-2001',
      '        registrar: pbx.example.net',
    ].join('\n'));
    await writeFile(path.join(dir, 'config.yaml'), [
      'drachtio:', '  port: 1', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
      'security:', '  tls:', '    cert: server.crt', '    key: server.key',
    ].join('\n'));
    const loaded = await loadConfig('config.yaml', {}, dir);
    const log = captureLogger('info');
    const service = await startService(loaded, { logger: log.logger });
    try {
      expect(service.publicUrl).toMatch(/^https:\/\//);
      expect((await stat(path.join(dir, 'drachtio-pnp-credentials.key'))).mode & 0o777).toBe(0o600);
      const origin = `https://127.0.0.1:${service.listening.port}`;
      const tls = { ca: ca.cert, servername: 'localhost' };
      expect((await request(`${origin}/snom/snomD735.htm`, tls)).status).toBe(200);
      const settings = await request(`${origin}/snom/000413A11FA7.xml`, tls);
      expect(settings.status).toBe(200);
      expect(settings.body).not.toContain('pw-service-2001');
      expect((await request(`${origin}/snom/a/000413A11FA7.xml`, tls)).status).toBe(401);
      expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning security on', mode: 'secure', tls: true }));
      expect(log.text()).not.toContain('pw-service-2001');
    } finally {
      await service.close();
    }
  });

  test.each([[100, true], [200, false]])('token store of %i for 150 devices: warned at start: %s', async (maxEntries, warned) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-service-'));
    const macs = Array.from({ length: 150 }, (_, i) => `000413${(0xA00000 + i).toString(16).toUpperCase()}`);
    await writeFile(path.join(dir, 'inventory.yaml'), ['devices:', ...macs.map((mac) => `  - mac: "${mac}"`)].join('\n'));
    await writeFile(path.join(dir, 'config.yaml'), [
      'drachtio:', '  port: 1', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
      'security:', '  tokens:', `    maxEntries: ${maxEntries}`,
    ].join('\n'));
    const loaded = await loadConfig('config.yaml', {}, dir);
    const log = captureLogger('info');
    const service = await startService(loaded, { logger: log.logger });
    try {
      expect(service.health().inventory.devices).toBe(150);
      const warning = log.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('security.tokens.maxEntries is below'));
      if (warned) expect(warning).toMatchObject({ level: 40, devices: 150, maxEntries: 100, ttlSeconds: 600 });
      else expect(warning).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});
