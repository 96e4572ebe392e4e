import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as pnp from '../lib/index.js';

describe('the package surface', () => {
  it('exports the plugin factories, the directories and the service', () => {
    const functions = [
      'pnpResponder', 'badEventResponder', 'getPnp', 'connectSrf', 'provisioningRouter', 'expandUrlTemplate',
      'loadInventory', 'formatInventoryError', 'renderSettings', 'renderBootstrapSettings', 'renderSettingFiles',
      'renderFirmwareSettings', 'normalizeMac', 'createLogger', 'startService', 'loadConfig', 'parseConfig',
      'createPnpSecurity', 'loadOrCreateKeyFile', 'tokenId', 'createTlsServer', 'macsFromCertificate', 'compileAccessRules',
      'readDeviceState', 'readHistory', 'createPnpMetrics', 'apiRouter', 'sendCheckSync',
    ] as const;
    for (const name of functions) expect(typeof pnp[name], name).toBe('function');
    for (const cls of [
      pnp.MemoryDirectory, pnp.FileInventory, pnp.InventoryLoadError, pnp.ConfigError, pnp.DeviceCredentials,
      pnp.ProvisioningTokens, pnp.MemoryTokenStore, pnp.HttpDirectory, pnp.DeviceStateStore, pnp.EnrolmentRegister,
      pnp.FileTokenStore, pnp.NeighbourTable,
    ]) {
      expect(cls.prototype).toBeDefined();
    }
    expect(pnp.DEFAULT_NOTIFY_URL_TEMPLATES.snom).toBe('{base}/snom/');
  });

  it('builds working middleware from the documented example', () => {
    const directory = new pnp.MemoryDirectory();
    const security = pnp.createPnpSecurity({ key: 'a-key-of-at-least-thirty-two-characters' });
    const mw = pnp.pnpResponder({ directory, publicUrl: 'http://192.0.2.10:8080', security });
    expect(mw).toBeTypeOf('function');
    expect(mw.length).toBe(3);
    expect(pnp.provisioningRouter({ directory, security })).toBeTypeOf('function');
  });

  it('points package.json at the compiled entry point and the CLI', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      name: string; bin: Record<string, string>; exports: Record<string, { import: string; types: string }>;
      dependencies: Record<string, string>;
    };
    expect(pkg.name).toBe('drachtio-pnp');
    expect(pkg.bin['drachtio-pnp']).toBe('dist/lib/cli/main.js');
    expect(pkg.exports['.']).toEqual({ types: './dist/lib/index.d.ts', import: './dist/lib/index.js' });
    // drachtio-srf, express and xmlbuilder2 are the stack; no media server client.
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['drachtio-srf', 'express', 'xmlbuilder2']));
    expect(Object.keys(pkg.dependencies)).not.toContain('drachtio-fsmrf');
  });
});
