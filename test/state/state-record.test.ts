import { describe, expect, it } from 'vitest';
import type { ServedFileEvent } from '../../lib/http/provisioning-reply.js';
import type { PnpExchangeEvent } from '../../lib/sip/responder-options.js';
import { parseStateRecord, recordFromExchange, recordFromServedFile, safeUrl } from '../../lib/state/state-record.js';

const AT = new Date('2025-03-01T08:00:00.000Z');
const subject = { ip: '192.0.2.21', port: 5060, mac: '000413a11fa7', vendor: 'snom', model: 'snomD735', version: '10.1.33.33', callId: 'abc' };

describe('records from the responder', () => {
  it('keeps the outcome of each SUBSCRIBE with the phone it came from, MAC normalised', () => {
    const r = recordFromExchange({ ...subject, type: 'answered', status: 200, known: true }, AT);
    expect(r).toEqual({
      type: 'subscribe', t: AT.toISOString(), mac: '000413A11FA7', ip: '192.0.2.21', port: 5060,
      vendor: 'snom', model: 'snomD735', version: '10.1.33.33', outcome: 'answered', status: 200, known: true,
    });
  });

  it('turns NOTIFY results and failures into notify records, and a failed 200 into a failed subscribe', () => {
    expect(recordFromExchange({ ...subject, type: 'notified', status: 200, ms: 31, url: 'http://192.0.2.10:8080/snom/', known: true }, AT))
      .toMatchObject({ type: 'notify', ok: true, status: 200, ms: 31, url: 'http://192.0.2.10:8080/snom/' });
    expect(recordFromExchange({ ...subject, type: 'notified', status: 486, ms: 5, url: 'http://x/snom/', known: true }, AT))
      .toMatchObject({ type: 'notify', ok: false, status: 486 });
    expect(recordFromExchange({ ...subject, type: 'failed', stage: 'notify', reason: 'ETIMEDOUT' }, AT))
      .toMatchObject({ type: 'notify', ok: false, reason: 'ETIMEDOUT' });
    expect(recordFromExchange({ ...subject, type: 'failed', stage: 'respond', reason: 'gone' }, AT))
      .toMatchObject({ type: 'subscribe', outcome: 'failed', reason: 'gone' });
  });

  it('leaves out what is not history: received steps and retransmissions', () => {
    const events: PnpExchangeEvent[] = [
      { ...subject, type: 'received' }, { ...subject, type: 'ignored', reason: 'repeat' }, { ...subject, type: 'ignored', reason: 'in-progress' },
    ];
    for (const e of events) expect(recordFromExchange(e, AT)).toBeUndefined();
    expect(recordFromExchange({ ...subject, type: 'ignored', reason: 'denied-subnet' }, AT)).toMatchObject({ outcome: 'ignored', reason: 'denied-subnet' });
  });

  it('clips what a phone chooses (model, version) so one SUBSCRIBE cannot bloat the log', () => {
    const r = recordFromExchange({ ...subject, model: 'M'.repeat(5000), type: 'answered', status: 200, known: false }, AT);
    expect(r?.type === 'subscribe' && r.model?.length).toBe(64);
  });
});

