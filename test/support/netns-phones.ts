/**
 * Phones booting together inside a network namespace (run by netns-segment.ts's runIn): each sends its plug-and-play
 * SUBSCRIBE to `--target` (the multicast group), retransmitting like a real phone until a final response, answers
 * every NOTIFY, and after `--linger` ms prints one JSON line per phone: its MAC, the statuses of the distinct final
 * responses (distinct To tags: several hosts may answer), and the distinct NOTIFYs' bodies.
 *
 *   node --import tsx test/support/netns-phones.ts --bind 198.18.1.10 --target 224.0.1.75:5060 --count 20 --first 0 --linger 3000
 */
import { FakePhone } from './fake-phone.js';
import { getHeader, parseCSeq, parseVia, tagOf } from './sip-text.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set((process.argv[i] ?? '').replace(/^--/, ''), process.argv[i + 1] ?? '');
const [host = '224.0.1.75', port = '5060'] = (args.get('target') ?? '').split(':');
const count = Number(args.get('count') ?? 1);
const first = Number(args.get('first') ?? 0);
const linger = Number(args.get('linger') ?? 3000);
const macOf = (i: number): string => `0004134${i.toString(16).toUpperCase().padStart(5, '0')}`;

const phone = await FakePhone.start({ host: args.get('bind') ?? '0.0.0.0', retransmitSubscribes: true });
try {
  const sent = Array.from({ length: count }, (_, k) => ({
    mac: macOf(first + k),
    s: phone.subscribe({ host, port: Number(port) }, {
      mac: macOf(first + k), uriHost: host, vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
    }),
  }));
  // Until every phone has a NOTIFY (or 20 s), then `linger` more for late duplicates.
  const deadline = Date.now() + 20_000;
  const notified = (callId: string) => phone.received.some((m) => m.method === 'NOTIFY' && getHeader(m, 'call-id') === callId);
  while (Date.now() < deadline && !sent.every((x) => notified(x.s.callId))) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, linger));
  for (const { mac, s } of sent) {
    const finals = new Map<string, number>();
    const notifies = new Map<string, string>();
    for (const m of phone.received) {
      if (getHeader(m, 'call-id') !== s.callId) continue;
      if (m.kind === 'response' && m.status >= 200 && parseCSeq(getHeader(m, 'cseq'))?.method === 'SUBSCRIBE') {
        finals.set(tagOf(getHeader(m, 'to')) ?? '?', m.status);
      }
      if (m.method === 'NOTIFY') notifies.set(parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?', m.body.trim());
    }
    console.log(JSON.stringify({ mac, finals: [...finals.values()], notifies: [...notifies.values()] }));
  }
} finally {
  await phone.close();
}
