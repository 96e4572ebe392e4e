import { Socket } from 'node:net';
import { ownCopy } from './own-string.js';
import type { MessageSource, SipRequestView } from './parse-subscribe.js';
import { callMethod as call, methodOf, propOf as prop, toError } from './unknown-object.js';

/**
 * The one typed door to drachtio-srf. Its shipped typings are incomplete and in places wrong (no 3-argument
 * `res.send` with callback, no `res.agent`, `get()` claimed to always return a string, `connect()` as a
 * Promise), so everything drachtio-srf hands over is taken as `unknown` here and narrowed before use. The 200 and
 * the NOTIFY go through srf's public API only (`res.send`, then a `Srf.Dialog`'s `request`): a fast path that wrote
 * srf's frames into its private tables was measured through drachtio-server and removed (docs/real-drachtio.md).
 */

/** Callable form of a middleware `next`; a missing one becomes a no-op. */
export function asNext(next: unknown): (err?: unknown) => void {
  return typeof next === 'function' ? (next as (err?: unknown) => void) : () => undefined;
}

/**
 * Compact header names (RFC 3261 §7.3.3 and later RFCs). drachtio-srf maps some of them (`f`, `t`, `i`, `m`,
 * `v`, `l`, `c`, ...) but not `o` (Event) nor `u` (Allow-Events), which it passes on under the short name.
 */
const COMPACT_NAMES: Readonly<Record<string, string>> = {
  'accept-contact': 'a', 'referred-by': 'b', 'content-type': 'c', 'request-disposition': 'd',
  'content-encoding': 'e', from: 'f', 'call-id': 'i', 'reject-contact': 'j', supported: 'k',
  'content-length': 'l', contact: 'm', 'identity-info': 'n', event: 'o', 'refer-to': 'r', subject: 's',
  to: 't', 'allow-events': 'u', via: 'v', 'session-expires': 'x', identity: 'y',
};

/** The compact form of a header name, if it has one. */
export function compactHeaderName(name: string): string | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(COMPACT_NAMES, key) ? COMPACT_NAMES[key] : undefined;
}

/** Reads a header of a drachtio-srf SipMessage by long or compact name. */
function headerOf(message: unknown, name: string): string | undefined {
  const long = call(message, 'get', name);
  if (typeof long === 'string') return long;
  const compact = compactHeaderName(name);
  if (compact === undefined) return undefined;
  const short = call(message, 'get', compact);
  return typeof short === 'string' ? short : undefined;
}

/**
 * Header reads of one message, answered as `get()` answers them (see headerOf). srf's `get()` reads process.env and
 * lower-cases every header name on each call, which made the responder's dozen reads cost more than its own
 * parsing. srf's parser stores every header but `X-`/`P-` ones (and names an operator preserves) under its
 * lower-case name, so a long name is first looked up as that key, which costs nothing per message; only a miss
 * builds an index of the message's header names, lower-cased (get() answers with the first name that matches in
 * any case). Compact names, and the compact form of a long name that is missing, still go through `get()`, which
 * knows srf's own compact-name table. Without a readable `headers` object, everything does.
 */
function headerReader(message: unknown): (name: string) => string | undefined {
  const headers = prop(message, 'headers');
  if (typeof headers !== 'object' || headers === null) return (name) => headerOf(message, name);
  const table = headers as Record<string, unknown>;
  let index: Map<string, string> | undefined;
  return (name) => {
    if (name.length === 1) return headerOf(message, name);
    const lower = name.toLowerCase();
    const direct = Object.hasOwn(table, lower) ? table[lower] : undefined;
    if (typeof direct === 'string' && !lower.startsWith('x-') && !lower.startsWith('p-')) return direct;
    if (index === undefined) {
      index = new Map();
      for (const key of Object.keys(table)) {
        const value = table[key];
        const keyLower = key.toLowerCase();
        if (typeof value === 'string' && !index.has(keyLower)) index.set(keyLower, value);
      }
    }
    const long = index.get(lower);
    if (long !== undefined) return long;
    const compact = compactHeaderName(name);
    if (compact === undefined) return undefined;
    const short = call(message, 'get', compact);
    return typeof short === 'string' ? short : undefined;
  };
}

/** An incoming request, typed. */
export interface IncomingRequest extends SipRequestView {
  method: string;
}

/** The response as drachtio-server put it on the wire. */
export interface SentResponse {
  status: number;
  /** The Contact sent (ours, or the one drachtio-server generated). */
  contact?: string;
  /** drachtio-server's id of the dialog the response created (`<Call-ID>;from-tag=<tag>`). */
  dialogId?: string;
}

export interface InDialogRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface InDialogResult {
  status: number;
  reason: string;
}

