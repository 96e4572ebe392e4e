import { describe, expect, test } from 'vitest';
import { SeenRequests } from '../../lib/sip/seen-requests.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

const A = { callId: 'a@192.0.2.1', fromTag: 't1', cseq: 1 };

describe('SeenRequests', () => {
  test('a retransmission (same Call-ID, From tag, CSeq) is a repeat, while running and after', () => {
    const seen = new SeenRequests();
    expect(seen.admit(A)).toBe('new');
    expect(seen.admit(A)).toBe('repeat');
    seen.finish(A);
    expect(seen.admit(A)).toBe('repeat');
  });

  test('a new CSeq in the same dialog waits for the running exchange, then is new', () => {
    const seen = new SeenRequests();
    expect(seen.admit(A)).toBe('new');
    expect(seen.admit({ ...A, cseq: 2 })).toBe('in-progress');
    seen.finish(A);
    expect(seen.admit({ ...A, cseq: 2 })).toBe('new');
    expect(seen.admit({ ...A, cseq: 2 })).toBe('repeat');
    expect(seen.admit(A)).toBe('repeat');
  });

  test('other dialogs are independent', () => {
    const seen = new SeenRequests();
    expect(seen.admit(A)).toBe('new');
    expect(seen.admit({ ...A, fromTag: 't2' })).toBe('new');
    expect(seen.admit({ ...A, callId: 'b@192.0.2.1' })).toBe('new');
    expect(seen.size).toBe(3);
  });

  test('finished exchanges are forgotten after the TTL', () => {
    const c = clock();
    const seen = new SeenRequests({ ttlMs: 1000, now: c.now });
    seen.admit(A);
    seen.finish(A);
    c.advance(999);
    expect(seen.admit(A)).toBe('repeat');
    c.advance(1000);
    expect(seen.admit(A)).toBe('new');
  });

  test('the TTL runs from the last change of each dialog, whatever the order the dialogs came in', () => {
    const c = clock();
    const seen = new SeenRequests({ ttlMs: 1000, now: c.now });
    const B = { ...A, callId: 'b@192.0.2.1' };
    seen.admit(A);
    c.advance(10);
    seen.admit(B);
    c.advance(490);
    seen.finish(A); // A is remembered until 1500, B (still running) until 1010
    c.advance(550);
    expect(seen.admit(B)).toBe('new');
    expect(seen.admit(A)).toBe('repeat');
    c.advance(450);
    expect(seen.admit(A)).toBe('new');
  });

  test('bounded over many dialogs, each admitted and finished: the newest are kept', () => {
    const c = clock();
    const seen = new SeenRequests({ maxEntries: 100, ttlMs: 60_000, now: c.now });
    for (let i = 0; i < 5000; i++) {
      const key = { callId: `c${i}`, cseq: 1 };
      expect(seen.admit(key)).toBe('new');
      seen.finish(key);
      c.advance(1);
      expect(seen.size).toBeLessThanOrEqual(100);
    }
    expect(seen.admit({ callId: 'c4999', cseq: 1 })).toBe('repeat');
    expect(seen.admit({ callId: 'c4900', cseq: 1 })).toBe('repeat');
    expect(seen.admit({ callId: 'c4800', cseq: 1 })).toBe('new');
  });

  test('bounded: the oldest dialogs are forgotten first', () => {
    const seen = new SeenRequests({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) seen.admit({ callId: `c${i}`, cseq: 1 });
    expect(seen.size).toBe(3);
    expect(seen.admit({ callId: 'c4', cseq: 1 })).toBe('repeat');
    expect(seen.admit({ callId: 'c0', cseq: 1 })).toBe('new');
  });

  test('finish of an unknown dialog is harmless', () => {
    const seen = new SeenRequests();
    seen.finish(A);
    expect(seen.size).toBe(0);
  });
});
