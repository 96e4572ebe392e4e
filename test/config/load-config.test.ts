import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config/load-config.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('gives the built-in defaults for an empty file', () => {
    const c = parseConfig('', 'x');
    expect(c.drachtio).toEqual({ host: '127.0.0.1', port: 9022, secret: 'cymru', pingSeconds: 15, reconnectMaxSeconds: 10 });
    expect(c.http.port).toBe(8080);
    expect(c.pnp.unknownDevices).toBe('bootstrap');
    expect(c.inventory).toBeUndefined();
  });

  it('names an unknown key with its line', () => {
    const text = 'drachtio:\n  host: 10.0.0.1\n  secert: x\n';
    expect(problemsOf(() => parseConfig(text, 'f.yaml'))).toEqual(['line 3: unknown key "drachtio.secert"']);
  });

  it('names a wrongly typed key with its line', () => {
    const text = 'http:\n  port: "eighty"\n';
    const [p] = problemsOf(() => parseConfig(text, 'f.yaml'));
    expect(p).toMatch(/^line 2: http\.port: /);
  });

  it('reports a YAML syntax error with its line', () => {
    const [p] = problemsOf(() => parseConfig('http:\n  port: [1,\n', 'f.yaml'));
    expect(p).toMatch(/^line \d+: /);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf(() => parseConfig('- a\n- b\n', 'f.yaml'))).toEqual(['the file must be a YAML mapping (key: value pairs)']);
  });

  it('lets the environment override the file', () => {
    const c = parseConfig('drachtio:\n  host: a\nhttp:\n  port: 1000\n', 'f', {
      DRACHTIO_HOST: 'drachtio.lan', DRACHTIO_PORT: '9023', DRACHTIO_SECRET: 's', PNP_HTTP_PORT: '8081',
      PNP_PUBLIC_URL: 'http://192.0.2.10:8081', PNP_INVENTORY: 'inv.yaml',
    });
    expect(c.drachtio.host).toBe('drachtio.lan');
    expect(c.drachtio.port).toBe(9023);
    expect(c.drachtio.secret).toBe('s');
    expect(c.http.port).toBe(8081);
    expect(c.http.publicUrl).toBe('http://192.0.2.10:8081');
    expect(c.inventory).toBe('inv.yaml');
  });

  it('says which environment variable is wrong', () => {
    expect(problemsOf(() => parseConfig('', 'f', { DRACHTIO_PORT: 'abc' }))).toEqual(['DRACHTIO_PORT: must be a port number, got "abc"']);
    const [p] = problemsOf(() => parseConfig('', 'f', { PNP_PUBLIC_URL: 'ftp://x' }));
    expect(p).toMatch(/^http\.publicUrl \(from PNP_PUBLIC_URL\): /);
  });

  it('never echoes the secret in an error', () => {
    const problems = problemsOf(() => parseConfig('drachtio:\n  secret: 12345\n', 'f'));
    expect(problems.join('\n')).not.toContain('12345');
    expect(problems[0]).toBe('line 2: drachtio.secret: invalid value');
  });

  it('takes drachtio.pingSeconds as 0 (off) or 5 to 300, and refuses the rest instead of bending it', () => {
    for (const ok of [0, 5, 15, 300]) expect(parseConfig(`drachtio:\n  pingSeconds: ${ok}\n`, 'f').drachtio.pingSeconds).toBe(ok);
    for (const bad of [1, 4.5, 301, -1]) {
      expect(problemsOf(() => parseConfig(`drachtio:\n  pingSeconds: ${bad}\n`, 'f'))[0]).toMatch(/^line 2: drachtio\.pingSeconds: /);
    }
  });

  it('rejects an unknown unknown-device policy', () => {
    const [p] = problemsOf(() => parseConfig('pnp:\n  unknownDevices: maybe\n', 'f'));
    expect(p).toMatch(/^line 2: pnp\.unknownDevices: /);
  });
});

describe('loadConfig', () => {
  it('resolves the inventory against the config file folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-config-'));
    await writeFile(path.join(dir, 'c.yaml'), 'inventory: devices.yaml\n');
    const loaded = await loadConfig('c.yaml', {}, dir);
    expect(loaded.inventoryPath).toBe(path.join(dir, 'devices.yaml'));
  });

  it('resolves PNP_INVENTORY against the working directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-config-'));
    await writeFile(path.join(dir, 'c.yaml'), 'inventory: devices.yaml\n');
    const loaded = await loadConfig(path.join(dir, 'c.yaml'), { PNP_INVENTORY: 'other.yaml' }, '/srv');
    expect(loaded.inventoryPath).toBe('/srv/other.yaml');
  });

  it('makes every file path absolute once, against the config file\'s folder (against cwd without a file)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-config-'));
    await writeFile(path.join(dir, 'c.yaml'), [
      'state:', '  file: data/events.jsonl',
      'security:', '  credentials:', '    keyFile: keys/k.key', '  enrolment:', '    file: /var/lib/pnp/enrolment.jsonl',
      '  tokens:', '    file: tokens.jsonl', '  tls:', '    cert: tls/server.crt', '    key: tls/server.key',
    ].join('\n'));
    const { config } = await loadConfig('c.yaml', { PNP_STATE_FILE: 'other.jsonl' }, dir);
    expect([config.state.file, config.security.credentials.keyFile, config.security.enrolment.file, config.security.tokens.file])
      .toEqual([path.join(dir, 'other.jsonl'), path.join(dir, 'keys/k.key'), '/var/lib/pnp/enrolment.jsonl', path.join(dir, 'tokens.jsonl')]);
    expect(config.security.tls).toMatchObject({ cert: path.join(dir, 'tls/server.crt'), key: path.join(dir, 'tls/server.key') });
    expect((await loadConfig(undefined, {}, '/srv')).config.state.file).toBe('/srv/drachtio-pnp-events.jsonl');
  });

  it('reports a missing file plainly', async () => {
    await expect(loadConfig('/nonexistent/c.yaml', {}, '/')).rejects.toThrow(/nonexistent\/c\.yaml:\n  - file not found/);
  });

  it('runs on defaults without a file', async () => {
    const loaded = await loadConfig(undefined, {}, '/');
    expect(loaded.file).toBeUndefined();
    expect(loaded.inventoryPath).toBeUndefined();
  });
});

describe('environment overrides for containers', () => {
  it('puts the key file and the event log where PNP_KEY_FILE and PNP_STATE_FILE say', () => {
    const c = parseConfig('', 'f', { PNP_KEY_FILE: '/var/lib/drachtio-pnp/credentials.key', PNP_STATE_FILE: '/var/lib/drachtio-pnp/events.jsonl' });
    expect(c.security.credentials.keyFile).toBe('/var/lib/drachtio-pnp/credentials.key');
    expect(c.state.file).toBe('/var/lib/drachtio-pnp/events.jsonl');
  });

  it('takes the API token from PNP_API_TOKEN and never echoes a bad one', () => {
    expect(parseConfig('', 'f', { PNP_API_TOKEN: 'a-long-random-api-token' }).api.token).toBe('a-long-random-api-token');
    const problems = problemsOf(() => parseConfig('', 'f', { PNP_API_TOKEN: 'short' }));
    expect(problems).toEqual(['api.token (from PNP_API_TOKEN): invalid value']);
  });
});
