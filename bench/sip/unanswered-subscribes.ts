/**
 * What drachtio-server does with SUBSCRIBEs its app never answers (the responder's `ignore` policy and its deliberate
 * silences rely on it): the real drachtio-server (`drachtio` on PATH, started here at debug log level) gets `--count`
 * SUBSCRIBEs, each from its own Call-ID, which an app routed for SUBSCRIBE receives and never answers. Then, every
 * `--every` seconds for `--seconds`, it prints drachtio-server's RSS, what the phones received (drachtio answering on
 * its own), the app-side request objects drachtio-srf still holds, and the count of drachtio's log lines that speak of
 * the transactions. Finally one more SUBSCRIBE retransmitted like a phone (RFC 3261 timer E) shows whether copies reach
 * the app. Results: docs/real-drachtio.md.
 *
 *   npx tsx bench/sip/unanswered-subscribes.ts --count 2000 --seconds 70 --every 5
 */
import Srf from 'drachtio-srf';
import { connectSrf } from '../../lib/sip/srf-connection.js';
import { FakePhone } from '../../test/support/fake-phone.js';
import { RealDrachtio } from '../../test/support/real-drachtio.js';
import { argMap } from './args.js';

const args = argMap(process.argv.slice(2));
const count = Number(args.get('count') ?? 2000);
const seconds = Number(args.get('seconds') ?? 70);
const every = Number(args.get('every') ?? 5);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const drachtio = await RealDrachtio.start({ loglevel: 'debug', sofiaLoglevel: 3 });
const received: string[] = [];
const srf = new Srf();
srf.use('subscribe', (req: { get(name: string): string | undefined }) => {
  received.push(req.get('Call-ID') ?? '');
  // Never answered, never passed on.
});
await new Promise<void>((resolve) => {
  connectSrf(srf, { host: drachtio.adminHost, port: drachtio.adminPort, secret: drachtio.secret }, { onConnect: () => resolve() });
});
await sleep(300);
const target = { host: '127.0.0.1', port: drachtio.sipPort };
const rss = (): string => `${(drachtio.rssBytes() / 2 ** 20).toFixed(1)} MB`;
console.log(`drachtio ${drachtio.pid}: RSS at start ${rss()}`);

const phones = await Promise.all(Array.from({ length: 20 }, () => FakePhone.start()));
const t0 = Date.now();
for (let i = 0; i < count; i++) {
  const phone = phones[i % phones.length] as FakePhone;
  phone.subscribe(target, { mac: `0004139${i.toString(16).toUpperCase().padStart(5, '0')}` });
  // Paced (50 per 20 ms), so that loopback drops few: these phones do not retransmit.
  if (i % 50 === 49) await sleep(20);
}
const logLines = (pattern: RegExp): number => drachtio.log().split('\n').filter((l) => pattern.test(l)).length;
for (let t = 0; t <= seconds; t += every) {
  const answers = phones.reduce((n, p) => n + p.received.length, 0);
  console.log(`t=${Math.round((Date.now() - t0) / 1000)}s RSS ${rss()}; app got ${received.length} of ${count}; phones got ${answers} messages; `
    + `drachtio log: ${logLines(/timeout|timed out|Timer/i)} timeout lines, ${logLines(/destroy|destroying|removing|erase/i)} removal lines`);
  await sleep(every * 1000);
}

// What drachtio said about the timeouts: the distinct lines, with ids and times blanked.
const templates = new Map<string, number>();
for (const line of drachtio.log().split('\n')) {
  if (!/timeout|timed out|timer/i.test(line) || /number of/.test(line)) continue;
  const template = line.replace(/^\S+ \S+ /, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').replace(/\b[0-9a-f]{10}@\S+/g, '<call-id>')
    .replace(/0x[0-9a-f]+/g, '<ptr>').replace(/\d+/g, 'N');
  templates.set(template, (templates.get(template) ?? 0) + 1);
}
for (const [template, n] of templates) console.log(`${n} x ${template}`);
// How long drachtio-server held each request for the app: from PendingRequestController::add to its giving up.
const at = (line: string): number => Date.parse(`${line.slice(0, 23).replace(' ', 'T')}Z`);
const added = new Map<string, number>();
const held: number[] = [];
for (const line of drachtio.log().split('\n')) {
  const add = /PendingRequestController::add .*transactionId ([0-9a-f-]{36})/.exec(line);
  if (add?.[1]) added.set(add[1], at(line));
  const gave = /PendingRequestController::timeout: giving up on transactionId ([0-9a-f-]{36})/.exec(line);
  const from = gave?.[1] === undefined ? undefined : added.get(gave[1]);
  if (from !== undefined) held.push(at(line) - from);
}
held.sort((a, b) => a - b);
console.log(`held for the app: ${held.length} requests, ${held[0] ?? '-'} to ${held.at(-1) ?? '-'} ms (median ${held[Math.floor(held.length / 2)] ?? '-'} ms)`);

// One more, retransmitted like a phone: do the copies reach the app while it holds the request?
const phone = await FakePhone.start({ retransmitSubscribes: true });
const before = received.length;
const sent = phone.subscribe(target, { mac: '000413AFFFFF' });
await sleep(8000);
console.log(`retransmitted SUBSCRIBE: the app saw it ${received.filter((id) => id === sent.callId).length} time(s) (${received.length - before} new); `
  + `the phone got ${phone.received.length} message(s)`);
const lines = drachtio.log().split('\n').filter((l) => l.includes(sent.callId) || /retransmi/i.test(l)).slice(0, 20);
console.log(lines.join('\n'));
await phone.close();
await Promise.all(phones.map((p) => p.close()));
srf.disconnect();
console.log(`RSS after the app disconnected: ${rss()}`);
await drachtio.stop();
process.exit(0);
