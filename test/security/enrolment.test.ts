import { describe, expect, test } from 'vitest';
import {
  applyEnrolment, enrolmentStatus, formatEnrolmentLine, mayIssueToken, parseEnrolmentLine, tokenAdmitted,
  type EnrolmentRecord, type EnrolmentState,
} from '../../lib/security/enrolment.js';

const MAC = '000413A1B2C3';
const enrolled = (t: number, token = 'tokA'): EnrolmentRecord => ({ event: 'enrolled', t, mac: MAC, ip: '192.0.2.5', token, tokenId: 'abc123' });
const reopened = (t: number, until: number): EnrolmentRecord => ({ event: 'reopened', t, mac: MAC, until, by: 'operator' });
const fold = (...records: EnrolmentRecord[]) => records.reduce<EnrolmentState | undefined>((s, r) => applyEnrolment(s, r), undefined);

describe('enrolment status', () => {
  test('a device never served its secrets is open: it may get a token, and any valid token is admitted', () => {
    expect(enrolmentStatus(undefined, 0)).toBe('open');
    expect(mayIssueToken(undefined, 0)).toBe(true);
    expect(tokenAdmitted(undefined, 'anything', 0)).toBe(true);
  });

  test('once enrolled: no new token, and only the enrolling token is admitted', () => {
    const state = fold(enrolled(1000));
    expect(enrolmentStatus(state, 2000)).toBe('enrolled');
    expect(mayIssueToken(state, 2000)).toBe(false);
    expect(tokenAdmitted(state, 'tokA', 2000)).toBe(true);
    expect(tokenAdmitted(state, 'tokB', 2000)).toBe(false);
  });

  test('reopened until a deadline: open again before it, enrolled again after it', () => {
    const state = fold(enrolled(1000), reopened(2000, 5000));
    expect(enrolmentStatus(state, 4999)).toBe('reopened');
    expect(mayIssueToken(state, 4999)).toBe(true);
    expect(tokenAdmitted(state, 'tokB', 4999)).toBe(true);
    expect(enrolmentStatus(state, 5000)).toBe('enrolled');
    expect(tokenAdmitted(state, 'tokA', 5000)).toBe(true);
    expect(tokenAdmitted(state, 'tokB', 5000)).toBe(false);
  });

  test('enrolling after a reopen closes it again, to the new token', () => {
    const state = fold(enrolled(1000), reopened(2000, 9000), enrolled(3000, 'tokC'));
    expect(enrolmentStatus(state, 4000)).toBe('enrolled');
    expect(tokenAdmitted(state, 'tokC', 4000)).toBe(true);
    expect(tokenAdmitted(state, 'tokA', 4000)).toBe(false);
  });

  test('a reopen of a device that never enrolled keeps it open after the deadline', () => {
    expect(enrolmentStatus(fold(reopened(1000, 2000)), 3000)).toBe('open');
  });

  test('records fold by time: a reopen read late but older than the enrolment does not reopen it', () => {
    const state = fold(enrolled(3000), reopened(2000, 9000));
    expect(enrolmentStatus(state, 4000)).toBe('enrolled');
    expect(state?.reopened).toBeUndefined();
  });
});

describe('enrolment lines', () => {
  test('a record survives formatting and parsing', () => {
    for (const record of [enrolled(1_700_000_000_000), reopened(1_700_000_000_001, 1_700_086_400_001)]) {
      const line = formatEnrolmentLine(record);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(parseEnrolmentLine(line)).toEqual(record);
    }
  });

  test.each([
    ['not JSON', '{"event":"enrolled",'],
    ['not an object', '42'],
    ['a MAC in another form', '{"event":"enrolled","t":1,"mac":"00:04:13:A1:B2:C3","ip":"x","token":"t","tokenId":"i"}'],
    ['an unknown event', '{"event":"forgotten","t":1,"mac":"000413A1B2C3"}'],
    ['a reopen without a deadline', '{"event":"reopened","t":1,"mac":"000413A1B2C3","by":"op"}'],
    ['an enrolment without its token', '{"event":"enrolled","t":1,"mac":"000413A1B2C3","ip":"x","tokenId":"i"}'],
    ['a time that is not a number', '{"event":"reopened","t":"yesterday","mac":"000413A1B2C3","until":5,"by":"op"}'],
  ])('%s is not a record', (_what, line) => {
    expect(parseEnrolmentLine(line)).toBeUndefined();
  });
});
