/**
 * The responder's way to drachtio-server (lib/sip/srf-adapter.ts): drachtio-srf's public API only, `res.send` and
 * then a `Srf.Dialog`'s `request`, against the installed drachtio-srf.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { getHeader, tagOf } from '../support/sip-text.js';
import { startTestbed, type Testbed } from './pnp-testbed.js';

let bed: Testbed | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await bed?.close();
  bed = undefined;
});

/** A host middleware before ours that counts srf's Response#send calls. */
function watchResponses(): { sends: number[]; middleware: (req: unknown, res: unknown, next: unknown) => void } {
  const sends: number[] = [];
  return {
    sends,
    middleware: (_req, res, next) => {
      // On the prototype, so that the response the responder gets is srf's own, untouched.
      const proto = Object.getPrototypeOf(res) as { send: (...args: unknown[]) => unknown };
      if (!vi.isMockFunction(proto.send)) {
        const original = proto.send;
        vi.spyOn(proto, 'send').mockImplementation(function (this: unknown, ...args: unknown[]) {
          sends.push(args[0] as number);
          return original.apply(this, args);
        });
      }
      (next as () => void)();
    },
  };
}

describe('the public API', () => {
  test('answers through res.send and a Dialog; srf prints nothing and keeps nothing', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const watch = watchResponses();
    bed = await startTestbed({}, { before: [watch.middleware], recordFrames: true });
    const phone = await bed.phone();
    // Snom's `MAC%3a`, which drachtio-server echoes as `MAC%3A`: srf's own subscription lookup would miss it.
    const sent = phone.subscribe(bed.target, { macForm: 'MAC%3a' });
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    expect((await phone.waitForNotify(sent)).body).toBe('http://192.0.2.10:8080/snom/');
    const b = bed;
    await b.server.waitFor(() => b.events.some((e) => e.type === 'notified'));
    expect(watch.sends).toEqual([200]);
    // The NOTIFY is the frame srf's Dialog#request writes (recording 03).
    const notifyFrames = b.server.frames.filter((f) => f.dir === 'in' && f.payload.includes('\r\nNOTIFY sip:placeholder '));
    expect(notifyFrames).toHaveLength(1);
    await b.server.waitFor(() => b.server.stats().stableDialogs === 0 && b.srfIdle());
    expect(b.srfDialogs()).toBe(0);
    expect(consoleError).not.toHaveBeenCalled();
  });
});
