import { describe, expect, it } from 'vitest';
import { DrachtioLinkState } from '../../lib/service/drachtio-link.js';
import { captureLogger } from '../support/capture-logger.js';

function setup() {
  let t = 1_000_000;
  const log = captureLogger();
  const link = new DrachtioLinkState('127.0.0.1:9022', log.logger, 30_000, () => t);
  return { link, log, advance: (ms: number) => { t += ms; } };
}

describe('DrachtioLinkState', () => {
  it('logs the first failure, then only a reminder every 30 s', () => {
    const { link, log, advance } = setup();
    for (let i = 0; i < 20; i++) {
      link.failed(new Error('connect ECONNREFUSED 127.0.0.1:9022'));
      advance(1000);
    }
    const warnings = log.lines.filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual([
      'cannot reach drachtio-server; retrying with back-off, HTTP keeps serving',
    ]);
    advance(11_000);
    link.failed(new Error('connect ECONNREFUSED 127.0.0.1:9022'));
    expect(log.lines.at(-1)?.msg).toBe('still waiting for drachtio-server (connect ECONNREFUSED 127.0.0.1:9022)');
    expect(link.state).toBe('connecting');
    expect(link.waitingFor()).toBe('drachtio-server at 127.0.0.1:9022 (connect ECONNREFUSED 127.0.0.1:9022)');
  });

  it('reports a lost connection once and a new outage again after reconnecting', () => {
    const { link, log } = setup();
    link.connected('udp/127.0.0.1:5060', 'v0.9.10');
    expect(link.state).toBe('connected');
    expect(link.waitingFor()).toBeUndefined();
    link.closed();
    link.failed(new Error('ECONNREFUSED'));
    expect(link.state).toBe('disconnected');
    link.connected('udp/127.0.0.1:5060', 'v0.9.10');
    link.closed();
    const msgs = log.lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === 'connection to drachtio-server lost; reconnecting, HTTP keeps serving')).toHaveLength(2);
    expect(msgs.filter((m) => m === 'connected to drachtio-server')).toHaveLength(2);
  });

  it('explains a rejected secret without printing it', () => {
    const { link, log } = setup();
    link.authFailed();
    link.authFailed();
    expect(link.state).toBe('auth-failed');
    const errors = log.lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/rejected the secret: check DRACHTIO_SECRET/);
    expect(link.waitingFor()).toBe('drachtio-server at 127.0.0.1:9022 to accept the secret');
  });
});
