import { describe, expect, test, vi } from 'vitest';
import { badEventResponder } from '../../lib/sip/bad-event-responder.js';
import { captureLogger } from '../support/capture-logger.js';
import { readFixture, viewOf } from './sip-fixtures.js';

function reqOf(fixture: string, method = 'SUBSCRIBE') {
  const view = viewOf(readFixture(fixture));
  return { method, uri: view.uri, get: (name: string) => view.header(name), source_address: '192.168.10.67', source_port: 5060, protocol: 'udp' };
}

function resRecorder() {
  const sent: Array<[number, unknown]> = [];
  return { sent, res: { finalResponseSent: false, send: (status: number, opts: unknown, cb: (err: unknown) => void): void => { sent.push([status, opts]); cb(null); } } };
}

describe('badEventResponder', () => {
  test('489 Bad Event with Allow-Events for any SUBSCRIBE that reaches it', () => {
    const { sent, res } = resRecorder();
    const next = vi.fn();
    badEventResponder()(reqOf('presence-subscribe.txt'), res, next);
    expect(sent).toEqual([[489, { headers: { 'Allow-Events': 'ua-profile' } }]]);
    expect(next).not.toHaveBeenCalled();
  });

  test('Allow-Events can name more packages', () => {
    const { sent, res } = resRecorder();
    badEventResponder({ allowEvents: ['ua-profile', 'presence'] })(reqOf('presence-subscribe.txt'), res, vi.fn());
    expect(sent).toEqual([[489, { headers: { 'Allow-Events': 'ua-profile, presence' } }]]);
  });

  test('a ua-profile SUBSCRIBE nobody took gets no answer, so another responder on the LAN may answer it', () => {
    const { sent, res } = resRecorder();
    const capture = captureLogger('debug');
    const next = vi.fn();
    badEventResponder({ logger: capture.logger })(reqOf('mac-colon-yealink.txt'), res, next);
    expect(sent).toEqual([]);
    expect(next).not.toHaveBeenCalled();
    expect(capture.lines.map((l) => l.msg)).toEqual(['ua-profile SUBSCRIBE nobody took left unanswered (another responder may answer it)']);
  });

  test.each([['contact-wildcard.txt'], ['contact-missing.txt']])('%s: never answered, logged', (fixture) => {
    const { sent, res } = resRecorder();
    const capture = captureLogger();
    const next = vi.fn();
    badEventResponder({ logger: capture.logger })(reqOf(fixture), res, next);
    expect(sent).toEqual([]);
    expect(next).not.toHaveBeenCalled();
    expect(capture.lines.map((l) => l.msg)).toEqual(['SUBSCRIBE with unusable Contact dropped unanswered']);
  });

  test('other methods, answered requests and foreign objects go on with next()', () => {
    const { sent, res } = resRecorder();
    const next = vi.fn();
    const middleware = badEventResponder();
    middleware(reqOf('presence-subscribe.txt', 'NOTIFY'), res, next);
    middleware(reqOf('presence-subscribe.txt'), { ...res, finalResponseSent: true }, next);
    middleware({}, {}, next);
    expect(next).toHaveBeenCalledTimes(3);
    expect(sent).toEqual([]);
  });

  test.each([[[]], [['bad event']], ['ua-profile']])('allowEvents %j is a TypeError', (allowEvents) => {
    expect(() => badEventResponder({ allowEvents: allowEvents as never })).toThrow(
      new TypeError('badEventResponder: options.allowEvents must be a non-empty array of event package names'));
  });
});