/** One incoming request with its response object, as drachtio-srf hands them to middleware. */
export interface SrfExchange {
  readonly request: IncomingRequest;
  /** True once a final response went out (from us or from any other middleware). */
  readonly finalResponseSent: boolean;
  /** Sends a final response and resolves with what was sent; rejects if it could not be sent. */
  respond(status: number, headers?: Record<string, string>, timeoutMs?: number): Promise<SentResponse>;
  /**
   * Sends a request inside the dialog our 2xx created and resolves with its final response (a 408 from
   * drachtio-server when the phone never answers). Rejects when it cannot be sent or no final response comes
   * within `timeoutMs`. No Dialog is registered with srf, so nothing is kept per phone.
   */
  requestInDialog(sent: SentResponse, request: InDialogRequest, timeoutMs: number): Promise<InDialogResult>;
}

/** Wraps drachtio-srf's `req`/`res`; `undefined` if they are not what drachtio-srf passes to middleware. */
export function adaptExchange(req: unknown, res: unknown): SrfExchange | undefined {
  const method = prop(req, 'method');
  const uri = prop(req, 'uri');
  if (typeof method !== 'string' || typeof uri !== 'string') return undefined;
  if (!methodOf(req, 'get') || !methodOf(res, 'send')) return undefined;
  return new SrfPublicExchange(req, res, { method, uri, header: headerReader(req), source: sourceOf(req) });
}

/**
 * drachtio-srf's public API: res.send, then the request through a Dialog built on what was sent. A class, not an
 * object of closures: one allocation per phone of a boot storm instead of four.
 */
class SrfPublicExchange implements SrfExchange {
  /** The response as srf handed it back, for the Dialog. */
  #sentMessage: unknown;

  constructor(private readonly req: unknown, private readonly res: unknown, readonly request: IncomingRequest) {}

  get finalResponseSent(): boolean {
    return prop(this.res, 'finalResponseSent') === true;
  }

  respond(status: number, headers?: Record<string, string>, timeoutMs?: number): Promise<SentResponse> {
    batchWrites(this.req);
    return respondThroughSrf(this.res, status, headers ?? {}, timeoutMs ?? 10_000, (sent) => {
      this.#sentMessage = sent;
    });
  }

