/**
 * Enrolment: a known device receives its secrets by PnP once. PnP is unauthenticated multicast, so a host on the
 * phones' LAN can send a SUBSCRIBE naming any MAC it has seen; without this, it would get a token for that MAC and
 * with it the phone's SIP password. So:
 *
 *   open       never given its secrets by PnP: a SUBSCRIBE for it gets a token
 *   enrolled   its settings with secrets were served under a token: later SUBSCRIBEs get no token (the NOTIFY
 *              still carries the secret-free URL), and only the token that enrolled it keeps working (the phone's
 *              own retries); the phone re-provisions with the HTTP credentials it was given (digest)
 *   reopened   an operator let it enrol again (a factory reset, a replaced phone), until a deadline
 *
 * Pure: records are folded into states by time, so records read late (another process appended them) land where
 * they belong. The file that keeps them is enrolment-file.ts.
 */
import { isNormalizedMac } from '../mac.js';

export type EnrolmentRecord =
  | {
      event: 'enrolled';
      /** Milliseconds since the epoch. */
      t: number;
      mac: string;
      /** The address the secrets went to. */
      ip: string;
      /** The enrolling token's store key (a hash of the token, never the token). */
      token: string;
      /** The token's log id (6 hex digits). */
      tokenId: string;
    }
  | { event: 'reopened'; t: number; mac: string; until: number; by: string };

export interface EnrolmentState {
  mac: string;
  /** When and where it enrolled last; absent for a device reopened before it ever enrolled. */
  enrolled?: { t: number; ip: string; token: string; tokenId: string };
  reopened?: { t: number; until: number; by: string };
  /** Time of the latest record applied. */
  t: number;
}

export type EnrolmentStatus = 'open' | 'enrolled' | 'reopened';

/** A state after one more record. A record older than the state's latest changes nothing. */
export function applyEnrolment(state: EnrolmentState | undefined, record: EnrolmentRecord): EnrolmentState {
  if (state && record.t < state.t) return state;
  if (record.event === 'enrolled') {
    return { mac: record.mac, enrolled: { t: record.t, ip: record.ip, token: record.token, tokenId: record.tokenId }, t: record.t };
  }
  return {
    mac: record.mac,
    ...(state?.enrolled ? { enrolled: state.enrolled } : {}),
    reopened: { t: record.t, until: record.until, by: record.by },
    t: record.t,
  };
}

/** Where a device stands at `now`. */
export function enrolmentStatus(state: EnrolmentState | undefined, now: number): EnrolmentStatus {
  if (!state) return 'open';
  if (state.reopened && state.reopened.until > now) return 'reopened';
  return state.enrolled ? 'enrolled' : 'open';
}

/** Whether the responder may put a token for this device into a NOTIFY URL. */
export function mayIssueToken(state: EnrolmentState | undefined, now: number): boolean {
  return enrolmentStatus(state, now) !== 'enrolled';
}

/**
 * Whether a valid token may deliver the device's secrets: yes while the device may enrol, and for an enrolled
 * device only the token that enrolled it (a phone retrying a fetch that failed half-way).
 */
export function tokenAdmitted(state: EnrolmentState | undefined, token: string, now: number): boolean {
  if (enrolmentStatus(state, now) !== 'enrolled') return true;
  return state?.enrolled?.token === token;
}

const TEXT = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const TIME = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** One line of the enrolment file, or undefined for a line that is not a record (it is skipped and counted). */
export function parseEnrolmentLine(line: string): EnrolmentRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.mac !== 'string' || !isNormalizedMac(r.mac) || !TIME(r.t)) return undefined;
  if (r.event === 'enrolled' && TEXT(r.ip, 64) && TEXT(r.token, 64) && TEXT(r.tokenId, 16)) {
    return { event: 'enrolled', t: r.t, mac: r.mac, ip: r.ip, token: r.token, tokenId: r.tokenId };
  }
  if (r.event === 'reopened' && TIME(r.until) && TEXT(r.by, 64)) {
    return { event: 'reopened', t: r.t, mac: r.mac, until: r.until, by: r.by };
  }
  return undefined;
}

/** One record as a line of the file (key order fixed, for people reading it). */
export function formatEnrolmentLine(record: EnrolmentRecord): string {
  return `${JSON.stringify(record)}\n`;
}
