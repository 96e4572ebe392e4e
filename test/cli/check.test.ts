import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pnp-check-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** A phone-facing URL check accepts (not the examples' placeholder 192.0.2.10). */
const LAN = { PNP_PUBLIC_URL: 'http://198.51.100.7:8080' };

describe('drachtio-pnp check', () => {
  it('accepts the example configuration and inventory', async () => {
    const r = await runCli(['check', '--config', 'examples/config.yaml'], { env: LAN });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^configuration ok \(.*examples\/config\.yaml\)$/m);
    expect(r.stdout).toMatch(/^inventory ok \(.*examples\/inventory\.yaml\): \d+ device\(s\)$/m);
  });

  it('prints every inventory problem with file, line and field, and exits 1', async () => {
    const dir = await tempDir({
      'c.yaml': 'inventory: inv.yaml\n',
      'inv.yaml': 'devices:\n  - mac: 000413A11FA7\n    acounts: []\n  - mac: nonsense\n',
    });
    const r = await runCli(['check', '--config', path.join(dir, 'c.yaml')], { env: LAN });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^configuration ok/);
    expect(lines.some((l) => l.startsWith(`${path.join(dir, 'inv.yaml')}:3:`) && l.includes('acounts'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${path.join(dir, 'inv.yaml')}:4:`) && /mac/i.test(l))).toBe(true);
  });

  it('reports configuration problems and never the secret', async () => {
    const dir = await tempDir({ 'c.yaml': 'drachtio:\n  secret: 42\n  prot: 9022\n' });
    const r = await runCli(['check', '--config', path.join(dir, 'c.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 3: unknown key "drachtio.prot"');
    expect(r.stderr).toContain('line 2: drachtio.secret: invalid value');
    expect(r.stderr).not.toContain('42');
  });

  it('gives scripts JSON with --json', async () => {
    const dir = await tempDir({ 'c.yaml': 'inventory: missing.yaml\n' });
    const r = await runCli(['check', '--json', '--config', path.join(dir, 'c.yaml')]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; inventory: { problems: Array<{ message: string }> } };
    expect(report.ok).toBe(false);
    expect(report.inventory.problems).toEqual([{ source: path.join(dir, 'missing.yaml'), message: 'file not found' }]);
  });

  it('fails on a phone-facing URL that cannot work: none, the examples\' placeholder, loopback', async () => {
    const dir = await tempDir({ 'c.yaml': 'http:\n  port: 8080\n' });
    const none = await runCli(['check', '--config', path.join(dir, 'c.yaml')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('http.publicUrl (PNP_PUBLIC_URL) is not set');
    const placeholder = await runCli(['check', '--config', path.join(dir, 'c.yaml')], { env: { PNP_PUBLIC_URL: 'http://192.0.2.10:8080' } });
    expect(placeholder.code).toBe(1);
    expect(placeholder.stderr).toContain("the examples' placeholder address");
    const loopback = await runCli(['check', '--json', '--config', path.join(dir, 'c.yaml')], { env: { PNP_PUBLIC_URL: 'http://127.0.0.1:8080' } });
    expect(loopback.code).toBe(1);
    expect((JSON.parse(loopback.stdout) as { config: { problems: string[] } }).config.problems).toEqual([
      'http.publicUrl http://127.0.0.1:8080 is a loopback address: phones cannot reach it',
    ]);
    const fine = await runCli(['check', '--config', path.join(dir, 'c.yaml')], { env: LAN });
    expect(fine.code).toBe(0);
  });

  it('refuses a publicUrl with credentials or a query, as serve does, and never prints the password', async () => {
    for (const url of ['http://admin:s3cret@198.51.100.7:8080', 'http://198.51.100.7:8080/?a=1']) {
      const dir = await tempDir({ 'c.yaml': `http:\n  publicUrl: "${url}"\n` });
      const checked = await runCli(['check', '--config', path.join(dir, 'c.yaml')]);
      expect(checked.code).toBe(1);
      expect(checked.stderr).toContain('http.publicUrl: must be an absolute http(s) URL without credentials, query or fragment');
      expect(checked.stderr).not.toContain('s3cret');
      const served = await runCli(['serve', '--config', path.join(dir, 'c.yaml')]);
      expect(served.code).toBe(1);
      expect(served.stderr + served.stdout).toContain('http.publicUrl: must be an absolute http(s) URL without credentials, query or fragment');
    }
  });

  it('checks the inventory given with -i instead of the configured one, relative to the working directory', async () => {
    const dir = await tempDir({
      'c.yaml': 'inventory: configured.yaml\n',
      'configured.yaml': 'devices:\n  - mac: nonsense\n',
      'given.yaml': 'devices:\n  - mac: 000413A11FA7\n',
    });
    const given = await runCli(['check', '-c', path.join(dir, 'c.yaml'), '-i', path.relative(process.cwd(), path.join(dir, 'given.yaml'))], { env: LAN });
    expect(given.stderr).toBe('');
    expect(given.code).toBe(0);
    expect(given.stdout).toContain(`inventory ok (${path.join(dir, 'given.yaml')}): 1 device(s)`);
    const alone = await runCli(['check', '--inventory', path.join(dir, 'configured.yaml'), '--json']);
    expect(alone.code).toBe(1);
    expect(JSON.parse(alone.stdout)).toMatchObject({ ok: false, inventory: { file: path.join(dir, 'configured.yaml'), problems: [{ line: 2 }] } });
  });

  it('names the key and line of a password YAML misreads, never the password, in text and JSON', async () => {
    const account = (password: string) =>
      `devices:\n  - mac: 000413A11FA7\n    accounts:\n      - user: "2001"\n        registrar: pbx.example.net\n        password: ${password}\n`;
    const cases: Record<string, string> = {
      anchor: account('&Secr3t'), alias: account('*Secr3t'), tag: account('!Secr3t'), empty: account(''),
    };
    const dir = await tempDir(Object.fromEntries(Object.entries(cases).map(([name, text]) => [`${name}.yaml`, text])));
    const runs = await Promise.all(Object.keys(cases).flatMap((name) => [
      runCli(['check', '-i', path.join(dir, `${name}.yaml`)], { timeoutMs: 60_000 }),
      runCli(['check', '-i', path.join(dir, `${name}.yaml`), '--json'], { timeoutMs: 60_000 }),
    ]));
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(`${r.stdout}${r.stderr}`).not.toContain('Secr3t');
    }
    const [anchor, , alias, , tag, , empty] = runs.map((r) => r.stderr);
    expect(anchor).toContain(`${path.join(dir, 'anchor.yaml')}:6:`);
    expect(anchor).toContain('password: an anchor (&…) where a secret is expected');
    expect(alias).toContain('password: an alias (*…) where a secret is expected');
    expect(tag).toMatch(/tag\.yaml:6:\d+: password: unknown tag/);
    expect(empty).toMatch(/empty\.yaml:6:\d+: device 000413A11FA7: accounts\[0\]\.password: empty password/);
  }, 90_000);

  it('exits 2 on a usage error', async () => {
    const r = await runCli(['check', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
  });
});

describe('drachtio-pnp --version', () => {
  it('prints the version of the package', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
