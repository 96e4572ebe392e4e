/**
 * The responder and SUBSCRIBE claims (lib/sip/subscribe-claims.ts): a lost claim is silence; a held claim is settled
 * when the exchange ends (answered, or deliberately left unanswered) and released when its 200 or NOTIFY could not
 * be sent, so that another instance still holding the request can answer it (docs/shared-state.md, handover).
 */
import { describe, expect, test, vi } from 'vitest';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { createPnpHandler } from '../../lib/sip/responder.js';
import type { ClaimKey, SubscribeClaims } from '../../lib/sip/subscribe-claims.js';
import type { SentResponse, SrfExchange } from '../../lib/sip/srf-adapter.js';
import { captureLogger } from '../support/capture-logger.js';
import { readFixture, viewOf } from './sip-fixtures.js';

const SEED_KEY: ClaimKey = { callId: '1930770594@192.168.10.67', fromTag: '658512961', cseq: 1 };

function exchange(respond: () => Promise<void> = async () => undefined, notify: () => Promise<void> = async () => undefined): SrfExchange & { responses: number[] } {
  const responses: number[] = [];
  return {
    request: { ...viewOf(readFixture('seed-snom-oem.txt')), method: 'SUBSCRIBE' },
    finalResponseSent: false,
    responses,
    async respond(status) {
      responses.push(status);
      await respond();
      const sent: SentResponse = { status, contact: '<sip:192.0.2.10:5060>', dialogId: 'd' };
      return sent;
    },
    async requestInDialog() {
      await notify();
      return { status: 200, reason: 'OK' };
    },
  };
}

function claimsSaying(mine: boolean) {
  const claims = { claim: vi.fn(async (_key: ClaimKey) => mine), settle: vi.fn(), release: vi.fn() } satisfies SubscribeClaims;
  return claims;
}

function handler(claims: SubscribeClaims, unknownDevices: 'bootstrap' | 'ignore' = 'bootstrap') {
  return createPnpHandler({
    directory: new MemoryDirectory([]), publicUrl: 'http://192.0.2.10:8080', logger: captureLogger().logger, claims, unknownDevices,
  });
}

describe('the responder with claims', () => {
  test('a held claim: answered, then settled with the SUBSCRIBE\'s key, after the NOTIFY', async () => {
    const claims = claimsSaying(true);
    const ex = exchange();
    expect(await handler(claims).handle(ex, () => undefined)).toMatchObject({ result: 'notified' });
    expect(ex.responses).toEqual([200]);
    expect(claims.claim).toHaveBeenCalledWith(expect.objectContaining(SEED_KEY));
    expect(claims.settle).toHaveBeenCalledTimes(1);
    expect(claims.settle).toHaveBeenCalledWith(expect.objectContaining(SEED_KEY));
    expect(claims.release).not.toHaveBeenCalled();
  });

  test('a lost claim: silence, and nothing settled or released (the holder does that)', async () => {
    const claims = claimsSaying(false);
    const ex = exchange();
    expect(await handler(claims).handle(ex, () => undefined)).toEqual({ result: 'ignored', reason: 'claimed-elsewhere' });
    expect(ex.responses).toEqual([]);
    expect(claims.settle).not.toHaveBeenCalled();
    expect(claims.release).not.toHaveBeenCalled();
  });

  test('the 200 could not be sent (the drachtio connection went): the claim is released, not settled', async () => {
    const claims = claimsSaying(true);
    const ex = exchange(async () => { throw new Error('socket connection closed'); });
    expect(await handler(claims).handle(ex, () => undefined)).toMatchObject({ result: 'failed', stage: 'respond' });
    expect(claims.release).toHaveBeenCalledWith(expect.objectContaining(SEED_KEY));
    expect(claims.settle).not.toHaveBeenCalled();
  });

  test('the NOTIFY could not be sent after the 200 (the connection went meanwhile): released too', async () => {
    const claims = claimsSaying(true);
    const ex = exchange(undefined, async () => { throw new Error('socket connection closed'); });
    expect(await handler(claims).handle(ex, () => undefined)).toMatchObject({ result: 'failed', stage: 'notify' });
    expect(claims.release).toHaveBeenCalledTimes(1);
    expect(claims.settle).not.toHaveBeenCalled();
  });

  test('a held claim left unanswered on purpose (unknown device, policy ignore) is settled: nobody takes it over', async () => {
    const claims = claimsSaying(true);
    const ex = exchange();
    expect(await handler(claims, 'ignore').handle(ex, () => undefined)).toEqual({ result: 'ignored', reason: 'unknown-device' });
    expect(ex.responses).toEqual([]);
    expect(claims.settle).toHaveBeenCalledTimes(1);
  });

  test('claims without settle or release (the first slice\'s interface) still work', async () => {
    const ex = exchange();
    expect(await handler({ claim: () => true }).handle(ex, () => undefined)).toMatchObject({ result: 'notified' });
  });
});
