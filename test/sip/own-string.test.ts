import { expect, test } from 'vitest';
import { ownCopy } from '../../lib/sip/own-string.js';
import { parseSubscribe } from '../../lib/sip/parse-subscribe.js';
import { readFixture, viewOf } from './sip-fixtures.js';

test.each(['', 'short', 'ce558df6c7@127.0.0.1', '192.168.100.123', 'snomD735-SIP 10.1.33.33 ünïcødé ☎', 'x'.repeat(5000)])(
  'an own copy is the same text: %j', (text) => {
    const copy = ownCopy(text.slice(0));
    expect(copy).toBe(text);
    expect(copy.length).toBe(text.length);
  });

test('what parseSubscribe keeps of a message reads as the message says, after the copy', () => {
  const view = viewOf(readFixture('seed-snom-oem.txt'), { address: '192.168.100.123', port: 5062 });
  const parsed = parseSubscribe(view);
  expect(parsed.callId).toBe(view.header('Call-ID'));
  expect(parsed.userAgent).toBe(view.header('User-Agent')?.trim());
  expect(parsed.event).toMatchObject({ vendor: 'OEM', model: 'OEM', version: '7.1.19' });
  expect(parsed.fromTag).toMatch(/^\w+$/);
});

test('a kept copy does not keep the message it was cut from (measured in a process with --expose-gc)', async () => {
  // 20,000 messages of about 1 KB, a Call-ID-sized piece of each kept: with the copy, the heap grows by the pieces
  // only (under 200 bytes each); a plain slice would keep every whole message (over 1,000 bytes each).
  const script = `
    const { ownCopy } = await import(${JSON.stringify(new URL('../../lib/sip/own-string.ts', import.meta.url).href)});
    const kept = [];
    const measure = (copy) => {
      kept.length = 0; gc(); gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 20000; i++) {
        const message = 'SUBSCRIBE sip:x SIP/2.0\\r\\nCall-ID: ' + i + '-c0ffee@192.168.100.123\\r\\n' + 'X'.repeat(1000) + i;
        const value = /Call-ID: ([^\\r]+)/.exec(message)[1];
        kept.push(copy ? ownCopy(value) : value);
      }
      gc(); gc();
      return Math.round((process.memoryUsage().heapUsed - before) / kept.length);
    };
    console.log(JSON.stringify({ sliced: measure(false), copied: measure(true) }));`;
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(run.stderr).toBe('');
  const bytes = JSON.parse(run.stdout) as { sliced: number; copied: number };
  expect(bytes.sliced).toBeGreaterThan(1000); // what V8 does to a plain slice: the reason for ownCopy
  expect(bytes.copied).toBeLessThan(200);
});
