import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as pnp from '../lib/index.js';
import * as service from '../lib/service/index.js';

/** Value exports of an entry point, sorted (types leave nothing at run time). */
const valuesOf = (entry: object): string[] => Object.keys(entry).sort();

describe('the plugin entry point (drachtio-pnp)', () => {
  it('exports what a host application needs, and nothing of the service', () => {
    expect(valuesOf(pnp)).toEqual([
      'DEFAULT_NOTIFY_URL_TEMPLATES', 'DeviceCredentials', 'EnrolmentRegister', 'FileInventory', 'FileTokenStore',
      'HttpDirectory', 'InventoryLoadError', 'MemoryDirectory', 'MemoryTokenStore', 'NeighbourTable', 'ProvisioningTokens',
      'SNOM_MAC_NOTIFY_URL_TEMPLATE', 'badEventResponder', 'compileAccessRules', 'createPnp', 'createPnpSecurity',
      'createTlsServer', 'expandUrlTemplate', 'formatInventoryError', 'getPnp', 'loadInventory', 'loadOrCreateKeyFile',
      'macsFromCertificate', 'normalizeMac', 'pnpResponder', 'provisioningHandler', 'provisioningRouter',
      'renderBootstrapSettings', 'renderFirmwareSettings', 'renderSettingFiles', 'renderSettings', 'tokenId',
    ]);
    expect(pnp.DEFAULT_NOTIFY_URL_TEMPLATES.snom).toBe('{base}/snom/');
  });

  it('builds working middleware and router from the documented example', () => {
    const directory = new pnp.MemoryDirectory();
    const security = pnp.createPnpSecurity({ key: 'a-key-of-at-least-thirty-two-characters' });
    const both = pnp.createPnp({ publicUrl: 'http://192.0.2.10:8080', mountPath: '/prov', directory, security });
    expect(both.subscribe).toBeTypeOf('function');
    expect(both.subscribe.length).toBe(3);
    expect(both.router).toBeTypeOf('function');
    expect(both.url).toBe('http://192.0.2.10:8080/prov');
    expect(both.mountPath).toBe('/prov');
    const mw = pnp.pnpResponder({ directory, publicUrl: 'http://192.0.2.10:8080', security });
    expect(mw.length).toBe(3);
    expect(pnp.provisioningRouter({ directory, security })).toBeTypeOf('function');
  });

  it('loads no module of the service, and neither drachtio-srf nor the service-only packages', () => {
    const graph = runtimeImports('lib/index.ts');
    const ours = [...graph].filter((m) => m.startsWith('lib/'));
    expect(ours).toContain('lib/plugin/create-pnp.ts');
    // Of the configuration only the schema, which owns the policies and ranges both halves share (no I/O, no loading).
    expect(ours.filter((m) => /^lib\/(service|cli|config|state|metrics)\//.test(m))).toEqual(['lib/config/schema.ts']);
    const packages = [...graph].filter((m) => !m.startsWith('lib/') && !m.startsWith('node:'));
    expect(packages.sort()).toEqual(['express', 'pino', 'yaml', 'zod']);
    // The same walk does find the service where it is.
    const serviceGraph = runtimeImports('lib/service/index.ts');
    expect(serviceGraph).toContain('lib/service/start-service.ts');
    expect(serviceGraph).toContain('drachtio-srf');
  });
});

describe('the service entry point (drachtio-pnp/service)', () => {
  it('exports the service, its configuration and its operating parts', () => {
    expect(valuesOf(service)).toEqual([
      'ConfigError', 'DeviceStateStore', 'apiRouter', 'connectSrf', 'createLogger', 'createPnpMetrics', 'loadConfig',
      'parseConfig', 'readDeviceState', 'readHistory', 'sendCheckSync', 'startService',
    ]);
  });
});

describe('package.json', () => {
  it('points the entry points, the types and the CLI at the compiled files', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      name: string; bin: Record<string, string>; engines: { node: string };
      exports: Record<string, Record<string, string>>;
      dependencies: Record<string, string>; peerDependencies: Record<string, string>; devDependencies: Record<string, string>;
    };
    expect(pkg.name).toBe('drachtio-pnp');
    expect(pkg.bin['drachtio-pnp']).toBe('dist/lib/cli/main.js');
    // One ES-module build; CommonJS apps require() it through Node's require(esm) (Node >= 20.19).
    expect(pkg.exports['.']).toEqual({ types: './dist/lib/index.d.ts', default: './dist/lib/index.js' });
    expect(pkg.exports['./service']).toEqual({ types: './dist/lib/service/index.d.ts', default: './dist/lib/service/index.js' });
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it('leaves drachtio-srf and express to the host: peers with a range, not dependencies of their own', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      dependencies: Record<string, string>; peerDependencies: Record<string, string>; devDependencies: Record<string, string>;
    };
    expect(pkg.peerDependencies).toEqual({ 'drachtio-srf': '^5.0.29', express: '^5.0.0' });
    expect(Object.keys(pkg.dependencies)).not.toContain('drachtio-srf');
    expect(Object.keys(pkg.dependencies)).not.toContain('express');
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['drachtio-srf', 'express']));
    expect(Object.keys(pkg.dependencies)).not.toContain('drachtio-fsmrf');
  });
});

/**
 * The modules `entry` loads at run time, following its static imports and re-exports (type-only ones are erased by
 * the compiler and skipped): `lib/...` source paths, and package names for the rest.
 */
function runtimeImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  const statement = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(statement)) {
      const spec = match[1] as string;
      if (spec.startsWith('.')) {
        pending.push(path.posix.join(path.posix.dirname(file), spec).replace(/\.js$/, '.ts'));
      } else {
        seen.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] as string);
      }
    }
  }
  return seen;
}
