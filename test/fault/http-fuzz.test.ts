/**
 * HTTP fuzzing of the settings route, over raw TCP (no client library tidying paths up): odd paths, encodings,
 * methods, header sizes, User-Agents and credentials, seeded. Every answer is 2xx/3xx/4xx, never 5xx, and no
 * body ever carries the SIP password of a device other than the one the path names: in open mode (secrets to
 * whoever names a MAC) and in secure mode with a valid token for one device.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInventory, prng, type GeneratedInventory } from '../../bench/inventory-gen.js';
import { provisioningHandler } from '../../lib/http/provisioning-handler.js';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { silentLogger } from '../../lib/log/logger.js';
import { createPnpSecurity, type PnpSecurity } from '../../lib/security/pnp-security.js';
import { createHttpApp, provisioningFirst } from '../../lib/service/http-app.js';

const REQUESTS = 1000;
const PASSWORD = /pw-[0-9a-z]+-[0-9a-z]{6}/g;

interface RawResponse { status: number; raw: string }

/** Sends bytes on a fresh connection and reads until the server closes it (or 5 s pass). */
function rawRequest(port: number, request: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 5 s to ${JSON.stringify(request.subarray(0, 120).toString('latin1'))}`));
    }, 5000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      // An interim `100 Continue` (for `Expect: 100-continue`) comes before the final answer.
      const statuses = [...raw.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ status: statuses.find((s) => s >= 200) ?? statuses[0] ?? 0, raw });
    });
    socket.end(request);
  });
}

function fuzzRequests(inv: GeneratedInventory, seed: number, tokenOf: (mac: string) => string | undefined): Array<{ bytes: Buffer; macs: string[] }> {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const macA = inv.macs[1] ?? '';
  const macB = inv.macs[2] ?? '';
  const mac = (): string => pick([macA, macB, macA.toLowerCase(), `${macA.slice(0, 6)}:${macA.slice(6)}`, '000000000000', 'ZZZZZZZZZZZZ', macB.slice(0, 11)]);
  const token = (): string => pick([tokenOf(macA) ?? 'none', tokenOf(macB) ?? 'none', 'AAAAAAAAAAAAAAAAAAAAAA', '', '..', '%2e%2e', 'x'.repeat(300)]);
  const scope = (): string => pick(['', '', `t/${token()}/`, `t/${token()}/t/${token()}/`, 'a/', 't/', 't//', '%74/']);
  const file = (): string => pick([
    'snomD735.htm', `snomD735-${mac()}.htm`, `${mac()}.xml`, `${mac()}-firmware.xml`, `snomD785-${mac()}.htm`,
    `${mac()}.XML`, `${mac()}.xml.bak`, `..%2f${mac()}.xml`, `%2e%2e/${mac()}.xml`, `${mac()}%00.xml`, `${mac()}.xml;x=1`,
    `${mac()}.xml?mac=${mac()}`, `${mac()}.xml#${mac()}`, `%${mac()}.xml`, `${mac()}%2exml`, `\\${mac()}.xml`, 'ü.xml',
    `${'a'.repeat(pick([100, 600, 6000]))}.xml`, '', '.', '..', `snomD735-${mac()}-${mac()}.htm`,
  ]);
  // A third of the requests are nearly what a phone asks (its own file, its token if it has one).
  const plausible = (): string => {
    const m = pick([macA, macB]);
    const t = tokenOf(m);
    return `/snom/${t ? `t/${t}/` : ''}${pick([`${m}.xml`, `${m}.xml`, `snomD735-${m}.htm`, `${m}-firmware.xml`])}`;
  };
  const target = (): string => (random() < 0.33 ? plausible() : pick([
    `/snom/${scope()}${file()}`, `/snom/${scope()}${file()}`, `/snom/${scope()}${file()}`,
    `//snom/${file()}`, `/snom//${file()}`, `/SNOM/${file()}`, `/snom/../snom/${file()}`, `/snom/./${file()}`,
    `/%73nom/${file()}`, `/snom%2f${file()}`, '/', '/healthz', '/snom', '/snom/', '*', `http://evil.example/snom/${file()}`,
    `/snom/${scope()}${file()}?${'q'.repeat(pick([1, 3000]))}`, `/${'x/'.repeat(pick([10, 400]))}`,
  ]));
  const method = (): string => pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'get', 'FOO']);
  const userAgent = (): string | undefined => pick([
    undefined, `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 ${macA})`, `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 ${macB})`,
    `snomD785/10.1 ${mac()}`, 'curl/8', `x${'y'.repeat(pick([100, 9000, 20000]))}`, 'Mozilla/4.0 (compatible; snom',
  ]);
  const extra = (): string[] => pick([
    [], [], ['Authorization: Digest username="x", realm="r", nonce="n", uri="/", response="00"'],
    ['Authorization: Basic QUFBQTpCQkJC'], [`Authorization: ${'D'.repeat(10_000)}`],
    Array.from({ length: pick([50, 150]) }, (_, k) => `X-F${k}: ${k}`), ['Host: [::1'], ['Host: a', 'Host: b'],
    ['Transfer-Encoding: chunked', '', '5', 'hello', '0', ''], ['Content-Length: 5', '', 'hello'], ['Content-Length: -1'],
    ['Range: bytes=0-10'], ['If-None-Match: *'], ['Accept-Encoding: gzip, br'], ['Expect: 100-continue'],
  ]);
  const out: Array<{ bytes: Buffer; macs: string[] }> = [];
  for (let n = 0; n < REQUESTS; n++) {
    const t = target();
    const head = [`${method()} ${t} ${pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'])}`];
    if (random() < 0.95) head.push('Host: 127.0.0.1');
    const ua = userAgent();
    if (ua !== undefined) head.push(`User-Agent: ${ua}`);
    head.push('Connection: close');
    const more = extra();
    const blank = more.indexOf('');
    const headers = blank < 0 ? more : more.slice(0, blank);
    const body = blank < 0 ? '' : more.slice(blank + 1).join('\r\n');
    const text = `${[...head, ...headers].join('\r\n')}\r\n\r\n${body}`;
    const bytes = random() < 0.05 ? Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0xff, 0x00, 0xc3])]) : Buffer.from(text, 'utf8');
    // The devices the request names: by MAC (any case) in the request target.
    const named = inv.macs.filter((m) => t.toUpperCase().includes(m));
    out.push({ bytes, macs: named });
  }
  return out;
}