describe('records from the route', () => {
  it('reads model and firmware from the Snom User-Agent', () => {
    const event: ServedFileEvent = {
      vendor: 'snom', kind: 'settings', file: '000413A11FA7.xml', mac: '000413A11FA7', known: true, status: 200, method: 'GET',
      ip: '192.0.2.21', userAgent: 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413A11FA7 SXM:0 UXM:0)',
    };
    expect(recordFromServedFile(event, AT)).toMatchObject({
      type: 'file', mac: '000413A11FA7', file: '000413A11FA7.xml', kind: 'settings', status: 200, model: 'D785', firmware: '10.1.33.33', known: true,
    });
    expect(recordFromServedFile(event, AT)).not.toHaveProperty('method');
    expect(recordFromServedFile({ ...event, method: 'HEAD' }, AT)).toHaveProperty('method', 'HEAD');
  });

  it('writes the fields in the schema\'s order and carries no undefined field, with or without a MAC', () => {
    const ua = 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 000413A11FA7)';
    const settings: ServedFileEvent = {
      vendor: 'snom', kind: 'settings', file: '000413A11FA7.xml', mac: '000413A11FA7', phoneType: 'snomD785', known: true,
      status: 200, method: 'HEAD', ip: '192.0.2.21', userAgent: ua,
    };
    expect(JSON.stringify(recordFromServedFile(settings, AT))).toBe(JSON.stringify({
      type: 'file', t: AT.toISOString(), mac: '000413A11FA7', ip: '192.0.2.21', file: '000413A11FA7.xml', kind: 'settings', status: 200,
      method: 'HEAD', known: true, phoneType: 'snomD785', model: 'D785', firmware: '10.1.33.33', userAgent: ua,
    }));
    const container = recordFromServedFile({ vendor: 'snom', kind: 'model-container', file: 'snomD785.htm', status: 200, method: 'GET', ip: '192.0.2.21' }, AT);
    expect(container).toStrictEqual({ type: 'file', t: AT.toISOString(), ip: '192.0.2.21', file: 'snomD785.htm', kind: 'model-container', status: 200 });
    expect(parseStateRecord(JSON.stringify(container))).toEqual(container);
  });

  it('stamps each record with its own time, within a millisecond and across them', () => {
    const event: ServedFileEvent = { vendor: 'snom', kind: 'model-container', file: 'snomD785.htm', status: 200, method: 'GET', ip: '192.0.2.21' };
    const later = new Date(AT.getTime() + 1);
    expect(recordFromServedFile(event, AT).t).toBe('2025-03-01T08:00:00.000Z');
    expect(recordFromServedFile(event, new Date(AT.getTime())).t).toBe('2025-03-01T08:00:00.000Z');
    expect(recordFromServedFile(event, later).t).toBe('2025-03-01T08:00:00.001Z');
    expect(recordFromExchange({ ...subject, type: 'answered', status: 200, known: true }, AT)?.t).toBe('2025-03-01T08:00:00.000Z');
    expect(() => recordFromServedFile(event, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('URLs kept in history', () => {
  it('lose credentials, query, fragment and the scope token', () => {
    expect(safeUrl('http://user:pw@192.0.2.10:8080/snom/t/SECRETTOKEN/?a=b#c')).toBe('http://192.0.2.10:8080/snom/t/…/');
    expect(safeUrl('http://192.0.2.10:8080/prov/snom/{mac}.xml')).toBe('http://192.0.2.10:8080/prov/snom/%7Bmac%7D.xml');
    expect(safeUrl('not a url')).toBeUndefined();
  });

  it('come out as WHATWG parsing makes them, whether or not the plain-URL shortcut takes them', () => {
    // The oracle: every URL through `new URL`, as safeUrl did before its shortcut.
    const parsed = (url: string): string | undefined => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return undefined;
      }
      const segments = u.pathname.split('/');
      for (let i = 0; i < segments.length - 1; i++) if (segments[i] === 't' && segments[i + 1] !== '') segments[i + 1] = '…';
      return `${u.protocol}//${u.host}${segments.join('/')}`;
    };
    const origins = ['http://192.0.2.10:8080', 'https://pnp.example:443', 'http://PNP.Example:80', 'http://[2001:DB8::1]:8080',
      'http://127.1', 'http://0x7f.0.0.1:8080', 'https://host.', 'http://999.1.1.1', 'http://a:b', 'HTTP://x.example'];
    const parts = ['snom', 't', '[token:a1b2c3]', '..', '.', '', '%2e', 'a b', '{mac}', 'x\\y', "it's", 'a|b', 'ü', '000413A1B2C3.xml', 'a?b', 'a#b'];
    let seed = 7;
    const pick = <T>(list: readonly T[]): T => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return list[seed % list.length] as T;
    };
    let checked = 0;
    for (let n = 0; n < 3000; n++) {
      const segments = Array.from({ length: 1 + (n % 5) }, () => pick(parts));
      const url = `${pick(origins)}/${segments.join('/')}`;
      expect(safeUrl(url), url).toBe(parsed(url));
      checked++;
    }
    expect(checked).toBe(3000);
  });
});

describe('parsing lines back', () => {
  it('accepts what was written and refuses torn or foreign lines', () => {
    const r = recordFromExchange({ ...subject, type: 'answered', status: 200, known: true }, AT);
    expect(parseStateRecord(JSON.stringify(r))).toEqual(r);
    expect(parseStateRecord(JSON.stringify(r).slice(0, 40))).toBeUndefined();
    expect(parseStateRecord('{"type":"subscribe","t":"yesterday"}')).toBeUndefined();
    expect(parseStateRecord('{"type":"other"}')).toBeUndefined();
    expect(parseStateRecord('   ')).toBeUndefined();
  });
});
