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
 *   held       its enrolment is unknown: the register was missing or damaged at start while the device state showed
 *              the device provisioned, so it may have enrolled in the records that were lost. Treated as enrolled,
 *              but no token at all is admitted, until an operator reopens it (`devices reopen --all-missing`)
 *
 * Pure: records are folded into states by time, so records read late (another process appended them) land where
 * they belong. The file that keeps them is enrolment-register.ts.
 */
import { z } from 'zod';
import { parseJsonLine } from '../jsonl/parse-line.js';
import { isNormalizedMac } from '../mac.js';

const mac = z.string().refine(isNormalizedMac);
const text = (max: number) => z.string().min(1).max(max);
/** Milliseconds since the epoch. */
const millis = z.number().nonnegative();

/** One line of the enrolment file. */
const enrolmentRecordSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('enrolled'),
    t: millis,
    mac,
    /** The address the secrets went to. */
    ip: text(64),
    /** The enrolling token's store key (a hash of the token, never the token). */
    token: text(64),
    /** The token's log id (6 hex digits). */
    tokenId: text(16),
  }),
  z.object({ event: z.literal('reopened'), t: millis, mac, until: millis, by: text(64) }),
  /** Written by the service at start for a device the register lost (see above). */
  z.object({ event: z.literal('held'), t: millis, mac, reason: text(200) }),
]);

export type EnrolmentRecord = z.infer<typeof enrolmentRecordSchema>;

export interface EnrolmentState {
  mac: string;
  /** When and where it enrolled last; absent for a device reopened before it ever enrolled. */
  enrolled?: { t: number; ip: string; token: string; tokenId: string };
  reopened?: { t: number; until: number; by: string };
  /** Why its enrolment is unknown; cleared by a reopen or an enrolment. */
  held?: { t: number; reason: string };
  /** Time of the latest record applied. */
  t: number;
}

export type EnrolmentStatus = 'open' | 'enrolled' | 'reopened' | 'held';

/** A state after one more record. A record older than the state's latest changes nothing. */
export function applyEnrolment(state: EnrolmentState | undefined, record: EnrolmentRecord): EnrolmentState {
  if (state && record.t < state.t) return state;
  if (record.event === 'enrolled') {
    return { mac: record.mac, enrolled: { t: record.t, ip: record.ip, token: record.token, tokenId: record.tokenId }, t: record.t };
  }
  if (record.event === 'held') {
    return { mac: record.mac, ...(state?.enrolled ? { enrolled: state.enrolled } : {}), held: { t: record.t, reason: record.reason }, t: record.t };
  }
  // A reopen is the operator's decision: it ends a hold.
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
  if (state.held) return 'held';
  return state.enrolled ? 'enrolled' : 'open';
}

/** Whether the responder may put a token for this device into a NOTIFY URL. */
export function mayIssueToken(state: EnrolmentState | undefined, now: number): boolean {
  const status = enrolmentStatus(state, now);
  return status === 'open' || status === 'reopened';
}

/**
 * Whether a valid token may deliver the device's secrets: yes while the device may enrol, and for an enrolled
 * device only the token that enrolled it (a phone retrying a fetch that failed half-way).
 */
export function tokenAdmitted(state: EnrolmentState | undefined, token: string, now: number): boolean {
  const status = enrolmentStatus(state, now);
  if (status === 'open' || status === 'reopened') return true;
  return status === 'enrolled' && state?.enrolled?.token === token;
}

/** One line of the enrolment file, or undefined for a line that is not a record (it is skipped and counted). */
export function parseEnrolmentLine(line: string): EnrolmentRecord | undefined {
  return parseJsonLine(line, enrolmentRecordSchema);
}

/** One record as a line of the file (key order fixed, for people reading it). */
export function formatEnrolmentLine(record: EnrolmentRecord): string {
  return `${JSON.stringify(record)}\n`;
}
