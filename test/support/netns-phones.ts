/**
 * Phones booting together inside a network namespace (run by netns-segment.ts's runIn): each sends its plug-and-play
 * SUBSCRIBE to `--target` (the multicast group), retransmitting like a real phone over UDP (RFC 3261 timer E: 500 ms
 * doubling to 4 s, until a final response or timer F's 32 s), answers every NOTIFY, and once every phone has both
 * its final response and its NOTIFY (a NOTIFY may overtake its 200; a phone whose 200 was lost keeps retransmitting
 * and gets it again from the server's transaction), or after `--patience` ms (default 32 000: a real phone's timer F),
 * waits `--linger` ms more for late duplicates, then prints one JSON line per phone: its MAC and Call-ID, the statuses of the distinct final responses
 * (one per To tag: several hosts may answer, while a retransmitted 200 of the same transaction is the same answer),
 * the distinct NOTIFYs' bodies, how often it sent its SUBSCRIBE, and when (ms after its first send) its first final
 * response and first NOTIFY came.
 *
 * All phones share one socket (1,000 real phones have 1,000): its receive buffer is raised to `--rcvbuf` bytes
 * (default 4 MiB, capped by the namespace's net.core.rmem_max) so that the phones' own socket does not drop what
 * the servers send in a burst. Its drops are printed on stderr (`phone socket drops: N`).
 *
 *   node --import tsx test/support/netns-phones.ts --bind 198.18.1.10 --target 224.0.1.75:5060 --count 20 --first 0 --linger 3000
 */
import { readFileSync } from 'node:fs';
import { FakePhone } from './fake-phone.js';
import { getHeader, parseCSeq, parseVia, tagOf } from './sip-text.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set((process.argv[i] ?? '').replace(/^--/, ''), process.argv[i + 1] ?? '');
const [host = '224.0.1.75', port = '5060'] = (args.get('target') ?? '').split(':');
const count = Number(args.get('count') ?? 1);
const first = Number(args.get('first') ?? 0);
const linger = Number(args.get('linger') ?? 3000);
const patience = Number(args.get('patience') ?? 32_000);
const macOf = (i: number): string => `0004134${i.toString(16).toUpperCase().padStart(5, '0')}`;

interface Tally { finals: Map<string, number>; notifies: Map<string, string>; finalAt?: number; notifyAt?: number }

const phone = await FakePhone.start({ host: args.get('bind') ?? '0.0.0.0', retransmitSubscribes: true,
  recvBufferSize: Number(args.get('rcvbuf') ?? 4 * 2 ** 20) });
try {
  const startedAt = Date.now();
  const sent = Array.from({ length: count }, (_, k) => ({
    mac: macOf(first + k),
    s: phone.subscribe({ host, port: Number(port) }, {
      mac: macOf(first + k), uriHost: host, vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
    }),
  }));
  const tallies = new Map<string, Tally>(sent.map(({ s }) => [s.callId, { finals: new Map(), notifies: new Map() }]));
  let read = 0;
  /** Phones with both a final response and a NOTIFY (in either order: a NOTIFY may overtake its 200). */
  let done = 0;
  const tick = (t: Tally, was: boolean): void => {
    if (!was && t.finalAt !== undefined && t.notifyAt !== undefined) done++;
  };
  // Reads what arrived since the last look (once each: a thousand phones each scanning every message would starve
  // the socket).
  const take = (): void => {
    for (; read < phone.received.length; read++) {
      const m = phone.received[read]!;
      const t = tallies.get(getHeader(m, 'call-id') ?? '');
      if (!t) continue;
      const was = t.finalAt !== undefined && t.notifyAt !== undefined;
      if (m.kind === 'response' && m.status >= 200 && parseCSeq(getHeader(m, 'cseq'))?.method === 'SUBSCRIBE') {
        t.finals.set(tagOf(getHeader(m, 'to')) ?? '?', m.status);
        t.finalAt ??= Date.now() - startedAt;
      }
      if (m.kind === 'request' && m.method === 'NOTIFY') {
        t.notifies.set(parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?', m.body.trim());
        t.notifyAt ??= Date.now() - startedAt;
      }
      tick(t, was);
    }
  };
  const deadline = startedAt + patience;
  while (Date.now() < deadline && done < count) {
    await new Promise((r) => setTimeout(r, 50));
    take();
  }
  await new Promise((r) => setTimeout(r, linger));
  take();
  // What the phones' socket lost to a full receive buffer (this namespace's /proc/net/udp, last column), for the test.
  const portHex = phone.port.toString(16).toUpperCase().padStart(4, '0');
  const own = readFileSync('/proc/net/udp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1]?.endsWith(`:${portHex}`));
  console.error(`phone socket drops: ${own?.trim().split(/\s+/).at(-1) ?? 'unknown'}`);
  for (const { mac, s } of sent) {
    const t = tallies.get(s.callId)!;
    console.log(JSON.stringify({
      mac, callId: s.callId, finals: [...t.finals.values()], notifies: [...t.notifies.values()],
      sends: phone.sendsOf(s), finalAt: t.finalAt, notifyAt: t.notifyAt,
    }));
  }
} finally {
  await phone.close();
}
