import { describe, expect, test, vi } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import type { DeviceDirectory } from '../../lib/devices/directory.js';
import type { PnpExchangeEvent, PnpResponderOptions } from '../../lib/sip/responder-options.js';
import { createPnpHandler, getPnp, pnpResponder, reopenHint } from '../../lib/sip/responder.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { tokenId } from '../../lib/security/tokens.js';
import type { InDialogRequest, InDialogResult, SentResponse, SrfExchange } from '../../lib/sip/srf-adapter.js';
import { captureLogger } from '../support/capture-logger.js';
import { FIXTURE_PHONE, readFixture, viewOf } from './sip-fixtures.js';

const SEED_EVENT = 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"';
const KNOWN: Device = { mac: '00135E874B49', accounts: [{ user: '201', registrar: 'pbx', password: 's3cret' }], functionKeys: [], phonebook: [], snom: [] };

interface FakeExchange extends SrfExchange {
  responses: Array<{ status: number; headers: Record<string, string> }>;
  requests: InDialogRequest[];
}

/** An exchange over a fixture, recording what the responder sends; the NOTIFY outcome is configurable. */
function exchange(text: string, opts: {
  method?: string; source?: { address?: string; port?: number };
  notify?: () => Promise<InDialogResult>; respond?: () => Promise<void>;
} = {}): FakeExchange {
  const view = viewOf(text, opts.source);
  const responses: FakeExchange['responses'] = [];
  const requests: InDialogRequest[] = [];
  return {
    request: { ...view, method: opts.method ?? 'SUBSCRIBE' },
    finalResponseSent: false,
    responses,
    requests,
    async respond(status, headers = {}) {
      responses.push({ status, headers });
      await opts.respond?.();
      const sent: SentResponse = { status, contact: headers['Contact'] ?? '<sip:192.0.2.10:5060>', dialogId: 'd' };
      return sent;
    },
    async requestInDialog(_sent, request) {
      requests.push(request);
      return opts.notify ? opts.notify() : { status: 200, reason: 'OK' };
    },
  };
}

