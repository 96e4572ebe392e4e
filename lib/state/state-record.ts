/**
 * One line of the provisioning history: what happened to a phone, when. The service turns the responder's and
 * the route's events into these records and appends them to the event log; the CLI and the API read them back.
 * Records hold facts an operator needs (addresses, models, outcomes), never a secret: URLs are stored without
 * credentials, query or scope token.
 */
import { z } from 'zod';
import type { ServedFileEvent } from '../http/provisioning-reply.js';
import { parseJsonLine } from '../jsonl/parse-line.js';
import { isoTime } from '../log/iso-time.js';
import { normalizeMac } from '../mac.js';
import type { PnpExchangeEvent } from '../sip/responder-options.js';
import { vendorModule } from '../vendors/registry.js';
import { deviceStateSchema, type DeviceState } from './device-state.js';

import { mac, port, subscribeFacts, text, time } from './record-fields.js';

const subscribeRecord = z.object({
  type: z.literal('subscribe'),
  t: time,
  mac: mac.optional(),
  ...subscribeFacts,
  known: z.boolean().optional(),
  /** The device had enrolled (no token went out): the source is not proof of the phone's address. */
  enrolled: z.boolean().optional(),
  reason: text(200).optional(),
});

const notifyRecord = z.object({
  type: z.literal('notify'),
  t: time,
  mac: mac.optional(),
  ip: text(64),
  port,
  /** True when the phone answered the NOTIFY with a 2xx. */
  ok: z.boolean(),
  status: z.number().int().optional(),
  ms: z.number().min(0).optional(),
  url: text(2048).optional(),
  known: z.boolean().optional(),
  reason: text(200).optional(),
});

const fileRecord = z.object({
  type: z.literal('file'),
  t: time,
  mac: mac.optional(),
  ip: text(64),
  file: text(128),
  kind: text(32),
  status: z.number().int(),
  method: z.enum(['GET', 'HEAD']).optional(),
  known: z.boolean().optional(),
  /** How a file with secrets was authorised; absent for a public file (bootstrap, containers, firmware). */
  via: z.enum(['open', 'token', 'digest', 'basic']).optional(),
  phoneType: text(32).optional(),
  /** Model and firmware as the phone's User-Agent states them. */
  model: text(32).optional(),
  firmware: text(64).optional(),
  userAgent: text(256).optional(),
});

/** A device's whole state, written at the head of a compacted log so the state outlives the history. */
const snapshotRecord = z.object({
  type: z.literal('snapshot'),
  t: time,
  device: deviceStateSchema,
});

export const stateRecordSchema = z.discriminatedUnion('type', [subscribeRecord, notifyRecord, fileRecord, snapshotRecord]);

export type SubscribeRecord = z.infer<typeof subscribeRecord>;
export type NotifyRecord = z.infer<typeof notifyRecord>;
export type FileRecord = z.infer<typeof fileRecord>;
export type SnapshotRecord = z.infer<typeof snapshotRecord>;
export type StateRecord = z.infer<typeof stateRecordSchema>;
/** The records that are history (everything but snapshots). */
export type HistoryRecord = SubscribeRecord | NotifyRecord | FileRecord;

/** Parses one line of the log; `undefined` for anything that is not a valid record (a torn last line, say). */
export function parseStateRecord(line: string): StateRecord | undefined {
  return parseJsonLine(line, stateRecordSchema);
}

/** Retransmissions and overlapping copies of one SUBSCRIBE: counted by metrics, not worth a line of history. */
const NOT_HISTORY = new Set(['repeat', 'in-progress']);

/**
 * The record for a responder event, or `undefined` for the steps that are not history (`received`, and
 * SUBSCRIBEs ignored as retransmissions).
 */
export function recordFromExchange(event: PnpExchangeEvent, at: Date): SubscribeRecord | NotifyRecord | undefined {
  if (event.type === 'received' || (event.type === 'ignored' && NOT_HISTORY.has(event.reason))) return undefined;
  // Built by assignment, in the field order of the schema: this runs twice per phone in a boot storm, and spreads
  // of the shared fields cost several times what the rest of the record does.
  const t = isoTime(at.getTime());
  const mac = event.mac === undefined ? undefined : normalizeMac(event.mac);
  const ip = clip(event.ip, 64);
  if (event.type === 'notified' || (event.type === 'failed' && event.stage === 'notify')) {
    // An undefined mac is left out of the line by JSON.stringify, as every undefined field is.
    const record: NotifyRecord = { type: 'notify', t, mac, ip, port: event.port, ok: false };
    if (event.type === 'failed') {
      record.reason = clip(event.reason, 200);
      return record;
    }
    record.ok = event.status >= 200 && event.status < 300;
    record.status = event.status;
    record.ms = event.ms;
    record.known = event.known;
    const url = safeUrl(event.url);
    if (url !== undefined) record.url = url;
    return record;
  }
  const record: SubscribeRecord = { type: 'subscribe', t, mac, ip, port: event.port, outcome: 'answered' };
  if (event.vendor !== undefined) record.vendor = clip(event.vendor, 64);
  if (event.model !== undefined) record.model = clip(event.model, 64);
  if (event.version !== undefined) record.version = clip(event.version, 64);
  switch (event.type) {
    case 'answered':
      record.status = event.status;
      record.known = event.known;
      if (event.enrolled) record.enrolled = true;
      return record;
    case 'ignored':
      record.outcome = 'ignored';
      record.reason = event.reason;
      return record;
    case 'failed':
      record.outcome = 'failed';
      record.reason = clip(event.reason, 200);
      return record;
  }
}

