/**
 * SIP fuzzing: thousands of mutated SUBSCRIBEs (seeded, reproducible) built from the real variants in
 * test/fixtures/sip, mixed with well-formed PnP SUBSCRIBEs, sent through the drachtio wire test server into the
 * real responder. The process never dies, every well-formed SUBSCRIBE gets exactly one NOTIFY, no mutant gets two,
 * and drachtio-server never "crashes" (it segfaults when a SUBSCRIBE with `Contact: *` is answered).
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/inventory-gen.js';
import { startTestbed, type Testbed } from '../sip/pnp-testbed.js';
import { ANSWERABLE_FIXTURES, asPhone, readFixture } from '../sip/sip-fixtures.js';
import type { FakePhone, SentSubscribe } from '../support/fake-phone.js';
import { getHeader, parseVia } from '../support/sip-text.js';

const SEED = 0x5eed6;
const MUTANTS = 1600;
const WELL_FORMED = 160;

const random = prng(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

const ALL_FIXTURES = readdirSync(new URL('../fixtures/sip/', import.meta.url)).filter((f) => f.endsWith('.txt'));

let counter = 0;
/** The text with a fresh Call-ID, From tag and Via branch, so that it is a new request (not a retransmission). */
function fresh(text: string): string {
  const id = `fz${SEED.toString(36)}${(++counter).toString(36)}`;
  return text.split('\r\n').map((line) => {
    const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
    if (name === 'call-id' || name === 'i') return `${line.slice(0, line.indexOf(':'))}: ${id}@fuzz`;
    if (name === 'from' || name === 'f') return line.replace(/tag=[^;\s]+/i, `tag=${id}`);
    if (name === 'via' || name === 'v') return line.replace(/branch=[^;\s]+/i, `branch=z9hG4bK${id}`);
    return line;
  }).join('\r\n');
}

type Mutation = (lines: string[]) => string[] | Buffer;
const headerIndex = (lines: string[], names: string[]): number =>
  lines.findIndex((l, i) => i > 0 && names.includes(l.slice(0, l.indexOf(':')).trim().toLowerCase()));
const without = (names: string[]): Mutation => (lines) => lines.filter((l, i) => i === 0 || !names.includes(l.slice(0, l.indexOf(':')).trim().toLowerCase()));
const replaceHeader = (names: string[], value: () => string): Mutation => (lines) => {
  const i = headerIndex(lines, names);
  if (i < 0) return lines;
  const copy = [...lines];
  copy[i] = `${lines[i]?.slice(0, lines[i]?.indexOf(':'))}: ${value()}`;
  return copy;
};
const headerLines = (lines: string[]): number[] => lines.map((_, i) => i).filter((i) => i > 0 && (lines[i] ?? '') !== '');

const MUTATIONS: Record<string, Mutation> = {
  truncate: (lines) => {
    const text = lines.join('\r\n');
    return text.slice(0, int(1, text.length - 1)).split('\r\n');
  },
  duplicateHeader: (lines) => {
    const i = pick(headerLines(lines));
    const copy = [...lines];
    copy.splice(i, 0, lines[i] ?? '');
    return copy;
  },
  duplicateWithOtherValue: (lines) => {
    const i = pick(headerLines(lines));
    const line = lines[i] ?? '';
    const copy = [...lines];
    copy.splice(i + 1, 0, `${line.slice(0, line.indexOf(':'))}: ${pick(['*', '<sip:10.9.9.9:5060>', 'ua-profile', '2 SUBSCRIBE', 'x'])}`);
    return copy;
  },
  hugeValue: (lines) => {
    const i = pick(headerLines(lines));
    const copy = [...lines];
    copy[i] = `${lines[i] ?? ''}${'x'.repeat(pick([300, 1200, 4000, 8100, 8300, 20_000]))}`;
    return copy;
  },
  manyHeaders: (lines) => [...lines.slice(0, 1), ...Array.from({ length: int(50, 400) }, (_, k) => `X-Fuzz-${k}: ${k}`), ...lines.slice(1)],
  badBytes: (lines) => {
    const text = Buffer.from(lines.join('\r\n'), 'latin1');
    const at = int(0, text.length - 1);
    const junk = Buffer.from(pick([[0xff, 0xfe], [0xc3], [0xe2, 0x82], [0x00], [0xed, 0xa0, 0x80], [0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]]));
    return Buffer.concat([text.subarray(0, at), junk, text.subarray(at)]);
  },
  utf8Names: replaceHeader(['from', 'f'], () => `"Tëst ☎ ${'ü'.repeat(int(1, 50))}" <sip:MAC%3a00135E874B49@intern.snom.de>;tag=${int(1, 1e9)}`),
  noCallId: without(['call-id', 'i']),
  noFrom: without(['from', 'f']),
  noTo: without(['to', 't']),
  noContact: without(['contact', 'm']),
  noVia: without(['via', 'v']),
  noCSeq: without(['cseq']),
  noEvent: without(['event', 'o']),
  contactStar: replaceHeader(['contact', 'm'], () => '*'),
  contactOdd: replaceHeader(['contact', 'm'], () => pick(['<sip:>', 'sip:', '<sip:10.9.9.9:5060>', '<tel:+4930>', '<sip:[::1]:5060>', '"x" <sip:a@b:99999>', '<<<', ''])),
  otherEvent: replaceHeader(['event', 'o'], () => pick(['presence', 'dialog', 'message-summary', 'reg', 'ua-profile-x', 'UA-PROFILE', 'ua-profile;', 'ua-profile;profile-type=', 'ua-profile;vendor="unterminated', ';;;', ''])),
  oddMac: (lines) => lines.map((l, i) => (i <= 3 ? l.replace(/MAC(%3a|%3A|:|=)?[0-9A-Fa-f]{12}/g, pick(['MAC%3azzzzzzzzzzzz', 'MAC%3a', '%00%00', 'MAC%3a00135E874B49%3a00', `MAC%3a${'0'.repeat(200)}`])) : l)),
  badCSeq: replaceHeader(['cseq'], () => pick(['1 INVITE', 'x SUBSCRIBE', '-1 SUBSCRIBE', '99999999999999999999 SUBSCRIBE', 'SUBSCRIBE', ''])),
  badExpires: replaceHeader(['expires'], () => pick(['-1', '99999999999', 'soon', ''])),
  badContentLength: replaceHeader(['content-length', 'l'], () => pick(['10', '-5', 'x', '99999999'])),
  requestLine: (lines) => [pick(['subscribe sip:a@b SIP/2.0', 'SUBSCRIBE  SIP/2.0', 'SUBSCRIBE sip:MAC%3a00135E874B49@intern.snom.de SIP/3.0', 'SUBSCRIBE <sip:x> SIP/2.0', 'NOTIFY sip:a@b SIP/2.0', 'SIP/2.0 200 OK']), ...lines.slice(1)],
  lfOnly: (lines) => lines.join('\n').split('\r\n'),
  withBody: (lines) => [...lines.slice(0, -2).map((l) => (/^(content-length|l):/i.test(l) ? 'Content-Length: 5' : l)), '', 'hello'],
  toTag: replaceHeader(['to', 't'], () => '<sip:MAC%3a00135E874B49@intern.snom.de>;tag=already'),
};

