/**
 * The route's access gate over real HTTP: what an attacker on the LAN gets by naming MACs, guessing tokens,
 * replaying another phone's URL or answering digest challenges, and what the phone itself gets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import DigestClient from 'digest-fetch';
import express from 'express';
import { afterEach, describe, expect, test } from 'vitest';
import type { ServedFileEvent } from '../../lib/http/provisioning-reply.js';
import { provisioningRouter, type ProvisioningRouterOptions } from '../../lib/http/provisioning-router.js';
import { EnrolmentRegister, readEnrolmentFile } from '../../lib/security/enrolment-register.js';
import { NeighbourTable } from '../../lib/security/neighbours.js';
import { createPnpSecurity, type PnpSecurityOptions } from '../../lib/security/pnp-security.js';
import { captureLogger } from '../support/capture-logger.js';
import { DigestSession, parseChallenges } from '../support/digest-client.js';
import { exampleDefaults, examplePhones, exampleSecrets } from '../support/example-devices.js';
import { request } from '../support/http-client.js';
import { listen, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';
import { FullDiskFs } from '../support/full-disk-fs.js';

const { manager, lab } = examplePhones;
const MAC = manager.device.mac;
const KEY = 'test-key-of-at-least-thirty-two-bytes';
const open: Listening[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((s) => s.close())); });

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

async function serve(options: { security?: Partial<PnpSecurityOptions> | 'open' | 'none'; router?: Partial<ProvisioningRouterOptions> } = {}) {
  const log = captureLogger();
  const c = clock();
  const events: ServedFileEvent[] = [];
  const security = options.security === 'open' ? 'open' as const : options.security === 'none' ? undefined
    : createPnpSecurity({ key: KEY, now: c.now, logger: log.logger, ...options.security });
  const app = express();
  app.use(provisioningRouter({
    directory: mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults),
    logger: log.logger, onServe: (e) => events.push(e), ...(security ? { security } : {}), ...options.router,
  }));
  const listening = await listen(app);
  open.push(listening);
  return { ...listening, log, clock: c, events, security: typeof security === 'object' ? security : undefined };
}

function expectNoSecret(text: string): void {
  for (const secret of exampleSecrets) expect(text).not.toContain(secret);
}

describe('without security options', () => {
  test('containers are served, a known device\'s settings are refused, scoped URLs do not exist', async () => {
    const { origin, log } = await serve({ security: 'none' });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('no security options') }));
    expect((await request(`${origin}/snom/snomD785-${MAC}.htm`)).status).toBe(200);
    const settings = await request(`${origin}/snom/${MAC}.xml`);
    expect(settings.status).toBe(403);
    expectNoSecret(settings.body);
    expect((await request(`${origin}/snom/a/${MAC}.xml`)).status).toBe(404);
    expect((await request(`${origin}/snom/t/${'A'.repeat(24)}/${MAC}.xml`)).status).toBe(404);
    // Unknown devices still get their bootstrap.
    expect((await request(`${origin}/snom/000413FFFFFF.xml`)).status).toBe(200);
  });

  test('bad security option: TypeError at build', () => {
    expect(() => provisioningRouter({ directory: mapDirectory([]), security: { tokens: {} } as never })).toThrow(/options.security must be/);
  });
});

describe('enumerating MACs without a token', () => {
  test('no path gives any secret: unscoped, guessed tokens, the authenticated route; then the source is limited', async () => {
    const { origin, log } = await serve();
    const macs = [...Object.values(examplePhones).map((p) => p.device.mac),
      ...Array.from({ length: 40 }, (_, i) => `000413${(0x922D00 + i).toString(16).toUpperCase()}`)];
    const statuses = new Map<number, number>();
    for (const mac of macs) {
      for (const path of [`/snom/${mac}.xml`, `/snom/snomD785-${mac}.htm`, `/snom/t/${'Q'.repeat(24)}/${mac}.xml`, `/snom/a/${mac}.xml`]) {
        const res = await request(`${origin}${path}`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expectNoSecret(res.body);
        expect(res.body).not.toContain('http_client_pass');
      }
    }
    // Unscoped: bootstrap (200); guessed tokens: 403 until the source is over its limit, then 429; digest: 401.
    expect([...statuses.keys()].sort()).toEqual([200, 401, 403, 429]);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^pnp: rate-limited ip=127\.0\.0\.1 kind=http-auth$/) }));
    expect(log.lines.filter((l) => /^pnp: auth-failed ip=127\.0\.0\.1 kind=token$/.test(l.msg))).toHaveLength(20);
    expectNoSecret(log.text());
  });

  test('a known device\'s unscoped settings are the bootstrap: PnP stays on, so it can come back with a token', async () => {
    const { origin, events } = await serve();
    const res = await request(`${origin}/snom/${MAC}.xml`, { headers: { 'user-agent': manager.userAgent } });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<pnp_config perm="R">on</pnp_config>');
    expectNoSecret(res.body);
    expect(events.map((e) => [e.kind, e.known, e.auth])).toEqual([['bootstrap', true, undefined]]);
  });
});

describe('tokens', () => {
  test('the token\'s device, from its address, in its window: the settings with credentials, audited', async () => {
    const { origin, security, log, events } = await serve();
    const issued = security!.tokens.issue(MAC, '127.0.0.1');
    const res = await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`, { headers: { 'user-agent': manager.userAgent } });
    expect(res.status).toBe(200);
    expect(res.header('cache-control')).toBe('no-store');
    expect(res.body).toContain(manager.device.accounts[0]?.password);
    const credentials = security!.credentials.forMac(MAC);
    expect(res.body).toContain(`<http_client_user perm="R">${MAC}</http_client_user>`);
    expect(res.body).toContain(`<http_client_pass perm="R">${credentials.password}</http_client_pass>`);
    expect(res.body).toContain(`<setting_server perm="R">${origin}/snom/a/</setting_server>`);
    expect(res.body).not.toContain(issued.token);
    expect(log.lines).toContainEqual(expect.objectContaining({
      level: 30, msg: 'provisioning file with secrets served', audit: true, mac: MAC, ip: '127.0.0.1',
      userAgent: manager.userAgent, file: `${MAC}.xml`, via: 'token', tokenId: issued.id,
    }));
    expect(events.at(-1)?.auth).toEqual({ via: 'token', tokenId: issued.id });
    expect(log.text()).not.toContain(issued.token);
    expect(log.text()).not.toContain(credentials.password);
  });

  test('from another address: refused', async () => {
    const { origin, security } = await serve();
    const issued = security!.tokens.issue(MAC, '127.0.0.1');
    const res = await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`, { localAddress: '127.0.0.2' });
    expect(res.status).toBe(403);
    expectNoSecret(res.body);
    expect((await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`)).status).toBe(200);
  });

  test('every failed check reaches onAuthFailure (for the auth-failure metric), with what failed and from where', async () => {
    const failures: Array<{ kind: string; ip: string }> = [];
    const { origin, security } = await serve({ router: { onAuthFailure: (f) => { failures.push(f); } } });
    const issued = security!.tokens.issue(lab.device.mac, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`)).status).toBe(403);
    expect((await request(`${origin}/snom/a/${MAC}.xml`, { headers: { authorization: 'Digest username="x"' } })).status).toBe(401);
    expect(failures).toEqual([{ kind: 'token', ip: '127.0.0.1' }, { kind: 'digest', ip: '127.0.0.1' }]);
    expect(() => provisioningRouter({ directory: mapDirectory([]), onAuthFailure: 'count' as never })).toThrow('provisioningRouter: options.onAuthFailure must be a function');
  });

  test('expired: refused', async () => {
    const { origin, security, clock: c } = await serve({ security: { tokens: { ttlSeconds: 60 } } });
    const issued = security!.tokens.issue(MAC, '127.0.0.1');
    c.advance(60_000);
    expect((await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`)).status).toBe(403);
  });

  test('for another device: refused, in every place a MAC can be named', async () => {
    const { origin, security, log } = await serve();
    const issued = security!.tokens.issue(lab.device.mac, '127.0.0.1');
    const res = await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`);
    expect(res.status).toBe(403);
    expectNoSecret(res.body);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'pnp: auth-failed ip=127.0.0.1 kind=token', reason: 'token other-device', tokenId: issued.id }));
    // The container under the token lists only the requested device's file, which the token does not open.
    const container = await request(`${origin}/snom/t/${issued.token}/snomD785-${MAC}.htm`);
    expect(container.body).toContain(`/snom/t/${issued.token}/${MAC}.xml`);
  });

  test('multi-use within the window up to maxUses, so a phone may retry', async () => {
    const { origin, security } = await serve({ security: { tokens: { maxUses: 2 } } });
    const { token } = security!.tokens.issue(MAC, '127.0.0.1');
    const url = `${origin}/snom/t/${token}/${MAC}.xml`;
    expect([(await request(url)).status, (await request(url)).status, (await request(url)).status]).toEqual([200, 200, 403]);
  });
});

describe('authenticated re-provisioning (HTTP Digest)', () => {
  test('a real digest client (digest-fetch) with the device\'s credentials gets its settings; a wrong password does not', async () => {
    const { origin, security, log } = await serve();
    const { user, password } = security!.credentials.forMac(MAC);
    for (const algorithm of ['MD5', 'SHA-256']) {
      const client = new DigestClient(user, password, { algorithm });
      const res = await client.fetch(`${origin}/snom/a/${MAC}.xml`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(manager.device.accounts[0]?.password);
      // The same client goes on with the same nonce and a higher nonce count.
      expect((await client.fetch(`${origin}/snom/a/snomD785-${MAC}.htm`)).status).toBe(200);
    }
    const wrong = await new DigestClient(user, 'not-the-password').fetch(`${origin}/snom/a/${MAC}.xml`);
    expect(wrong.status).toBe(401);
    expectNoSecret(await wrong.text());
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'pnp: auth-failed ip=127.0.0.1 kind=digest', reason: 'wrong answer', user: MAC }));
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning file with secrets served', via: 'digest', authUser: MAC }));
    expect(log.text()).not.toContain(password);
  });

  test('a replayed request (same Authorization) is refused with stale=true', async () => {
    const { origin, security } = await serve();
    const { user, password } = security!.credentials.forMac(MAC);
    const session = new DigestSession(user, password);
    const url = `${origin}/snom/a/${MAC}.xml`;
    const challenge = await request(url);
    expect(challenge.status).toBe(401);
    expect(session.accept(challenge.headers['www-authenticate'])).toBe(true);
    const authorization = session.authorization('GET', `/snom/a/${MAC}.xml`) ?? '';
    expect((await request(url, { headers: { authorization } })).status).toBe(200);
    const replay = await request(url, { headers: { authorization } });
    expect(replay.status).toBe(401);
    expect(parseChallenges(replay.headers['www-authenticate'])[0]?.params.stale).toBe('true');
    expectNoSecret(replay.body);
  });

  test('a stale nonce: 401 with stale=true, then the client retries with the new nonce', async () => {
    const { origin, security, clock: c, log } = await serve();
    const { user, password } = security!.credentials.forMac(MAC);
    const session = new DigestSession(user, password, ['SHA-256']);
    const url = `${origin}/snom/a/${MAC}.xml`;
    session.accept((await request(url)).headers['www-authenticate']);
    c.advance(301_000);
    const stale = await request(url, { headers: { authorization: session.authorization('GET', `/snom/a/${MAC}.xml`) ?? '' } });
    expect(stale.status).toBe(401);
    expect(parseChallenges(stale.headers['www-authenticate']).map((ch) => ch.params.stale)).toEqual(['true', 'true']);
    expect(session.accept(stale.headers['www-authenticate'])).toBe(true);
    expect((await request(url, { headers: { authorization: session.authorization('GET', `/snom/a/${MAC}.xml`) ?? '' } })).status).toBe(200);
    expect(log.lines.filter((l) => l.msg.startsWith('pnp: auth-failed'))).toEqual([]);
  });

  test('one device\'s credentials never open another device\'s files', async () => {
    const { origin, security } = await serve();
    const lab1 = security!.credentials.forMac(lab.device.mac);
    const res = await new DigestClient(lab1.user, lab1.password).fetch(`${origin}/snom/a/${MAC}.xml`);
    expect(res.status).toBe(403);
    expectNoSecret(await res.text());
    // They do open what is not a device's own file, and its own files.
    const client = new DigestClient(lab1.user, lab1.password);
    expect((await client.fetch(`${origin}/snom/a/snom710.htm`)).status).toBe(200);
    expect((await client.fetch(`${origin}/snom/a/${lab.device.mac}.xml`)).status).toBe(200);
  });

  test('Basic is not accepted over plain HTTP, even when enabled for TLS', async () => {
    const { origin, security } = await serve({ security: { digest: { basicOverTls: true } } });
    const { user, password } = security!.credentials.forMac(MAC);
    const res = await request(`${origin}/snom/a/${MAC}.xml`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
    expect(res.status).toBe(401);
    expect(parseChallenges(res.headers['www-authenticate']).map((c) => c.scheme)).toEqual(['digest', 'digest']);
  });
});

describe('rate limits on failed checks', () => {
  test('429 with Retry-After once over the limit; the bucket refills (injected clock): never a permanent ban', async () => {
    const { origin, clock: c, security } = await serve({ security: { rateLimits: { httpFailures: { burst: 3, perMinute: 6 } } } });
    const guess = `${origin}/snom/t/${'Z'.repeat(24)}/${MAC}.xml`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(guess)).status);
    expect(statuses).toEqual([403, 403, 403, 429, 429]);
    const limited = await request(guess);
    expect(limited.header('retry-after')).toBe('10');
    // Another address is not affected; files that need no check are still served to this one.
    expect((await request(guess, { localAddress: '127.0.0.3' })).status).toBe(403);
    expect((await request(`${origin}/snom/snomD785.htm`)).status).toBe(200);
    // Even the right token waits while the source is over its limit, then works.
    const { token } = security!.tokens.issue(MAC, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${token}/${MAC}.xml`)).status).toBe(429);
    c.advance(10_000);
    expect((await request(`${origin}/snom/t/${token}/${MAC}.xml`)).status).toBe(200);
  });
});

describe('access rules on HTTP', () => {
  test('MAC prefixes and ranges, and subnets, refuse with 403 before anything else', async () => {
    const { origin, log } = await serve({
      security: 'open',
      router: { access: { denyMacRanges: ['000413922D00-000413922DFF'], allowSubnets: ['127.0.0.0/30'] } },
    });
    expect((await request(`${origin}/snom/${MAC}.xml`)).status).toBe(403);
    expect((await request(`${origin}/snom/${lab.device.mac}.xml`)).status).toBe(200);
    expect((await request(`${origin}/snom/${lab.device.mac}.xml`, { localAddress: '127.0.0.9' })).status).toBe(403);
    // A file without a MAC is checked against the subnets (and the User-Agent's MAC, when it names one).
    expect((await request(`${origin}/snom/snomD785.htm`, { localAddress: '127.0.0.9' })).status).toBe(403);
    expect((await request(`${origin}/snom/snomD785.htm`, { headers: { 'user-agent': manager.userAgent } })).status).toBe(403);
    expect((await request(`${origin}/snom/snomD785.htm`)).status).toBe(200);
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning request refused by access rules', reason: 'denied-mac' }));
    expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning request refused by access rules', reason: 'subnet-not-allowed' }));
  });

  test('bad access options: TypeError at build', () => {
    expect(() => provisioningRouter({ directory: mapDirectory([]), access: { allowMacRanges: ['00:04:13:FF:FF:FF-00:04:13:00:00:00'] } }))
      .toThrow(/provisioningRouter: options.access.allowMacRanges\[0\]/);
  });
});

describe('enrolment: secrets go out under a token once per device', () => {
  test('once the phone has its settings, a token someone else obtained for its MAC is refused; the phone may retry', async () => {
    const { origin, security, log } = await serve();
    const impostor = security!.tokens.issue(MAC, '127.0.0.2'); // a SUBSCRIBE naming the MAC, before the phone's
    const phone = security!.tokens.issue(MAC, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${phone.token}/${MAC}.xml`)).status).toBe(200);
    expect(security!.enrolment?.status(MAC)).toBe('enrolled');

    const res = await request(`${origin}/snom/t/${impostor.token}/${MAC}.xml`, { localAddress: '127.0.0.2' });
    expect(res.status).toBe(403);
    expectNoSecret(res.body);
    expect(log.lines).toContainEqual(expect.objectContaining({
      msg: 'pnp: auth-failed ip=127.0.0.2 kind=token', reason: 'device already enrolled', tokenId: impostor.id,
    }));
    expect((await request(`${origin}/snom/t/${phone.token}/${MAC}.xml`)).status).toBe(200);
    expect(security!.enrolment?.state(MAC)?.enrolled).toMatchObject({ ip: '127.0.0.1', tokenId: phone.id });
  });

  test('with the register in a file, the record is on file before the secrets leave', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pnp-gate-')), 'enrolment.jsonl');
    const enrolment = EnrolmentRegister.open(file);
    const security = createPnpSecurity({ key: KEY, enrolment });
    const onFileWhenSent: boolean[] = [];
    const app = express();
    // What the file holds at the moment the response is handed to the socket.
    app.use((req, res, next) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.end = ((...args: unknown[]) => {
        if (req.url.endsWith(`${MAC}.xml`)) onFileWhenSent.push(readEnrolmentFile(file).has(MAC));
        return end(...args);
      }) as typeof res.end;
      next();
    });
    app.use(provisioningRouter({ directory: mapDirectory([manager.device], exampleDefaults), security }));
    const listening = await listen(app);
    open.push(listening);
    try {
      const { token } = security.tokens.issue(MAC, '127.0.0.1');
      const res = await request(`${listening.origin}/snom/t/${token}/${MAC}.xml`);
      expect(res.status).toBe(200);
      expect(res.body).toContain(manager.device.accounts[0]?.password ?? "\u0000");
      expect(onFileWhenSent).toEqual([true]);
    } finally {
      enrolment.close();
    }
  });

  test('an enrolment that cannot be written (a full disk) sends no secret: 503, and the retry sends them once it is on file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pnp-gate-')), 'enrolment.jsonl');
    const disk = new FullDiskFs();
    const { fs } = disk;
    const enrolment = EnrolmentRegister.open(file, { fs });
    const { origin, security } = await serve({ security: { enrolment } });
    try {
      const { token } = security!.tokens.issue(MAC, '127.0.0.1');
      const refused = await request(`${origin}/snom/t/${token}/${MAC}.xml`);
      expect(refused.status).toBe(503);
      expectNoSecret(refused.body);
      expect(readEnrolmentFile(file).has(MAC)).toBe(false);
      disk.full = false;
      const retried = await request(`${origin}/snom/t/${token}/${MAC}.xml`);
      expect(retried.status).toBe(200);
      expect(readEnrolmentFile(file).get(MAC)?.enrolled?.tokenId).toBeDefined();
    } finally {
      enrolment.close();
    }
  });

  test('the secret-free files and a HEAD do not enrol the device', async () => {
    const { origin, security } = await serve();
    const { token } = security!.tokens.issue(MAC, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${token}/snomD785-${MAC}.htm`)).status).toBe(200);
    expect((await request(`${origin}/snom/t/${token}/${MAC}.xml`, { method: 'HEAD' })).status).toBe(200);
    expect(security!.enrolment?.status(MAC)).toBe('open');
  });

  test('reopened by the operator, a new token enrols it again', async () => {
    const { origin, security, clock: c } = await serve();
    const first = security!.tokens.issue(MAC, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${first.token}/${MAC}.xml`)).status).toBe(200);
    security!.enrolment?.reopen(MAC, c.now() + 3_600_000, 'test');
    const second = security!.tokens.issue(MAC, '127.0.0.3');
    expect((await request(`${origin}/snom/t/${second.token}/${MAC}.xml`, { localAddress: '127.0.0.3' })).status).toBe(200);
    expect(security!.enrolment?.state(MAC)?.enrolled).toMatchObject({ ip: '127.0.0.3', tokenId: second.id });
    expect((await request(`${origin}/snom/t/${first.token}/${MAC}.xml`)).status).toBe(403);
  });

  test('with the lock off (enrolment: false), any valid token delivers the secrets', async () => {
    const { origin, security } = await serve({ security: { enrolment: false } });
    expect(security!.enrolment).toBeUndefined();
    const a = security!.tokens.issue(MAC, '127.0.0.1');
    const b = security!.tokens.issue(MAC, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${a.token}/${MAC}.xml`)).status).toBe(200);
    expect((await request(`${origin}/snom/t/${b.token}/${MAC}.xml`)).status).toBe(200);
  });
});

describe('the neighbour (ARP) check', () => {
  function arpTable(entries: Array<[string, string]>): NeighbourTable {
    const dir = mkdtempSync(path.join(tmpdir(), 'pnp-gate-arp-'));
    const file = path.join(dir, 'arp');
    writeFileSync(file, `IP address HW type Flags HW address Mask Device\n${entries.map(([ip, mac]) => `${ip} 0x1 0x2 ${mac} * eth0\n`).join('')}`);
    return new NeighbourTable({ file });
  }

  test('an address the kernel knows as another MAC gets no secret, even with a valid token; the device stays open', async () => {
    const { origin, security, log } = await serve({ security: { neighbours: arpTable([['127.0.0.2', '02:00:00:00:00:99']]) } });
    const impostor = security!.tokens.issue(MAC, '127.0.0.2');
    const res = await request(`${origin}/snom/t/${impostor.token}/${MAC}.xml`, { localAddress: '127.0.0.2' });
    expect(res.status).toBe(403);
    expectNoSecret(res.body);
    expect(log.lines).toContainEqual(expect.objectContaining({
      msg: 'pnp: auth-failed ip=127.0.0.2 kind=neighbour', reason: 'the address belongs to another MAC on this network', tokenId: impostor.id,
    }));
    expect(security!.enrolment?.status(MAC)).toBe('open');
  });

  test('the device\'s own MAC behind the address, or no entry for it at all: served', async () => {
    const own = MAC.match(/../g)!.join(':').toLowerCase();
    const { origin, security } = await serve({ security: { neighbours: arpTable([['127.0.0.1', own]]) } });
    const issued = security!.tokens.issue(MAC, '127.0.0.1');
    expect((await request(`${origin}/snom/t/${issued.token}/${MAC}.xml`)).status).toBe(200);
    const other = security!.tokens.issue(lab.device.mac, '127.0.0.3');
    expect((await request(`${origin}/snom/t/${other.token}/${lab.device.mac}.xml`, { localAddress: '127.0.0.3' })).status).toBe(200);
  });
});