/**
 * The record for a file the route served. Built by assignment, optional fields only when defined (as the schema
 * wants them): this runs for every file served, and a definedOnly copy of a literal full of undefineds cost more
 * than the rest of the record.
 */
export function recordFromServedFile(event: ServedFileEvent, at: Date): FileRecord {
  const t = isoTime(at.getTime());
  const ip = clip(event.ip, 64);
  const file = clip(event.file, 128);
  // Two literals so the line keeps the schema's field order with or without a MAC.
  const record: FileRecord = event.mac === undefined
    ? { type: 'file', t, ip, file, kind: event.kind, status: event.status }
    : { type: 'file', t, mac: event.mac, ip, file, kind: event.kind, status: event.status };
  if (event.method === 'HEAD') record.method = 'HEAD';
  if (event.known !== undefined) record.known = event.known;
  if (event.auth !== undefined) record.via = event.auth.via;
  if (event.phoneType !== undefined) record.phoneType = clip(event.phoneType, 32);
  // Each vendor's phones state model and firmware their own way: the vendor that served the file reads it.
  const ua = vendorModule(event.vendor)?.parseUserAgent(event.userAgent);
  if (ua !== undefined) {
    record.model = clip(ua.model, 32);
    if (ua.version !== undefined) record.firmware = clip(ua.version, 64);
  }
  if (event.userAgent !== undefined) record.userAgent = clip(event.userAgent, 256);
  return record;
}

/**
 * A URL fit to keep: no credentials, query or fragment, and no scope token (`/t/<token>/`, see
 * provisioning-urls.ts) so history never holds anything that opens a phone's files.
 */
export function safeUrl(url: string): string | undefined {
  return plainHttpUrl(url) ?? parsedSafeUrl(url);
}

function parsedSafeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return keptUrl(`${parsed.protocol}//${parsed.host}`, parsed.pathname);
}

function keptUrl(origin: string, pathname: string): string {
  const segments = pathname.split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    if (segments[i] === 't' && segments[i + 1] !== '') segments[i + 1] = '…';
  }
  return clip(`${origin}${segments.join('/')}`, 2048);
}

const PLAIN_HTTP_URL = /^(https?:\/\/[A-Za-z0-9.:[\]-]+)(\/[A-Za-z0-9\-._~!$&'()*+,;=:@/[\]]*)$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
/** Raw origin -> URL's canonical `protocol//host` (undefined: not a valid origin), for at most MAX_ORIGINS. */
const origins = new Map<string, string | undefined>();
const MAX_ORIGINS = 64;

/**
 * An http(s) URL without credentials, query or fragment, whose path WHATWG parsing would keep as it is (no dot
 * segments, nothing it escapes or decodes): what the responder sends, and nearly every URL recorded. Its origin is
 * parsed once (URL's canonical host and port); the path is taken as written. Parsing each URL with `new URL` was
 * the largest part of building a notify record. `undefined`: anything else, left to the full parse.
 */
function plainHttpUrl(url: string): string | undefined {
  const match = PLAIN_HTTP_URL.exec(url);
  if (match === null) return undefined;
  const [, rawOrigin = '', path = ''] = match;
  if (DOT_SEGMENT.test(path)) return undefined;
  let origin = origins.get(rawOrigin);
  if (origin === undefined && !origins.has(rawOrigin)) {
    if (origins.size >= MAX_ORIGINS) return undefined;
    origin = canonicalOrigin(rawOrigin);
    origins.set(rawOrigin, origin);
  }
  return origin === undefined ? undefined : keptUrl(origin, path);
}

function canonicalOrigin(rawOrigin: string): string | undefined {
  try {
    const parsed = new URL(`${rawOrigin}/`);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

/** A snapshot record of one device. */
export function snapshotOf(device: DeviceState, at: Date): SnapshotRecord {
  // isoTime: a compaction snapshots every remembered device (20,000 by default) at the same time.
  return { type: 'snapshot', t: isoTime(at.getTime()), device };
}

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}
