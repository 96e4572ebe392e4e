import { methodOf, propOf as prop } from './unknown-object.js';

/**
 * The responder's two messages (the 200 to a SUBSCRIBE, the NOTIFY in the dialog it created) written as the
 * frames drachtio-srf 5 writes for them (recordings 02 and 03), through srf's own connection to drachtio-server
 * (its WireProtocol `send`, which numbers the frame) and srf's own tables of awaited answers, but without srf's
 * general-purpose path. That path built each message three times (a SipMessage, a copy, its text), stringified it
 * to JSON up to four times for debug lines that are off, and parsed drachtio-server's echo of each message in full;
 * for a PnP exchange that was as much CPU as all of the responder's own work. Here the frame is one template
 * string, and of each echo only what the responder uses is read (the status token, the dialog id drachtio-server
 * gives in the frame, the Contact line).
 *
 * Part of the typed adapter over drachtio-srf (srf-adapter.ts): only it calls these, and only when srf's internals
 * are the ones this was written against ({@link srfInternals}); otherwise it takes srf's public path
 * (`res.send`, `agent.request`), which behaves the same, slower.
 */

/** An answer drachtio-server sends to a frame of ours: srf calls it with the frame's tokens after `response|<id>|`. */
type PendingAnswer = (token: string[], raw: string | undefined, meta: Record<string, string | undefined>) => void;

/** What srf keeps per drachtio connection (DrachtioAgent#mapServer values). */
interface ConnectionTables {
  /** Frames of ours awaiting drachtio-server's `response|<msgId>` echo. */
  pendingRequests: Map<string, PendingAnswer>;
  /** Requests we sent, awaiting the network's responses, by drachtio-server's transaction id. */
  pendingSipRequests: Map<string, { req: unknown }>;
}

export interface SrfInternals {
  /** Writes `frame` on the drachtio connection; returns the frame's message id. */
  send(frame: string): string;
  tables: ConnectionTables;
}

/** srf's connection internals behind a request or response object, when they are what drachtio-srf 5 has; else undefined. */
export function srfInternals(message: unknown): SrfInternals | undefined {
  const agent = prop(message, 'agent');
  const socket = prop(message, 'socket');
  const wp = prop(agent, 'wp');
  const mapServer = prop(agent, 'mapServer');
  const send = methodOf(wp, 'send');
  if (!send || !(mapServer instanceof Map)) return undefined;
  const tables: unknown = mapServer.get(socket);
  if (!(prop(tables, 'pendingRequests') instanceof Map) || !(prop(tables, 'pendingSipRequests') instanceof Map)) return undefined;
  return { send: (frame) => String(send.call(wp, socket, frame)), tables: tables as ConnectionTables };
}

/**
 * Whether a response may be written as a frame here: nothing was sent on it yet, and nobody wrapped its `send`
 * (an app that did must see our responses go through its wrapper).
 */
export function untouchedResponse(res: unknown): boolean {
  return typeof res === 'object' && res !== null && !Object.hasOwn(res, 'send') && prop(res, 'finished') === false;
}

/** The headers a response copies from its request, as srf's Response does (`set req`). */
export interface DialogHeaders {
  callId: string;
  cseq: string;
  from: string;
  to: string;
}

/** The frame of a 200 OK to the request drachtio-server numbered `transactionId`. */
export function responseFrame(transactionId: string, dialog: DialogHeaders, headers: Record<string, string>): string {
  let text = `sip|${transactionId}|\r\nSIP/2.0 200 OK\r\nCall-ID: ${dialog.callId}\r\nCSeq: ${dialog.cseq}\r\nFrom: ${dialog.from}\r\nTo: ${dialog.to}\r\n`;
  for (const name in headers) text += `${name}: ${headers[name]}\r\n`;
  return `${text}Content-Length: 0\r\n\r\n`;
}

/**
 * The frame of a request inside the dialog drachtio-server calls `dialogId`: `<METHOD> sip:placeholder`, which
 * drachtio-server fills in from the dialog (recording 03). Content-Length counts bytes (srf counted characters).
 */
export function inDialogFrame(dialogId: string, method: string, headers: Record<string, string>, body = ''): string {
  let text = `sip||${dialogId}\r\n${method} sip:placeholder SIP/2.0\r\n`;
  for (const name in headers) text += `${name}: ${headers[name]}\r\n`;
  return `${text}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/**
 * The value of header `name` (or its compact form) in SIP message text, the first line that has it; folded lines are
 * not joined (drachtio-server's echoes, which this reads, never fold).
 */
export function headerInText(text: string, name: string, compact?: string): string | undefined {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  let at = head.indexOf('\r\n');
  while (at !== -1) {
    const start = at + 2;
    const next = head.indexOf('\r\n', start);
    const line = next === -1 ? head.slice(start) : head.slice(start, next);
    const colon = line.indexOf(':');
    if (colon > 0) {
      const key = line.slice(0, colon).trimEnd().toLowerCase();
      if (key === name || key === compact) return line.slice(colon + 1).trim();
    }
    at = next;
  }
  return undefined;
}