describe('HTTP fuzzing of the settings route', () => {
  let dir: string;
  let inventory: FileInventory;
  const inv = generateInventory(20, { seed: 11 });
  const servers: Server[] = [];

  async function serve(security: PnpSecurity | 'open'): Promise<number> {
    // Wired as `serve` wires it: the provisioning handler first on node:http, the express app (health, 404) behind.
    const app = createHttpApp({
      health: () => ({ status: 'ok', drachtio: { state: 'connected', since: new Date(0).toISOString() }, inventory: { devices: 20 } }),
    });
    const listener = provisioningFirst(provisioningHandler({ directory: inventory, logger: silentLogger, security }), app);
    const server = await new Promise<Server>((resolve) => { const s = createServer(listener).listen(0, '127.0.0.1', () => resolve(s)); });
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pnp-http-fuzz-'));
    await writeFile(path.join(dir, 'inventory.yaml'), inv.text);
    inventory = await FileInventory.open({ path: path.join(dir, 'inventory.yaml'), watch: false });
  });

  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    inventory?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fuzz(port: number, seed: number, tokenOf: (mac: string) => string | undefined): Promise<{ statuses: Map<number, number>; withSecrets: number }> {
    const requests = fuzzRequests(inv, seed, tokenOf);
    const statuses = new Map<number, number>();
    let withSecrets = 0;
    const problems: string[] = [];
    for (let i = 0; i < requests.length; i += 16) {
      await Promise.all(requests.slice(i, i + 16).map(async ({ bytes, macs }) => {
        const res = await rawRequest(port, bytes);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const line = bytes.subarray(0, 100).toString('latin1').split('\r\n')[0];
        if (res.status < 200 || res.status >= 500) problems.push(`${res.status} for ${line}`);
        const allowed = macs.length === 1 ? inv.passwords.get(macs[0] ?? '') : undefined;
        const found = res.raw.match(PASSWORD) ?? [];
        if (found.length > 0) withSecrets++;
        for (const pw of found) {
          if (pw !== allowed) problems.push(`another device's password in the answer to ${line}`);
        }
      }));
    }
    expect(problems).toEqual([]);
    return { statuses, withSecrets };
  }

  it('open mode: only 2xx-4xx, and a device\'s secrets only in answers that name that device', async () => {
    const port = await serve('open');
    const { statuses, withSecrets } = await fuzz(port, 101, () => undefined);
    // The fuzz reached the route's answers, not only the HTTP parser's, secrets included.
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(withSecrets).toBeGreaterThan(5);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 60_000);

  it('secure mode with a valid token for one device: never another device\'s secrets, never 5xx', async () => {
    const security = createPnpSecurity({ key: randomBytes(32), tokens: { bind: 'none', maxUses: 100_000 } });
    const macA = inv.macs[1] ?? '';
    const tokenA = security.tokens.issue(macA, '127.0.0.1').token;
    const port = await serve(security);
    const { statuses, withSecrets } = await fuzz(port, 202, (mac) => (mac === macA ? tokenA : undefined));
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(withSecrets).toBeGreaterThan(0);
  }, 60_000);
});
