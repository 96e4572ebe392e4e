/**
 * One line of the provisioning history: what happened to a phone, when. The service turns the responder's and
 * the route's events into these records and appends them to the event log; the CLI and the API read them back.
 * Records hold facts an operator needs (addresses, models, outcomes), never a secret: URLs are stored without
 * credentials, query or scope token.
 */
import { z } from 'zod';
import type { ServedFileEvent } from '../http/provisioning-reply.js';
import { normalizeMac } from '../mac.js';
import type { PnpExchangeEvent } from '../sip/responder-options.js';
import { parseSnomUserAgent } from '../vendors/snom/user-agent.js';
import { deviceStateSchema, type DeviceState } from './device-state.js';

import { mac, port, subscribeFacts, text, time } from './record-fields.js';

const subscribeRecord = z.object({
  type: z.literal('subscribe'),
  t: time,
  mac: mac.optional(),
  ...subscribeFacts,
  known: z.boolean().optional(),
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
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = stateRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Retransmissions and overlapping copies of one SUBSCRIBE: counted by metrics, not worth a line of history. */
const NOT_HISTORY = new Set(['repeat', 'in-progress']);

/**
 * The record for a responder event, or `undefined` for the steps that are not history (`received`, and
 * SUBSCRIBEs ignored as retransmissions).
 */
export function recordFromExchange(event: PnpExchangeEvent, at: Date): SubscribeRecord | NotifyRecord | undefined {
  const mac = event.mac === undefined ? undefined : normalizeMac(event.mac);
  const subject = definedOnly({ t: at.toISOString(), mac, ip: clip(event.ip, 64), port: event.port });
  const phone = definedOnly({ vendor: clipOpt(event.vendor, 64), model: clipOpt(event.model, 64), version: clipOpt(event.version, 64) });
  switch (event.type) {
    case 'received':
      return undefined;
    case 'answered':
      return { type: 'subscribe', ...subject, ...phone, outcome: 'answered', status: event.status, known: event.known };
    case 'ignored':
      if (NOT_HISTORY.has(event.reason)) return undefined;
      return { type: 'subscribe', ...subject, ...phone, outcome: 'ignored', reason: event.reason };
    case 'failed':
      if (event.stage === 'respond') return { type: 'subscribe', ...subject, ...phone, outcome: 'failed', reason: clip(event.reason, 200) };
      return { type: 'notify', ...subject, ok: false, reason: clip(event.reason, 200) };
    case 'notified':
      return {
        type: 'notify', ...subject, ok: event.status >= 200 && event.status < 300, status: event.status,
        ms: event.ms, known: event.known, ...definedOnly({ url: safeUrl(event.url) }),
      };
  }
}

/** The record for a file the route served. */
export function recordFromServedFile(event: ServedFileEvent, at: Date): FileRecord {
  const ua = parseSnomUserAgent(event.userAgent);
  return definedOnly({
    type: 'file' as const,
    t: at.toISOString(),
    mac: event.mac,
    ip: clip(event.ip, 64),
    file: clip(event.file, 128),
    kind: event.kind,
    status: event.status,
    method: event.method === 'HEAD' ? 'HEAD' as const : undefined,
    known: event.known,
    phoneType: clipOpt(event.phoneType, 32),
    model: clipOpt(ua?.model, 32),
    firmware: clipOpt(ua?.version, 64),
    userAgent: clipOpt(event.userAgent, 256),
  });
}

/**
 * A URL fit to keep: no credentials, query or fragment, and no scope token (`/t/<token>/`, see
 * provisioning-urls.ts) so history never holds anything that opens a phone's files.
 */
export function safeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const segments = parsed.pathname.split('/');
  for (let i = 0; i < segments.length - 1; i++) {
    if (segments[i] === 't' && segments[i + 1] !== '') segments[i + 1] = '…';
  }
  return clip(`${parsed.protocol}//${parsed.host}${segments.join('/')}`, 2048);
}

/** A snapshot record of one device. */
export function snapshotOf(device: DeviceState, at: Date): SnapshotRecord {
  return { type: 'snapshot', t: at.toISOString(), device };
}

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function clipOpt(s: string | undefined, max: number): string | undefined {
  return s === undefined ? undefined : clip(s, max);
}

function definedOnly<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
