import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load-config.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { provisioningHandler } from '../../lib/http/provisioning-handler.js';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { pnpResponder } from '../../lib/sip/responder.js';

const directory = new MemoryDirectory();
const publicUrl = 'http://192.0.2.10:8080';

/** Each factory with the shared mistake added to its own minimal good options. */
const factories = {
  pnpResponder: (extra: object) => pnpResponder({ directory, publicUrl, ...extra } as never),
  provisioningRouter: (extra: object) => provisioningRouter({ directory, ...extra } as never),
  provisioningHandler: (extra: object) => provisioningHandler({ directory, ...extra } as never),
};

describe('the options both halves share', () => {
  it.each([
    [{ directory: { lookup: () => undefined } }, 'options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())'],
    [{ unknownDevices: 'drop' }, 'options.unknownDevices must be one of bootstrap, ignore, reject'],
    [{ lookupTimeoutMs: 0 }, 'options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000'],
    [{ lookupTimeoutMs: 60_001 }, 'options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000'],
    [{ logger: console }, 'options.logger must be a pino-style logger (child, info, warn, error, debug)'],
    [{ publicUrl: 'http://x/a b' }, 'options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ security: { tokens: {} } }, 'options.security must be the object createPnpSecurity() returns'],
    [{ lookupTimeout: 100 }, 'options.lookupTimeout is not a known option'],
  ])('%j gets the same message from every factory, naming it', (extra, message) => {
    for (const [name, build] of Object.entries(factories)) {
      expect(() => build(extra), name).toThrow(TypeError);
      expect(() => build(extra), name).toThrow(`${name}: ${message}`);
    }
  });

  it('accepts the same upper bound for the lookup deadline on both halves and in the configuration', () => {
    for (const build of Object.values(factories)) expect(() => build({ lookupTimeoutMs: 60_000 })).not.toThrow();
    expect(parseConfig('pnp:\n  lookupTimeoutMs: 60000\n', 'site.yaml').pnp.lookupTimeoutMs).toBe(60_000);
    expect(() => parseConfig('pnp:\n  lookupTimeoutMs: 60001\n', 'site.yaml')).toThrow(/lookupTimeoutMs/);
  });
});