function mutate(fixtureText: string, phone: FakePhone): Buffer {
  let lines: string[] | Buffer = fresh(asPhone(fixtureText, { host: phone.address, port: phone.port })).split('\r\n');
  const rounds = int(1, 3);
  for (let r = 0; r < rounds && !Buffer.isBuffer(lines); r++) lines = (MUTATIONS[pick(Object.keys(MUTATIONS))] as Mutation)(lines);
  return Buffer.isBuffer(lines) ? lines : Buffer.from(lines.join('\r\n'), 'utf8');
}

/** Distinct NOTIFYs (by Via branch: drachtio's retransmissions of one NOTIFY share it) per Call-ID. */
function notifyCounts(phones: FakePhone[]): Map<string, number> {
  const branches = new Map<string, Set<string>>();
  for (const phone of phones) {
    for (const m of phone.received) {
      if (m.kind !== 'request' || m.method !== 'NOTIFY') continue;
      const callId = getHeader(m, 'call-id') ?? '';
      const set = branches.get(callId) ?? new Set<string>();
      set.add(parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?');
      branches.set(callId, set);
    }
  }
  return new Map([...branches].map(([k, v]) => [k, v.size]));
}

describe('SIP fuzzing through the drachtio test server into the responder', () => {
  let bed: Testbed;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => { crashes.push(err); };

  beforeAll(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    bed = await startTestbed({ urls: { default: '{base}/any/' } }, { timerScale: 0.05 });
  });

  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await bed?.close();
  });

  it(`survives ${MUTANTS} mutants; each of ${WELL_FORMED} well-formed SUBSCRIBEs in the mix gets exactly one NOTIFY`, async () => {
    const phones = await Promise.all([bed.phone(), bed.phone(), bed.phone(), bed.phone()]);
    const wellFormed: SentSubscribe[] = [];
    const mutants: string[] = [];
    const total = MUTANTS + WELL_FORMED;
    for (let n = 0; n < total; n++) {
      const phone = pick(phones);
      if (n % Math.floor(total / WELL_FORMED) === 0 && wellFormed.length < WELL_FORMED) {
        const text = fresh(asPhone(readFixture(pick(ANSWERABLE_FIXTURES)), { host: phone.address, port: phone.port }));
        wellFormed.push(phone.subscribe(bed.target, text));
      } else {
        const bytes = mutate(readFixture(pick(ALL_FIXTURES)), phone);
        mutants.push(`fz${SEED.toString(36)}${counter.toString(36)}@fuzz`);
        phone.sendRaw(bed.target, bytes);
      }
      // Paced: loopback drops bursts, and these phones do not retransmit.
      if (n % 40 === 39) await new Promise((resolve) => setTimeout(resolve, 8));
    }

    await bed.server.waitFor(() => {
      const counts = notifyCounts(phones);
      return wellFormed.every((s) => counts.has(s.callId));
    }, 15_000);
    // Everything the responder started must settle (no NOTIFY left waiting, no dialog kept).
    await bed.server.waitFor(() => bed.server.stats().pendingClientTxns === 0 && bed.srfDialogs() === 0, 10_000);

    const counts = notifyCounts(phones);
    const missing = wellFormed.filter((s) => counts.get(s.callId) !== 1);
    expect(missing.map((s) => `${s.callId}: ${counts.get(s.callId) ?? 0} NOTIFYs`)).toEqual([]);
    expect([...counts].filter(([, c]) => c > 1)).toEqual([]);
    expect(bed.server.crashed).toBe(false);
    expect(crashes).toEqual([]);
    expect(bed.server.stats().apps).toBe(1);
    // The mix did reach the responder: it answered more than the well-formed ones, and ignored or passed on others.
    expect(counts.size).toBeGreaterThan(WELL_FORMED);
    expect(bed.events.some((e) => e.type === 'ignored')).toBe(true);
    expect(mutants.length).toBe(MUTANTS);
  }, 60_000);

  it('still provisions a phone normally after the fuzzing', async () => {
    const phone = await bed.phone();
    const sent = phone.subscribe(bed.target, { vendor: 'snom', model: 'snomD735' });
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    await phone.waitForNotify(sent);
    expect(bed.server.crashed).toBe(false);
  });
});
