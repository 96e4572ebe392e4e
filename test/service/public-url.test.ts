import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { guessPublicUrl, publicUrlFor } from '../../lib/service/public-url.js';
import { captureLogger } from '../support/capture-logger.js';

const lo: NetworkInterfaceInfo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' };
const eth0v6: NetworkInterfaceInfo = { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 };
const eth0v4: NetworkInterfaceInfo = { address: '192.0.2.10', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.0.2.10/24' };

describe('guessPublicUrl', () => {
  it('uses the first non-internal IPv4 address when listening on all interfaces', () => {
    expect(guessPublicUrl({ lo: [lo], eth0: [eth0v6, eth0v4] }, 8080, '0.0.0.0')).toEqual({ url: 'http://192.0.2.10:8080', guessed: 'interface' });
  });

  it('uses the listen address when one is configured', () => {
    expect(guessPublicUrl({ eth0: [eth0v4] }, 81, '198.51.100.7')).toEqual({ url: 'http://198.51.100.7:81', guessed: 'listen-address' });
    expect(guessPublicUrl({}, 81, '2001:db8::5').url).toBe('http://[2001:db8::5]:81');
  });

  it('falls back to loopback and says so', () => {
    expect(guessPublicUrl({ lo: [lo] }, 8080, '0.0.0.0')).toEqual({ url: 'http://127.0.0.1:8080', guessed: 'loopback' });
  });
});

describe('publicUrlFor', () => {
  it('takes the configured URL as it is, without a trailing slash, and warns about nothing', () => {
    const log = captureLogger();
    expect(publicUrlFor({ publicUrl: 'https://pnp.example.net/base/', host: '0.0.0.0' }, { port: 8080, tls: false }, log.logger, {})).toBe('https://pnp.example.net/base');
    expect(log.lines).toEqual([]);
  });

  it('guesses from the bound port, https behind TLS, and warns that it guessed', () => {
    const log = captureLogger();
    expect(publicUrlFor({ host: '0.0.0.0' }, { port: 8443, tls: true }, log.logger, { eth0: [eth0v4] })).toBe('https://192.0.2.10:8443');
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, publicUrl: 'https://192.0.2.10:8443', msg: expect.stringContaining('guessed') }));
  });

  it('says phones cannot reach loopback', () => {
    const log = captureLogger();
    expect(publicUrlFor({ host: '0.0.0.0' }, { port: 8080, tls: false }, log.logger, { lo: [lo] })).toBe('http://127.0.0.1:8080');
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('cannot reach 127.0.0.1') }));
  });
});
