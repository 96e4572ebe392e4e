/**
 * The responder's two ways to drachtio-server (lib/sip/srf-adapter.ts): drachtio-srf's public API (the default) and
 * the frame path (`framePath: true`, lib/sip/srf-frames.ts), which writes into srf's private connection tables.
 *
 * The frame path was written against drachtio-srf 5.0.29's internals. These tests fail when the installed drachtio-srf
 * differs from them in a way that matters: the internals are not found (the path would silently fall back to srf's
 * own, and the test sees `res.send` used), or they are found but behave differently (the exchange fails).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { srfInternals } from '../../lib/sip/srf-frames.js';
import { getHeader, tagOf } from '../support/sip-text.js';
import { startTestbed, type Testbed } from './pnp-testbed.js';

const SRF_VERSION = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('drachtio-srf/package.json'), 'utf8')) as { version: string }).version;

let bed: Testbed | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await bed?.close();
  bed = undefined;
});

/** A host middleware before ours that counts srf's Response#send calls and looks for srf's internals behind `res`. */
function watchResponses(): { sends: number[]; internalsFound: boolean[]; middleware: (req: unknown, res: unknown, next: unknown) => void } {
  const sends: number[] = [];
  const internalsFound: boolean[] = [];
  return {
    sends,
    internalsFound,
    middleware: (_req, res, next) => {
      internalsFound.push(srfInternals(res) !== undefined);
      // Wrapping res.send on the instance would turn the frame path off (untouchedResponse): spy on the prototype.
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

describe(`the frame path against the installed drachtio-srf ${SRF_VERSION}`, () => {
  test('is drachtio-srf 5.x, the major version the frames were written against', () => {
    expect(SRF_VERSION.split('.')[0]).toBe('5');
  });

  test('finds srf\'s connection internals and answers the seed exchange with frames alone (no res.send)', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const watch = watchResponses();
    bed = await startTestbed({ framePath: true }, { before: [watch.middleware] });
    const phone = await bed.phone();
    const sent = phone.subscribe(bed.target);
    const ok = await phone.waitForResponse(sent);
    expect(ok.status).toBe(200);
    const notify = await phone.waitForNotify(sent);
    expect(tagOf(getHeader(notify, 'from'))).toBe(tagOf(getHeader(ok, 'to')));
    const b = bed;
    await b.server.waitFor(() => b.events.some((e) => e.type === 'notified'));
    expect(b.events.find((e) => e.type === 'notified')).toMatchObject({ status: 200 });
    // The internals were there, and the 200 did not take srf's Response#send (the fallback).
    expect(watch.internalsFound).toEqual([true]);
    expect(watch.sends).toEqual([]);
    await b.server.waitFor(() => b.server.stats().stableDialogs === 0 && b.srfIdle());
    expect(b.srfDialogs()).toBe(0);
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe('the public API (the default)', () => {
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
