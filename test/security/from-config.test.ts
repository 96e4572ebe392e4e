import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig, parseConfig } from '../../lib/config/load-config.js';
import { securityFromConfig } from '../../lib/security/from-config.js';
import { isPnpSecurity } from '../../lib/security/pnp-security.js';
import { captureLogger } from '../support/capture-logger.js';

/** The security of `yaml` loaded as the service loads it, from a config file in `configDir` (a new folder by default). */
async function fromYaml(yaml: string, configDir?: string) {
  const log = captureLogger();
  const dir = configDir ?? await mkdtemp(path.join(tmpdir(), 'pnp-sec-'));
  await writeFile(path.join(dir, 'config.yaml'), yaml);
  const { config } = await loadConfig('config.yaml', {}, dir);
  const result = await securityFromConfig(config.security, { logger: log.logger });
  return { result, dir, log };
}

describe('securityFromConfig', () => {
  test('defaults: secure, with the key file created beside the configuration (0600)', async () => {
    const { result, dir } = await fromYaml('');
    expect(isPnpSecurity(result.security)).toBe(true);
    const keyFile = path.join(dir, 'drachtio-pnp-credentials.key');
    expect(result.keySource).toBe(keyFile);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(result.allowContactMismatch).toBe(false);
    expect(result.tls).toBeUndefined();
  });

  test('the same key file gives the same credentials after a restart', async () => {
    const first = await fromYaml('');
    const second = await fromYaml('', first.dir);
    const creds = (r: typeof first) => (isPnpSecurity(r.result.security) ? r.result.security.credentials.forMac('000413A11FA7') : undefined);
    expect(creds(second)).toEqual(creds(first));
  });

  test('an inline key is used as given, and no file is written', async () => {
    const { result, dir } = await fromYaml('security:\n  credentials:\n    key: an-inline-key-of-at-least-thirty-two-chars\n');
    expect(result.keySource).toBe('security.credentials.key');
    await expect(stat(path.join(dir, 'drachtio-pnp-credentials.key'))).rejects.toThrow();
  });

  test('open mode: no key, and a warning', async () => {
    const { result, log } = await fromYaml('security:\n  mode: open\n');
    expect(result.security).toBe('open');
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('security.mode is open') }));
  });

  test('TLS paths are resolved against the configuration\'s folder; the options pass through', async () => {
    const { result, dir } = await fromYaml([
      'security:', '  allowContactMismatch: ["192.0.2.0/24"]',
      '  tls:', '    cert: tls/server.crt', '    key: /abs/server.key', '    ca: ca.pem', '    requireClientCert: true',
    ].join('\n'));
    expect(result.tls).toEqual({ cert: path.join(dir, 'tls/server.crt'), key: '/abs/server.key', ca: path.join(dir, 'ca.pem'), requireClientCert: true, checkClientMac: true });
    expect(result.allowContactMismatch).toEqual(['192.0.2.0/24']);
  });

  test('an unusable key file stops the start with a message naming it', async () => {
    await expect(securityFromConfig(parseConfig('security:\n  credentials:\n    keyFile: /dev/null/x.key\n', 't').security, { logger: captureLogger().logger }))
      .rejects.toThrow(/credentials key file \/dev\/null\/x\.key/);
  });

  test('the enrolment register lives beside the key file and outlives a restart', async () => {
    const first = await fromYaml('security:\n  credentials:\n    keyFile: data/credentials.key\n');
    expect(first.result.enrolmentFile).toBe(path.join(first.dir, 'data', 'drachtio-pnp-enrolment.jsonl'));
    const security = first.result.security;
    if (!isPnpSecurity(security)) throw new Error('expected secure mode');
    security.enrolment?.enrol('000413A11FA7', { ip: '192.0.2.5', token: 'lookup-key', tokenId: 'abc123' });
    security.enrolment?.close();
    const second = await fromYaml('security:\n  credentials:\n    keyFile: data/credentials.key\n', first.dir);
    const again = second.result.security;
    expect(isPnpSecurity(again) && again.enrolment?.status('000413A11FA7')).toBe('enrolled');
    if (isPnpSecurity(again)) again.enrolment?.close();
  });

  test('security.tokens.file keeps tokens across a restart', async () => {
    const first = await fromYaml('security:\n  tokens:\n    file: data/tokens.jsonl\n');
    expect(first.result.tokenFile).toBe(path.join(first.dir, 'data', 'tokens.jsonl'));
    if (!isPnpSecurity(first.result.security)) throw new Error('expected secure mode');
    const issued = first.result.security.tokens.issue('000413A11FA7', '192.0.2.5');
    first.result.close();
    const second = await fromYaml('security:\n  tokens:\n    file: data/tokens.jsonl\n', first.dir);
    if (!isPnpSecurity(second.result.security)) throw new Error('expected secure mode');
    expect(second.result.security.tokens.check(issued.token, { mac: '000413A11FA7', address: '192.0.2.5' }).ok).toBe(true);
    second.result.close();
    const memory = await fromYaml('');
    expect(memory.result.tokenFile).toBeUndefined();
    memory.result.close();
  });

  test('security.enrolment.file places it; lock: false turns it off, with a warning', async () => {
    const placed = await fromYaml('security:\n  enrolment:\n    file: reg/enrolled.jsonl\n');
    expect(placed.result.enrolmentFile).toBe(path.join(placed.dir, 'reg', 'enrolled.jsonl'));
    if (isPnpSecurity(placed.result.security)) placed.result.security.enrolment?.close();
    const off = await fromYaml('security:\n  enrolment:\n    lock: false\n');
    expect(off.result.enrolmentFile).toBeUndefined();
    expect(isPnpSecurity(off.result.security) && off.result.security.enrolment).toBeUndefined();
    expect(off.log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('security.enrolment.lock is off') }));
  });

  test('a register that cannot be opened stops the start with the path in the message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-sec-'));
    await writeFile(path.join(dir, 'taken'), 'a file where a folder must be');
    await expect(fromYaml('security:\n  enrolment:\n    file: taken/enrolled.jsonl\n', dir))
      .rejects.toThrow(`cannot open the enrolment register ${path.join(dir, 'taken', 'enrolled.jsonl')}`);
  });
});
