/**
 * The plugin as a drachtio developer meets it: the packed package (npm pack) installed into fresh applications (an
 * ES-module one running examples/plugin-host.mjs, a CommonJS one running examples/plugin-host.cjs, an ES-module
 * TypeScript one compiling the example with tsc), each provisioning a Snom phone end to end through the drachtio
 * wire test server, while the host's own presence handler keeps answering.
 *
 * It needs the build (`npm run build`, which .ci/run does before the tests; built here when missing). The fresh
 * applications get the project's node_modules linked in, package by package: no network.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone } from '../support/fake-phone.js';
import { getHeader } from '../support/sip-text.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const npm = (args: string[], cwd = ROOT) => run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024 });

let work: string;
let tarball: string;
let server: DrachtioTestServer;
let phone: FakePhone;

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/lib/plugin/create-pnp.js')) || !existsSync(path.join(ROOT, 'dist/lib/service/index.js'))) {
    await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
  }
  work = await mkdtemp(path.join(tmpdir(), 'pnp-package-'));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', work]);
  tarball = path.join(work, (JSON.parse(stdout) as Array<{ filename: string }>)[0]?.filename ?? '');
  // A tenth of the real timers: the NOTIFY's 408 after 3.2 s, not 0.32 s, which a loaded machine could miss.
  server = await DrachtioTestServer.start({ timerScale: 0.1 });
  phone = await FakePhone.start();
}, 180_000);

afterAll(async () => {
  await phone?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the compiled entry points, the CLI and the examples, and no sources, tests or benches', async () => {
    const { stdout } = await npm(['pack', '--dry-run', '--json']);
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/service/index.js',
      'dist/lib/service/index.d.ts', 'dist/lib/cli/main.js', 'examples/plugin-host.mjs', 'examples/plugin-host.cjs',
      'examples/inventory.yaml', 'examples/config.yaml', 'drachtio.conf.xml',
    ]));
    expect(files.filter((f) => !/^(dist\/lib\/|examples\/|package\.json$|README\.md$|LICENSE|drachtio\.conf\.xml$)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  }, 60_000);
});

describe('a fresh application using the packed package', () => {
  it('ES module: examples/plugin-host.mjs as it stands provisions a Snom phone, and the host still answers presence', async () => {
    const app = await freshApp('esm-app', { type: 'module' });
    await copyFile(path.join(ROOT, 'examples/plugin-host.mjs'), path.join(app, 'host.mjs'));
    await provisionThrough(app, ['host.mjs']);
  }, 60_000);

  it('CommonJS: require("drachtio-pnp") works, and examples/plugin-host.cjs provisions a Snom phone', async () => {
    const app = await freshApp('cjs-app', {});
    await copyFile(path.join(ROOT, 'examples/plugin-host.cjs'), path.join(app, 'host.cjs'));
    const { stdout } = await run(process.execPath, ['-e', 'const p = require("drachtio-pnp"); console.log(typeof p.createPnp, typeof require("drachtio-pnp/service"))'], { cwd: app });
    expect(stdout.trim()).toBe('function object');
    await provisionThrough(app, ['host.cjs']);
  }, 60_000);

  it('TypeScript (ES module, strict): the example compiles against the shipped types and provisions a Snom phone', async () => {
    const app = await freshApp('ts-app', { type: 'module' });
    await copyFile(path.join(ROOT, 'examples/plugin-host.mjs'), path.join(app, 'host.mts'));
    await writeFile(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], skipLibCheck: true, outDir: 'out' },
      files: ['host.mts'],
    }));
    const tsc = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app })
      .catch((err: { stdout?: string }) => ({ stdout: `tsc failed: ${err.stdout ?? String(err)}` }));
    expect(tsc.stdout).toBe('');
    await provisionThrough(app, ['out/host.mjs']);
  }, 120_000); // tsc over the example and the package's types: 5 s on an idle machine, 20 s and more on a loaded one

  it('the CommonJS twin of the example is the same code', async () => {
    const body = (file: string) => readFileSync(path.join(ROOT, 'examples', file), 'utf8').split('\n')
      .filter((l) => l.trim() !== '' && !/^(import |const .* = require\(|\/\/)/.test(l));
    const esm = body('plugin-host.mjs');
    const cjs = body('plugin-host.cjs');
    for (const line of esm) expect(cjs, line).toContain(line);
  });
});

/** A folder with package.json, the packed package under node_modules and the project's packages linked beside it. */
async function freshApp(name: string, fields: Record<string, string>): Promise<string> {
  const app = path.join(work, name);
  const modules = path.join(app, 'node_modules');
  await mkdir(path.join(modules, 'drachtio-pnp'), { recursive: true });
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name, private: true, ...fields }));
  await run('tar', ['xzf', tarball, '-C', path.join(modules, 'drachtio-pnp'), '--strip-components=1']);
  for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === 'drachtio-pnp' || entry === '.bin' || entry.startsWith('.')) continue;
    symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  await copyFile(path.join(ROOT, 'examples/inventory.yaml'), path.join(app, 'inventory.yaml'));
  return app;
}


