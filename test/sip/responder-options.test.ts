import { describe, expect, test } from 'vitest';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { silentLogger } from '../../lib/log/logger.js';
import { resolveResponderOptions, type PnpResponderOptions } from '../../lib/sip/responder-options.js';
import { pnpResponder } from '../../lib/sip/responder.js';

const directory = new MemoryDirectory();
const base: PnpResponderOptions = { directory, publicUrl: 'http://192.0.2.10:8080/' };

describe('resolveResponderOptions', () => {
  test('defaults', () => {
    const resolved = resolveResponderOptions(base);
    expect(resolved).toMatchObject({
      directory, base: 'http://192.0.2.10:8080', urls: {}, unknownDevices: 'bootstrap', rejectStatus: 404,
      lookupTimeoutMs: 2000, notifyTimeoutMs: 40_000, logger: silentLogger,
    });
    expect(resolved.contact).toBeUndefined();
    expect(resolved.access.check({ address: '192.0.2.1' })).toEqual({ allowed: true });
  });

  test('given values are kept', () => {
    const onEvent = () => undefined;
    const resolved = resolveResponderOptions({
      ...base, publicUrl: 'https://Prov.Example/pnp/', urls: { snom: '{base}/snom/{mac}.xml', yealink: '{base}/y/{mac}.cfg', default: 'http://other/x' },
      unknownDevices: 'reject', rejectStatus: 403, lookupTimeoutMs: 500, notifyTimeoutMs: 1000,
      contact: '<sip:192.0.2.10:5060>', onEvent, access: { denySubnets: ['10.0.0.0/8'] },
    });
    expect(resolved).toMatchObject({
      base: 'https://prov.example/pnp', urls: { snom: '{base}/snom/{mac}.xml', yealink: '{base}/y/{mac}.cfg', default: 'http://other/x' },
      unknownDevices: 'reject', rejectStatus: 403, lookupTimeoutMs: 500, notifyTimeoutMs: 1000,
      contact: '<sip:192.0.2.10:5060>', onEvent,
    });
    expect(resolved.access.check({ address: '10.1.1.1' })).toEqual({ allowed: false, reason: 'denied-subnet' });
  });

  // Options come from JavaScript callers and parsed configuration too, so wrong types are tested as such.
  test.each([
    [null, 'pnpResponder: options must be an object'],
    [{ ...base, directory: {} }, 'pnpResponder: options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())'],
    [{ publicUrl: 'http://x' }, 'pnpResponder: options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())'],
    [{ ...base, publicUrl: undefined }, 'pnpResponder: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ ...base, publicUrl: '192.0.2.10:8080' }, 'pnpResponder: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ ...base, publicUrl: 'ftp://192.0.2.10/' }, 'pnpResponder: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ ...base, publicUrl: 'http://x/a b' }, 'pnpResponder: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ ...base, publicUrl: 'http://user:pw@192.0.2.10/' }, 'pnpResponder: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ ...base, publicUrl: 'http://192.0.2.10/?x=1' }, 'pnpResponder: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ ...base, urls: { snom: '{base}/yealink/' } }, 'pnpResponder: options.urls.snom: notify URL template {base}/yealink/ does not lead to a provisioning file (/yealink/snomD735.htm is not served)'],
    [{ ...base, urls: [] }, 'pnpResponder: options.urls must be an object mapping vendor ids to URL templates'],
    [{ ...base, urls: { Snom: '{base}/s/' } }, 'pnpResponder: options.urls key "Snom" must be a lower-case vendor id (a-z, 0-9, -)'],
    [{ ...base, urls: { snom: 'snom/' } }, 'pnpResponder: options.urls.snom must be an http(s) URL template (or start with {base}) without spaces, quotes or control characters'],
    [{ ...base, urls: { snom: '{base}/a\r\nX: y' } }, 'pnpResponder: options.urls.snom must be an http(s) URL template (or start with {base}) without spaces, quotes or control characters'],
    [{ ...base, urls: { snom: 42 } }, 'pnpResponder: options.urls.snom must be an http(s) URL template (or start with {base}) without spaces, quotes or control characters'],
    [{ ...base, unknownDevices: 'drop' }, 'pnpResponder: options.unknownDevices must be one of bootstrap, ignore, reject'],
    [{ ...base, rejectStatus: 200 }, 'pnpResponder: options.rejectStatus must be an integer SIP status from 400 to 699'],
    [{ ...base, rejectStatus: 404.5 }, 'pnpResponder: options.rejectStatus must be an integer SIP status from 400 to 699'],
    [{ ...base, lookupTimeoutMs: 0 }, 'pnpResponder: options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000'],
    [{ ...base, lookupTimeoutMs: '2000' }, 'pnpResponder: options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000'],
    [{ ...base, notifyTimeoutMs: -1 }, 'pnpResponder: options.notifyTimeoutMs must be a whole number of milliseconds from 1 to 600000'],
    [{ ...base, contact: 'sip server' }, 'pnpResponder: options.contact must be a SIP Contact such as <sip:192.0.2.10:5060>'],
    [{ ...base, contact: '*' }, 'pnpResponder: options.contact must be a SIP Contact such as <sip:192.0.2.10:5060>'],
    [{ ...base, logger: console }, 'pnpResponder: options.logger must be a pino-style logger (child, info, warn, error, debug)'],
    [{ ...base, onEvent: 'log' }, 'pnpResponder: options.onEvent must be a function'],
    [{ ...base, access: { allowSubnets: ['lan'] } }, 'pnpResponder: options.access.allowSubnets[0]: "lan" is not an IP address or CIDR subnet'],
    [{ ...base, lookupTimeout: 100 }, 'pnpResponder: options.lookupTimeout is not a known option'],
  ])('%j', (options, message) => {
    expect(() => resolveResponderOptions(options as never)).toThrow(new TypeError(message));
    expect(() => pnpResponder(options as never)).toThrow(new TypeError(message));
  });
});