  requestInDialog(sent: SentResponse, inDialog: InDialogRequest, timeoutMs: number): Promise<InDialogResult> {
    batchWrites(this.req);
    return requestThroughDialog(this.req, this.res, sent, this.#sentMessage, inDialog, timeoutMs);
  }
}

/** drachtio connections whose writes are held until the end of this turn of the event loop. */
const corked = new WeakSet<Socket>();

/**
 * Holds the writes to the request's drachtio connection until the end of this turn of the event loop (cork, then
 * uncork in setImmediate): srf writes every message on its own, and in a burst the answers to many phones then
 * leave in one system call instead of one each. Nothing waits longer than the current turn. It touches only the
 * Node socket srf puts on every request (`req.socket`, what srf's own Dialog#socket returns), none of srf's tables
 * or state. Through
 * drachtio-server, the public path's write system calls per exchange went from 3.0 to 1.1-1.2 (the third is the
 * log line), which drachtio-server feels too: fewer, larger reads.
 */
function batchWrites(req: unknown): void {
  const socket = prop(req, 'socket');
  if (!(socket instanceof Socket) || corked.has(socket)) return;
  corked.add(socket);
  socket.cork();
  setImmediate(() => {
    corked.delete(socket);
    socket.uncork();
  });
}

function sourceOf(req: unknown): MessageSource {
  const address = prop(req, 'source_address');
  const port = prop(req, 'source_port');
  const transport = prop(req, 'protocol');
  return {
    // Kept for minutes (tokens, rate limits, device state): an own copy, not a view into the frame (own-string.ts).
    address: typeof address === 'string' ? ownCopy(address) : '',
    port: typeof port === 'number' && Number.isInteger(port) ? port : Number.parseInt(String(port), 10) || 0,
    transport: typeof transport === 'string' ? transport.toLowerCase() : '',
  };
}

function respondThroughSrf(
  res: unknown, status: number, headers: Record<string, string>, timeoutMs: number, keep?: (sent: unknown) => void,
): Promise<SentResponse> {
  return withTimeout<SentResponse>(timeoutMs, `no echo of the ${status} from drachtio-server`, (resolve, reject) => {
    call(res, 'send', status, { headers: { ...headers } }, (err: unknown, sent: unknown) => {
      if (err) return reject(toError(err, `sending ${status} failed`));
      keep?.(sent);
      const result: SentResponse = { status };
      const contact = safeHeader(headerReader(sent), 'Contact');
      if (contact !== undefined) result.contact = contact;
      const dialogId = prop(res, 'stackDialogId');
      if (typeof dialogId === 'string' && dialogId !== '') result.dialogId = dialogId;
      resolve(result);
    });
  });
}

function safeHeader(header: (name: string) => string | undefined, name: string): string | undefined {
  try {
    return header(name);
  } catch {
    return undefined;
  }
}

type DialogClass = new (srf: unknown, type: 'uas', opts: { req: unknown; res: unknown; sent: unknown }) => object;

/** One-shot Dialog classes, by the drachtio-srf Dialog class they extend (the host's copy of drachtio-srf). */
const oneShotClasses = new WeakMap<object, DialogClass>();

/**
 * drachtio-srf's Dialog (`Srf.Dialog`, a public class) for a subscription that ends with its one NOTIFY. srf ends a
 * SUBSCRIBE dialog when the terminating NOTIFY is answered and its subscription is found: it looks the subscription up
 * by the From drachtio-server echoes, which drachtio-server rewrote (`MAC%3a` -> `MAC%3A`), fails for Snom's
 * spelling, prints an error and keeps the Dialog. The only subscription of a one-shot dialog is the one ending here,
 * so this Dialog says so whatever the spelling; srf then ends it its own way (removeDialog, destroy, listeners removed).
 */
function oneShotDialogClass(req: unknown): DialogClass | undefined {
  const srfClass = prop(prop(req, 'srf'), 'constructor');
  const base = prop(srfClass, 'Dialog');
  if (typeof base !== 'function') return undefined;
  let oneShot = oneShotClasses.get(base);
  if (oneShot === undefined) {
    const Base = base as DialogClass;
    oneShot = class OneShotDialog extends Base {
      removeSubscription(): number {
        Reflect.set(this, 'subscriptions', []);
        return 0;
      }
    };
    oneShotClasses.set(base, oneShot);
  }
  return oneShot;
}

/**
 * The in-dialog request through drachtio-srf's public API: a Dialog built on the request, the response and the
 * response as sent (what `srf.createUAS` does, without its 202), then `dialog.request`. The Dialog is not registered
 * with srf (`addDialog`): nothing of the phone's arrives inside this dialog that the middleware chain should not see,
 * and an unregistered Dialog cannot be left behind in srf's table when the response never comes.
 */
function requestThroughDialog(
  req: unknown, res: unknown, sent: SentResponse, sentMessage: unknown, inDialog: InDialogRequest, timeoutMs: number,
): Promise<InDialogResult> {
  if (sent.dialogId === undefined || sentMessage === undefined) return Promise.reject(new Error('the response created no dialog'));
  const Dialog = oneShotDialogClass(req);
  if (!Dialog) return Promise.reject(new Error('drachtio-srf gave no Dialog class to send with'));
  let dialog: object | undefined;
  return withTimeout<InDialogResult>(timeoutMs, `no final response to ${inDialog.method} within ${timeoutMs} ms`, (resolve, reject) => {
    dialog = new Dialog(prop(req, 'srf'), 'uas', { req, res, sent: sentMessage });
    const request: Record<string, unknown> = { method: inDialog.method.toUpperCase(), headers: { ...inDialog.headers } };
    if (inDialog.body !== undefined) request['body'] = inDialog.body;
    const pending = call(dialog, 'request', request);
    if (!(pending instanceof Promise)) return reject(new Error('Dialog#request returned no promise'));
    const onResponse = finalResponse(resolve, reject);
    pending.then(onResponse, (err: unknown) => reject(toError(err, `sending ${inDialog.method} failed`)));
  }, () => {
    // Settled by our deadline or a failure: nothing of the Dialog stays subscribed to anything.
    if (dialog !== undefined) call(dialog, 'removeAllListeners');
  });
}

/** A 'response' listener that settles on the first final response (provisional ones are 'response' events too). */
function finalResponse(resolve: (result: InDialogResult) => void, reject: (err: Error) => void): (response: unknown) => void {
  return (response) => {
    const status = prop(response, 'status');
    if (typeof status !== 'number') return reject(new Error('final response without a status'));
    if (status < 200) return;
    const reason = prop(response, 'reason');
    resolve({ status, reason: typeof reason === 'string' ? reason : '' });
  };
}

/**
 * Runs `start` as a promise that rejects with `ETIMEDOUT` after `timeoutMs`; synchronous throws reject too.
 * `settled` runs once, however it ends, before the promise settles.
 */
function withTimeout<T>(
  timeoutMs: number, message: string,
  start: (resolve: (value: T) => void, reject: (err: Error) => void) => void,
  settled?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let open = true;
    const finish = (): boolean => {
      if (!open) return false;
      open = false;
      clearTimeout(timer);
      try {
        settled?.();
      } catch {
        // Clean-up only: the outcome stands.
      }
      return true;
    };
    const timer = setTimeout(() => {
      if (finish()) reject(Object.assign(new Error(message), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const fail = (err: Error): void => {
      if (finish()) reject(err);
    };
    try {
      start((value) => {
        if (finish()) resolve(value);
      }, fail);
    } catch (err) {
      fail(toError(err, 'drachtio-srf threw'));
    }
  });
}

/** Publishes `value` on the request under `key`, the way drachtio middleware plugins share what they parsed. */
export function publishOnRequest(req: unknown, key: string | symbol, value: unknown): void {
  if (typeof req === 'object' && req !== null) Reflect.set(req, key, value);
}

/** How many Dialog objects srf keeps (its `_dialogs` table): for leak checks and metrics. */
export function countSrfDialogs(srf: unknown): number {
  const size = prop(prop(srf, '_dialogs'), 'size');
  return typeof size === 'number' ? size : 0;
}

