import { describe, expect, test } from 'vitest';
import { DrachtioLinkState } from '../../lib/service/drachtio-link.js';
import { serviceHealth } from '../../lib/service/health.js';
import { captureLogger } from '../support/capture-logger.js';

describe('the health report', () => {
  test('with the enrolment lock on, says how many devices are held and what lets them enrol again', () => {
    const link = new DrachtioLinkState('127.0.0.1:9022', captureLogger().logger);
    let held: string[] = ['000413A11FA7', '000413A11FA8'];
    const health = serviceHealth(link, undefined, { held: () => held });
    expect(health().enrolment).toEqual({ held: 2, warning: expect.stringContaining('drachtio-pnp devices reopen --all-missing') });
    held = [];
    expect(health().enrolment).toEqual({ held: 0 });
  });

  test('with a shared store, shows its URL without password and whether it is reachable, without degrading the status', () => {
    const link = new DrachtioLinkState('127.0.0.1:9022', captureLogger().logger);
    link.connected('127.0.0.1:9022', 'drachtio-test');
    const store = { shownUrl: 'redis://:***@10.0.0.5:6379', ready: true };
    const health = serviceHealth(link, undefined, undefined, store);
    expect(health()).toMatchObject({ status: 'ok', store: { url: 'redis://:***@10.0.0.5:6379', state: 'connected' } });
    store.ready = false;
    expect(health()).toMatchObject({ status: 'ok', store: { state: 'unreachable', warning: expect.stringContaining('without a claim') } });
    expect(serviceHealth(link)()).not.toHaveProperty('store');
  });

  test('without the lock, has no enrolment section', () => {
    const link = new DrachtioLinkState('127.0.0.1:9022', captureLogger().logger);
    expect(serviceHealth(link)()).not.toHaveProperty('enrolment');
  });
});