/** Starts the host application, provisions a Snom phone through it, checks presence still reaches the host. */
async function provisionThrough(app: string, args: string[]): Promise<void> {
  const httpPort = await freePort();
  const publicUrl = `http://127.0.0.1:${httpPort}`;
  const routesBefore = server.stats().routes.length;
  const child = spawn(process.execPath, args, {
    cwd: app,
    env: {
      PATH: process.env.PATH, HTTP_PORT: String(httpPort), PUBLIC_URL: publicUrl, DATA_DIR: path.join(app, 'data'),
      DRACHTIO_HOST: '127.0.0.1', DRACHTIO_PORT: String(server.adminPort), DRACHTIO_SECRET: 'cymru', LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  try {
    await waitFor(() => output.includes('provisioning route listening') && server.stats().routes.length > routesBefore, child, () => output);
    const sent = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, {
      mac: '000413A11FA7', macForm: 'MAC%3a', vendor: 'snom', model: 'snomD735', version: '10.1.33.33', userAgent: 'snomD735/10.1.33.33',
    });
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    const notify = await phone.waitForNotify(sent);
    // The NOTIFY leads to where the router is mounted: createPnp's one root.
    expect(notify.body).toMatch(new RegExp(`^${publicUrl}/prov/snom/t/[A-Za-z0-9_-]{24}/$`));
    const result = await provisionSnomPhone({
      notifyUrl: notify.body, mac: '000413A11FA7', phoneType: 'snomD735',
      userAgent: 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413A11FA7 SXM:0 UXM:0)',
    });
    expect(result.problems).toEqual([]);
    expect(result.requests.every((r) => r.status === 200)).toBe(true);
    expect(result.setting('user_name', 1)).toBe('2001');
    expect(result.setting('setting_server')).toBe(`${publicUrl}/prov/snom/a/`);

    // The host's own presence handler still answers; another package gets 489 naming both.
    const presence = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, { event: 'presence' });
    expect((await phone.waitForResponse(presence)).status).toBe(200);
    const dialog = phone.subscribe({ host: '127.0.0.1', port: server.sipPort }, { event: 'dialog' });
    const refused = await phone.waitForResponse(dialog);
    expect(refused.status).toBe(489);
    expect(getHeader(refused, 'allow-events')).toBe('ua-profile, presence');

    // The plugin's lines are told apart from the host's, and none is an error. The NOTIFY's line is written when the
    // phone's 200 reaches the application, which may be after the phone fetched its files.
    type Line = { level: number; component?: string; msg: string };
    // Only whole lines: the last one may still be arriving.
    const lines = (): Line[] => output.split('\n').slice(0, -1).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
    await waitFor(() => lines().some((l) => l.component === 'drachtio-pnp' && l.msg === 'provisioning URL sent'), child, () => output);
    expect(lines().filter((l) => l.level >= 50)).toEqual([]);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await server.waitFor(() => server.stats().routes.length <= routesBefore, 5000).catch(() => undefined);
  }
}

async function waitFor(ready: () => boolean, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 45_000; // generous: a loaded machine takes seconds to start Node with the package
  while (!ready()) {
    if (child.exitCode !== null) throw new Error(`the host application exited (${child.exitCode}):\n${output()}`);
    if (Date.now() > deadline) throw new Error(`the host application did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