function setup(options: Partial<PnpResponderOptions> = {}) {
  const capture = captureLogger();
  const events: PnpExchangeEvent[] = [];
  const handler = createPnpHandler({
    directory: new MemoryDirectory([KNOWN]),
    publicUrl: 'http://192.0.2.10:8080',
    logger: capture.logger,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const next = vi.fn();
  return { handler, next, events, lines: capture.lines, text: capture.text };
}

describe('the PnP exchange', () => {
  test('the seed: 200 with Expires 0, then one NOTIFY with the snom URL, the Event echoed and our Contact', async () => {
    const { handler, next, events, lines } = setup();
    const ex = exchange(readFixture('seed-snom-oem.txt'));
    expect(await handler.handle(ex, next)).toEqual({ result: 'notified', status: 200, url: 'http://192.0.2.10:8080/snom/' });
    expect(next).not.toHaveBeenCalled();
    expect(ex.responses).toEqual([{ status: 200, headers: { Expires: '0' } }]);
    expect(ex.requests).toEqual([{
      method: 'NOTIFY',
      headers: {
        Event: SEED_EVENT, 'Subscription-State': 'terminated;reason=timeout',
        Contact: '<sip:192.0.2.10:5060>', 'Content-Type': 'application/url',
      },
      body: 'http://192.0.2.10:8080/snom/',
    }]);
    expect(events.map((e) => e.type)).toEqual(['received', 'answered', 'notified']);
    expect(events[2]).toMatchObject({ type: 'notified', status: 200, known: true, mac: '00135E874B49', ip: FIXTURE_PHONE, vendor: 'snom', model: 'OEM', version: '7.1.19' });
    const sentLine = lines.find((l) => l.msg === 'provisioning URL sent');
    expect(sentLine).toMatchObject({ mac: '00135E874B49', ip: FIXTURE_PHONE, callId: '1930770594@192.168.10.67', status: 200 });
  });

  test('our configured Contact goes into the 200 and the NOTIFY', async () => {
    const { handler, next } = setup({ contact: '<sip:192.0.2.10:5060;transport=udp>' });
    const ex = exchange(readFixture('seed-snom-oem.txt'));
    await handler.handle(ex, next);
    expect(ex.responses[0]?.headers).toEqual({ Expires: '0', Contact: '<sip:192.0.2.10:5060;transport=udp>' });
    expect(ex.requests[0]?.headers['Contact']).toBe('<sip:192.0.2.10:5060;transport=udp>');
  });

  test.each([
    ['mac-colon-yealink.txt', { yealink: '{base}/yealink/{mac}.cfg' }, 'http://192.0.2.10:8080/yealink/805ec0a1b2c3.cfg'],
    ['mac-bare-grandstream-5059.txt', { grandstream: '{base}/gs' }, 'http://192.0.2.10:8080/gs/'],
    ['mac-equals-fanvil-5080.txt', { fanvil: '{base}/fv/$mac.cfg?model={model}' }, 'http://192.0.2.10:8080/fv/$mac.cfg?model=X4'],
    ['no-mac-audiocodes.txt', { default: '{base}/any/{mac}/{vendor}' }, 'http://192.0.2.10:8080/any/{mac}/audiocodes'],
    ['mac-only-in-to.txt', {}, 'http://192.0.2.10:8080/snom/'],
    ['compact-headers.txt', { snom: 'http://prov.example/snom/{MAC}.xml' }, 'http://prov.example/snom/00135E874B49.xml'],
  ])('%s -> %s', async (fixture, urls, url) => {
    const { handler, next } = setup({ urls });
    const ex = exchange(readFixture(fixture));
    expect(await handler.handle(ex, next)).toMatchObject({ result: 'notified', url });
    expect(ex.requests[0]?.body).toBe(url);
  });

  test('a phone that accepts only message/external-body gets it', async () => {
    const { handler, next } = setup({ urls: { default: '{base}/p/' } });
    const ex = exchange(readFixture('accept-external-body.txt'));
    await handler.handle(ex, next);
    expect(ex.requests[0]?.headers['Content-Type']).toBe('message/external-body; access-type="URL"; URL="http://192.0.2.10:8080/p/"');
  });
});

describe('requests that are not ours go on with next()', () => {
  test.each([
    ['another event package', readFixture('presence-subscribe.txt'), 'SUBSCRIBE'],
    ['another method', readFixture('seed-snom-oem.txt'), 'NOTIFY'],
    ['no Event header', readFixture('seed-snom-oem.txt').replace(/^Event:.*\r\n/m, ''), 'SUBSCRIBE'],
  ])('%s', async (_, text, method) => {
    const { handler, next, events } = setup();
    const ex = exchange(text, { method });
    expect(await handler.handle(ex, next)).toEqual({ result: 'passed' });
    expect(next).toHaveBeenCalledTimes(1);
    expect(ex.responses).toEqual([]);
    expect(events).toEqual([]);
  });
});

describe('silence: nothing is sent, and a log line says why', () => {
  test.each([
    ['Contact *', 'contact-wildcard.txt', {}, {}, 'unusable-contact'],
    ['no Contact', 'contact-missing.txt', {}, {}, 'unusable-contact'],
    ['Contact host is not the source', 'seed-snom-oem.txt', { address: '192.168.10.99' }, {}, 'contact-mismatch'],
    ['denied MAC prefix', 'seed-snom-oem.txt', {}, { access: { denyMacPrefixes: ['00:13:5E'] } }, 'denied-mac'],
    ['MAC not allowed', 'seed-snom-oem.txt', {}, { access: { allowMacPrefixes: ['000413'] } }, 'mac-not-allowed'],
    ['denied subnet', 'seed-snom-oem.txt', {}, { access: { denySubnets: ['192.168.10.0/24'] } }, 'denied-subnet'],
    ['subnet not allowed', 'seed-snom-oem.txt', {}, { access: { allowSubnets: ['10.0.0.0/8'] } }, 'subnet-not-allowed'],
    ['unknown device, policy ignore', 'mac-upper-escape-snom.txt', {}, { unknownDevices: 'ignore' }, 'unknown-device'],
  ] as const)('%s', async (_, fixture, source, options, reason) => {
    const { handler, next, events, lines } = setup(options);
    const ex = exchange(readFixture(fixture), { source });
    expect(await handler.handle(ex, next)).toEqual({ result: 'ignored', reason });
    expect(ex.responses).toEqual([]);
    expect(ex.requests).toEqual([]);
    expect(next).not.toHaveBeenCalled();
    expect(events.at(-1)).toMatchObject({ type: 'ignored', reason });
    expect(lines.some((l) => l['reason'] === reason)).toBe(true);
  });

  test('a vendor we render needs no URL configured: its own route is the default', async () => {
    const { handler, next, events } = setup();
    await handler.handle(exchange(readFixture('mac-colon-yealink.txt')), next);
    expect(events).toContainEqual(expect.objectContaining({ type: 'notified', vendor: 'yealink', url: 'http://192.0.2.10:8080/yealink/' }));
  });

  test('no URL for the vendor: the host application\'s business, passed on with next() unanswered', async () => {
    const { handler, next, events, lines } = setup();
    const ex = exchange(readFixture('no-mac-audiocodes.txt'));
    expect(await handler.handle(ex, next)).toEqual({ result: 'ignored', reason: 'no-url' });
    expect(ex.responses).toEqual([]);
    expect(ex.requests).toEqual([]);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith();
    expect(events.at(-1)).toMatchObject({ type: 'ignored', reason: 'no-url' });
    expect(lines.map((l) => l.msg)).toContain('no provisioning URL for vendor audiocodes: passed on');
  });
});

describe('never a second answer', () => {
  test('a SUBSCRIBE another middleware answered already is passed on, not answered', async () => {
    const { handler, next } = setup();
    const ex = { ...exchange(readFixture('mac-upper-escape-snom.txt')), finalResponseSent: true };
    expect(await handler.handle(ex, next)).toEqual({ result: 'passed' });
    expect(ex.responses).toEqual([]);
    expect(next).toHaveBeenCalledTimes(1);
  });

  test('answered by someone else while the device was looked up: no 200, no NOTIFY, a warning', async () => {
    const capture = captureLogger();
    let answeredElsewhere = false;
    const handler = createPnpHandler({
      directory: { lookup: async () => { answeredElsewhere = true; return undefined; }, defaults: () => ({}) },
      publicUrl: 'http://192.0.2.10:8080',
      logger: capture.logger,
    });
    const base = exchange(readFixture('mac-upper-escape-snom.txt'));
    const ex: FakeExchange = Object.create(base, { finalResponseSent: { get: () => answeredElsewhere } }) as FakeExchange;
    expect(await handler.handle(ex, vi.fn())).toEqual({ result: 'ignored', reason: 'already-answered' });
    expect(base.responses).toEqual([]);
    expect(base.requests).toEqual([]);
    expect(capture.lines.some((l) => l['reason'] === 'already-answered' && l.level === 40)).toBe(true);
  });
});

describe('unknown devices', () => {
  test('bootstrap (default): the same URL, flagged unknown', async () => {
    const { handler, next, events } = setup();
    const ex = exchange(readFixture('mac-upper-escape-snom.txt'));
    expect(await handler.handle(ex, next)).toMatchObject({ result: 'notified', url: 'http://192.0.2.10:8080/snom/' });
    expect(events.find((e) => e.type === 'notified')).toMatchObject({ known: false, mac: '000413A11FA7' });
  });

  test.each([[undefined, 404], [403, 403], [480, 480]])('reject with rejectStatus %s -> %s, no NOTIFY', async (rejectStatus, status) => {
    const { handler, next } = setup({ unknownDevices: 'reject', ...(rejectStatus === undefined ? {} : { rejectStatus }) });
    const ex = exchange(readFixture('mac-upper-escape-snom.txt'));
    expect(await handler.handle(ex, next)).toEqual({ result: 'answered', status });
    expect(ex.responses).toEqual([{ status, headers: {} }]);
    expect(ex.requests).toEqual([]);
  });

  test('a phone without a MAC is unknown without a lookup', async () => {
    const lookup = vi.fn(async () => undefined);
    const { handler, next } = setup({ directory: { lookup, defaults: () => ({}) }, urls: { default: '{base}/x/' } });
    await handler.handle(exchange(readFixture('no-mac-audiocodes.txt')), next);
    expect(lookup).not.toHaveBeenCalled();
  });

  test.each([
    ['hangs', (): Promise<Device | undefined> => new Promise<never>(() => undefined), 'device lookup timed out; treating the device as unknown'],
    ['rejects', async (): Promise<Device | undefined> => { throw new Error('db down'); }, 'device lookup failed; treating the device as unknown'],
    ['throws', (): Promise<Device | undefined> => { throw new Error('db down'); }, 'device lookup failed; treating the device as unknown'],
  ])('a lookup that %s counts as unknown, and the phone still gets its NOTIFY', async (_, lookup, message) => {
    const directory: DeviceDirectory = { lookup, defaults: () => ({}) };
    const { handler, next, lines, events } = setup({ directory, lookupTimeoutMs: 20 });
    const ex = exchange(readFixture('seed-snom-oem.txt'));
    expect(await handler.handle(ex, next)).toMatchObject({ result: 'notified' });
    expect(lines.map((l) => l.msg)).toContain(message);
    expect(events.find((e) => e.type === 'notified')).toMatchObject({ known: false });
  });
});

describe('repeats', () => {
  test('a retransmission never yields a second NOTIFY, while running or after', async () => {
    const { handler, next, lines } = setup();
    const text = readFixture('seed-snom-oem.txt');
    const first = exchange(text);
    const second = exchange(text);
    const third = exchange(text);
    const [a, b] = await Promise.all([handler.handle(first, next), handler.handle(second, next)]);
    const c = await handler.handle(third, next);
    expect(a).toMatchObject({ result: 'notified' });
    expect(b).toEqual({ result: 'ignored', reason: 'repeat' });
    expect(c).toEqual({ result: 'ignored', reason: 'repeat' });
    expect([...second.requests, ...third.requests, ...second.responses, ...third.responses]).toEqual([]);
    expect(lines.filter((l) => l.msg === 'repeated SUBSCRIBE ignored: already answered')).toHaveLength(2);
  });

  test('a new CSeq is ignored while the first exchange runs and answered in full after it', async () => {
    const { handler, next } = setup();
    const text = readFixture('seed-snom-oem.txt');
    const again = text.replace('CSeq: 1 SUBSCRIBE', 'CSeq: 2 SUBSCRIBE');
    let release: () => void = () => undefined;
    const first = exchange(text, { notify: () => new Promise((resolve) => { release = () => resolve({ status: 200, reason: 'OK' }); }) });
    const running = handler.handle(first, next);
    await vi.waitFor(() => expect(first.requests).toHaveLength(1));
    expect(await handler.handle(exchange(again), next)).toEqual({ result: 'ignored', reason: 'in-progress' });
    release();
    await running;
    const later = exchange(again);
    expect(await handler.handle(later, next)).toMatchObject({ result: 'notified' });
    expect(later.requests).toHaveLength(1);
  });

  test('a SUBSCRIBE inside a dialog is answered 481 and gets no NOTIFY', async () => {
    const { handler, next } = setup();
    const text = readFixture('seed-snom-oem.txt').replace('To: <sip:MAC%3a00135E874B49@intern.snom.de>', 'To: <sip:MAC%3a00135E874B49@intern.snom.de>;tag=ourtag');
    const ex = exchange(text);
    expect(await handler.handle(ex, next)).toEqual({ result: 'answered', status: 481 });
    expect(ex.requests).toEqual([]);
  });
});

describe('failures are logged, never thrown', () => {
  test('the phone does not accept the NOTIFY (408 from drachtio-server)', async () => {
    const { handler, next, lines, events } = setup();
    const ex = exchange(readFixture('seed-snom-oem.txt'), { notify: async () => ({ status: 408, reason: 'Request Timeout' }) });
    expect(await handler.handle(ex, next)).toMatchObject({ result: 'notified', status: 408 });
    expect(lines.find((l) => l.msg === 'phone did not accept the NOTIFY')).toMatchObject({ status: 408, mac: '00135E874B49' });
    expect(events.at(-1)).toMatchObject({ type: 'notified', status: 408 });
  });

  test('the NOTIFY cannot be sent (drachtio gone)', async () => {
    const { handler, next, lines, events } = setup();
    const ex = exchange(readFixture('seed-snom-oem.txt'), { notify: async () => { throw new Error('provided socket has been destroyed'); } });
    expect(await handler.handle(ex, next)).toEqual({ result: 'failed', stage: 'notify', reason: 'provided socket has been destroyed' });
    expect(lines.map((l) => l.msg)).toContain('NOTIFY failed');
    expect(events.at(-1)).toMatchObject({ type: 'failed', stage: 'notify' });
  });

  test('the 200 cannot be sent', async () => {
    const { handler, next, events } = setup();
    const ex = exchange(readFixture('seed-snom-oem.txt'), { respond: async () => { throw new Error('socket connection closed'); } });
    expect(await handler.handle(ex, next)).toEqual({ result: 'failed', stage: 'respond', reason: 'socket connection closed' });
    expect(ex.requests).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['received', 'failed']);
  });

  test('an onEvent hook that throws does not stop the exchange', async () => {
    const { handler, next, lines } = setup({ onEvent: () => { throw new Error('metrics broken'); } });
    const ex = exchange(readFixture('seed-snom-oem.txt'));
    expect(await handler.handle(ex, next)).toMatchObject({ result: 'notified' });
    expect(lines.filter((l) => l.msg === 'onEvent hook threw')).toHaveLength(3);
  });

  test('no secret of the device reaches the logs', async () => {
    const { handler, next, text } = setup();
    await handler.handle(exchange(readFixture('seed-snom-oem.txt')), next);
    expect(text()).not.toContain('s3cret');
  });
});

describe('pnpResponder middleware', () => {
  test('publishes what it parsed on req.pnp (typed through getPnp) and answers through res', async () => {
    const middleware = pnpResponder({ directory: new MemoryDirectory(), publicUrl: 'http://192.0.2.10:8080' });
    const view = viewOf(readFixture('seed-snom-oem.txt'));
    const req = { method: 'SUBSCRIBE', uri: view.uri, get: (name: string) => view.header(name), source_address: FIXTURE_PHONE, source_port: 5060, protocol: 'udp' };
    const sent: unknown[] = [];
    const res = { send: (status: number, _opts: unknown, cb: (err: unknown) => void) => { sent.push(status); cb('socket connection closed'); } };
    const next = vi.fn();
    middleware(req, res, next);
    expect(getPnp(req)).toMatchObject({ mac: '00135E874B49', event: { package: 'ua-profile' } });
    expect(Reflect.get(req, 'pnp')).toBe(getPnp(req));
    await vi.waitFor(() => expect(sent).toEqual([200]));
    expect(next).not.toHaveBeenCalled();
  });

  test('calls next() for what it cannot read and for other events', () => {
    const middleware = pnpResponder({ directory: new MemoryDirectory(), publicUrl: 'http://192.0.2.10:8080' });
    const next = vi.fn();
    middleware({}, {}, next);
    const view = viewOf(readFixture('presence-subscribe.txt'));
    const req = { method: 'SUBSCRIBE', uri: view.uri, get: (name: string) => view.header(name) };
    middleware(req, { send: () => undefined }, next);
    expect(next).toHaveBeenCalledTimes(2);
    expect(getPnp(req)).toBeUndefined();
  });
});

describe('with security', () => {
  const KEY = 'responder-test-key-at-least-32-bytes';

  test('a known device\'s NOTIFY URL carries a token bound to its MAC and source; logs and events carry only its id', async () => {
    const security = createPnpSecurity({ key: KEY });
    const { handler, next, events, text } = setup({ security });
    const ex = exchange(readFixture('seed-snom-oem.txt'));
    const outcome = await handler.handle(ex, next);
    const body = ex.requests[0]?.body ?? '';
    const token = /^http:\/\/192\.0\.2\.10:8080\/snom\/t\/([A-Za-z0-9_-]{24})\/$/.exec(body)?.[1];
    expect(token).toBeDefined();
    const id = tokenId(token ?? '');
    expect(outcome).toEqual({ result: 'notified', status: 200, url: `http://192.0.2.10:8080/snom/t/[token:${id}]/` });
    expect(security.tokens.check(token ?? '', { mac: '00135E874B49', address: FIXTURE_PHONE })).toMatchObject({ ok: true, id });
    expect(security.tokens.check(token ?? '', { mac: '00135E874B49', address: '192.168.10.68' })).toMatchObject({ ok: false, reason: 'other-address' });
    expect(events.find((e) => e.type === 'notified')).toMatchObject({ tokenId: id, url: `http://192.0.2.10:8080/snom/t/[token:${id}]/` });
    expect(text()).toContain(id);
    expect(text()).not.toContain(token);
  });

  test('the {mac} template gets the token in front of the file name', async () => {
    const { handler, next } = setup({ security: createPnpSecurity({ key: KEY }), urls: { snom: '{base}/snom/{mac}.xml' } });
    const ex = exchange(readFixture('seed-snom-oem.txt'));
    await handler.handle(ex, next);
    expect(ex.requests[0]?.body).toMatch(/^http:\/\/192\.0\.2\.10:8080\/snom\/t\/[A-Za-z0-9_-]{24}\/00135e874b49\.xml$/);
  });

  test('no token for an unknown device, nor for a URL into another server', async () => {
    const security = createPnpSecurity({ key: KEY });
    const unknown = setup({ security });
    const a = exchange(readFixture('mac-upper-escape-snom.txt'));
    await unknown.handler.handle(a, unknown.next);
    expect(a.requests[0]?.body).toBe('http://192.0.2.10:8080/snom/');
    const elsewhere = setup({ security, urls: { snom: 'http://other.example/snom/' } });
    const b = exchange(readFixture('seed-snom-oem.txt'));
    await elsewhere.handler.handle(b, elsewhere.next);
    expect(b.requests[0]?.body).toBe('http://other.example/snom/');
    expect(security.tokens.size).toBe(0);
  });

  test('SUBSCRIBEs over the source\'s limit get silence and a fail2ban line; other sources are answered', async () => {
    const capture = captureLogger();
    const security = createPnpSecurity({ key: KEY, rateLimits: { subscribe: { burst: 3, perMinute: 1 } }, logger: capture.logger });
    const { handler, next, events } = setup({ security, logger: capture.logger });
    const outcomes = [];
    const fresh = (i: number) => readFixture('seed-snom-oem.txt').replace('1930770594@', `${i}-1930770594@`);
    for (let i = 0; i < 6; i++) outcomes.push((await handler.handle(exchange(fresh(i)), next)).result);
    expect(outcomes).toEqual(['notified', 'notified', 'notified', 'ignored', 'ignored', 'ignored']);
    expect(events.filter((e) => e.type === 'ignored')).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ reason: 'rate-limited' })));
    expect(capture.lines.filter((l) => l.msg === `pnp: rate-limited ip=${FIXTURE_PHONE} kind=subscribe`)).toHaveLength(1);
    const other = exchange(fresh(7).replaceAll(FIXTURE_PHONE, '192.168.10.68'), { source: { address: '192.168.10.68' } });
    expect((await handler.handle(other, next)).result).toBe('notified');
  });

  test('a Contact elsewhere is refused by default, allowed for the configured subnets only', async () => {
    const allowed = setup({ allowContactMismatch: ['192.168.20.0/24'] });
    const fromAllowed = exchange(readFixture('seed-snom-oem.txt'), { source: { address: '192.168.20.5' } });
    expect(await allowed.handler.handle(fromAllowed, allowed.next)).toMatchObject({ result: 'notified' });
    expect(allowed.lines).toContainEqual(expect.objectContaining({ msg: 'Contact host differs from the source address; allowed by configuration', contactHost: FIXTURE_PHONE }));
    const fromElsewhere = exchange(readFixture('seed-snom-oem.txt'), { source: { address: '192.168.30.5' } });
    expect(await allowed.handler.handle(fromElsewhere, allowed.next)).toEqual({ result: 'ignored', reason: 'contact-mismatch' });
    const any = setup({ allowContactMismatch: true });
    expect(await any.handler.handle(exchange(readFixture('seed-snom-oem.txt'), { source: { address: '10.1.1.1' } }), any.next)).toMatchObject({ result: 'notified' });
  });

  test.each<[string, Partial<PnpResponderOptions>]>([
    ['pnpResponder: options.security must be the object createPnpSecurity() returns', { security: { tokens: {} } as never }],
    ['pnpResponder: options.allowContactMismatch must be true, false or a list of subnets', { allowContactMismatch: 'yes' as never }],
    ['pnpResponder: options.allowContactMismatch[0]: "nonsense" is not an IP address or CIDR subnet', { allowContactMismatch: ['nonsense'] }],
  ])('%s', (message, options) => {
    expect(() => setup(options)).toThrow(new TypeError(message));
  });
});

describe('the enrolled-device warning', () => {
  test.each([
    ['/var/lib/myapp/pnp-enrolment.jsonl', '`drachtio-pnp devices reopen 000413A11FA7 --enrolment /var/lib/myapp/pnp-enrolment.jsonl`'],
    ["/srv/my app/it's.jsonl", "`drachtio-pnp devices reopen 000413A11FA7 --enrolment '/srv/my app/it'\\''s.jsonl'`"],
    [undefined, 'EnrolmentRegister#reopen(mac, until, by) on the register in memory'],
  ])('register %s: names a command that works from any folder', (file, hint) => {
    expect(reopenHint('000413A11FA7', file)).toBe(hint);
  });
});
