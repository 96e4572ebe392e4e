import { performance } from 'node:perf_hooks';
import { checkKnown, type KnownCheck } from '../devices/with-deadline.js';
import type { Logger } from '../log/logger.js';
import { sameAddress } from '../net/address.js';
import { expandUrlTemplate, redactTokens, scopeNotifyUrl, tokenScope } from '../provisioning-urls.js';
import { applyUrlQuirks, recogniseVendor, urlTemplateFor } from '../vendors/registry.js';
import { buildNotify } from './notify.js';
import { isUaProfile, parseSubscribe, type PnpSubscribe } from './parse-subscribe.js';
import {
  resolveResponderOptions, type PnpExchangeEvent, type PnpExchangeSubject, type PnpIgnoreReason,
  type PnpResponderOptions, type ResolvedResponderOptions,
} from './responder-options.js';
import { SeenRequests, type RequestKey } from './seen-requests.js';
import { announceNotifyRoot } from '../plugin/mount-check.js';
import { adaptExchange, asNext, publishOnRequest, type SrfExchange } from './srf-adapter.js';

export type { PnpExchangeEvent, PnpIgnoreReason, PnpResponderOptions, UnknownDevicePolicy } from './responder-options.js';

/** A drachtio-srf middleware: `(req, res, next)`, typed loosely enough to fit srf's own (wrong) typings. */
export type SrfMiddleware = (req: unknown, res: unknown, next: unknown) => void;

/** How one request ended, for tests and embedding. */
export type PnpOutcome =
  | { result: 'passed' }
  | { result: 'ignored'; reason: PnpIgnoreReason }
  | { result: 'answered'; status: number }
  | { result: 'notified'; status: number; url: string }
  | { result: 'failed'; stage: 'respond' | 'notify'; reason: string };

export interface PnpHandler {
  /** Handles one request; calls `next` when it is not a PnP SUBSCRIBE. Never rejects. */
  handle(exchange: SrfExchange, next: (err?: unknown) => void, publish?: (parsed: PnpSubscribe) => void): Promise<PnpOutcome>;
}

/**
 * Where the responder keeps what it parsed on the request, besides the public `req.pnp` (which anyone may
 * overwrite): a property under a symbol of this module, not a WeakMap, whose entries the garbage collector must
 * treat specially for every request of a boot storm.
 */
const PUBLISHED = Symbol('drachtio-pnp.parsed');

/** What the responder parsed from a request (`req.pnp`), typed; `undefined` if it did not handle it. */
export function getPnp(req: unknown): PnpSubscribe | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const parsed: unknown = Reflect.get(req, PUBLISHED);
  return parsed === undefined ? undefined : parsed as PnpSubscribe;
}

/**
 * The SIP plug-and-play responder as drachtio-srf middleware: answers `Event: ua-profile` SUBSCRIBEs with
 * `200 OK` (Expires: 0) and one in-dialog NOTIFY carrying the provisioning URL; passes every other request on
 * with `next()`. Options are checked here, once (TypeError on a bad one). What it parsed is published as
 * `req.pnp` (typed: {@link getPnp}).
 *
 * @example
 * srf.use('subscribe', pnpResponder({ directory, publicUrl: 'http://192.0.2.10:8080', logger }));
 * srf.use('subscribe', badEventResponder());
 */
export function pnpResponder(options: PnpResponderOptions): SrfMiddleware {
  return responderMiddleware(createPnpHandler(options));
}

/** The srf middleware around a handler. */
export function responderMiddleware(handler: PnpHandler): SrfMiddleware {
  return function pnpResponderMiddleware(req, res, next) {
    const proceed = asNext(next);
    const exchange = adaptExchange(req, res);
    if (!exchange) {
      proceed();
      return;
    }
    void handler.handle(exchange, proceed, (parsed) => {
      publishOnRequest(req, PUBLISHED, parsed);
      publishOnRequest(req, 'pnp', parsed);
    });
  };
}

/**
 * Why a PnP SUBSCRIBE is passed on with `next()` instead of being left unanswered: what happens to it then is the
 * host application's business (its own responder for that vendor, say). Every other silence is deliberate and
 * final (docs/plugin.md).
 */
const PASSED_ON: ReadonlySet<PnpIgnoreReason> = new Set(['no-url']);

/** The responder without the middleware wrapper; `factory` names the caller in option errors. */
export function createPnpHandler(options: PnpResponderOptions, factory = 'pnpResponder'): PnpHandler {
  const config = resolveResponderOptions(options, factory);
  announceNotifyRoot(config.base);
  const seen = new SeenRequests();
  return {
    async handle(exchange, next, publish) {
      const { request } = exchange;
      // Answered before us (a middleware that answered and still called next): never a second answer.
      if (request.method.toUpperCase() !== 'SUBSCRIBE' || exchange.finalResponseSent) return pass(next);
      let parsed: PnpSubscribe;
      try {
        parsed = parseSubscribe(request);
      } catch (err) {
        config.logger.warn({ err }, 'unreadable SUBSCRIBE passed on');
        return pass(next);
      }
      if (!isUaProfile(parsed.event)) return pass(next);
      publish?.(parsed);
      const outcome = await runExchange(config, seen, exchange, parsed).catch((err: unknown): PnpOutcome => {
        config.logger.error({ err }, 'PnP exchange failed unexpectedly');
        return { result: 'failed', stage: 'respond', reason: String(err) };
      });
      if (outcome.result === 'ignored' && PASSED_ON.has(outcome.reason)) next();
      return outcome;
    },
  };
}

function pass(next: (err?: unknown) => void): PnpOutcome {
  next();
  return { result: 'passed' };
}

/**
 * The lines about one exchange, each carrying its `{ callId, mac, ip }` first. A plain object instead of a pino
 * child: a child per exchange costs more than the line itself, and most exchanges write one line. Objects are
 * merged with Object.assign, here and in `emit`: V8 turns the result of `{ ...a, ...b }` into a slow dictionary.
 */
class ExchangeLog {
  constructor(private readonly logger: Logger, private readonly context: { callId: string | undefined; mac: string | undefined; ip: string }) {}

  /** Whether debug lines are written (pino's isLevelEnabled; true for a logger without it): skip building them. */
  get debugOn(): boolean {
    const enabled: unknown = Reflect.get(this.logger, 'isLevelEnabled');
    return typeof enabled !== 'function' || enabled.call(this.logger, 'debug') !== false;
  }

  debug(fields: object, msg: string): void {
    this.logger.debug(Object.assign({}, this.context, fields), msg);
  }

  info(fields: object, msg: string): void {
    this.logger.info(Object.assign({}, this.context, fields), msg);
  }

  warn(fields: object, msg: string): void {
    this.logger.warn(Object.assign({}, this.context, fields), msg);
  }

  error(fields: object, msg: string): void {
    this.logger.error(Object.assign({}, this.context, fields), msg);
  }
}

async function runExchange(
  config: ResolvedResponderOptions, seen: SeenRequests, exchange: SrfExchange, parsed: PnpSubscribe,
): Promise<PnpOutcome> {
  const { event, source, callId, mac } = parsed;
  const vendorHints: { vendor?: string; userAgent?: string } = {};
  if (event?.vendor !== undefined) vendorHints.vendor = event.vendor;
  if (parsed.userAgent !== undefined) vendorHints.userAgent = parsed.userAgent;
  const vendor = recogniseVendor(vendorHints)?.id;
  const subject: PnpExchangeSubject = { ip: source.address, port: source.port };
  if (callId !== undefined) subject.callId = callId;
  if (mac !== undefined) subject.mac = mac;
  if (vendor !== undefined) subject.vendor = vendor;
  if (event?.model !== undefined) subject.model = event.model;
  if (event?.version !== undefined) subject.version = event.version;
  // An undefined field is left out of the line.
  const log = new ExchangeLog(config.logger, { callId, mac, ip: source.address });
  const { onEvent } = config;
  const emit: Emit = onEvent
    ? (e) => {
      try {
        onEvent(Object.assign({}, subject, e) as PnpExchangeEvent);
      } catch (err) {
        log.error({ err }, 'onEvent hook threw');
      }
    }
    : () => undefined;
  const ignore = (reason: PnpIgnoreReason, level: 'debug' | 'info' | 'warn', msg: string, extra: object = {}): PnpOutcome => {
    log[level]({ reason, ...extra }, msg);
    emit({ type: 'ignored', reason });
    return { result: 'ignored', reason };
  };

  emit({ type: 'received' });
  // Before any work: a source over its limit gets silence (the limit logs a fail2ban line, throttled).
  if (config.security && !config.security.subscribeLimit.take(source.address)) {
    return ignore('rate-limited', 'debug', 'SUBSCRIBE ignored: source over its rate limit');
  }
  if (log.debugOn) {
    log.debug({
      port: subject.port, transport: source.transport, macSource: parsed.macSource, vendor: subject.vendor,
      model: subject.model, version: subject.version, userAgent: parsed.userAgent,
    }, 'PnP SUBSCRIBE received');
  }

  // Never answer these: a response to `Contact: *` crashes drachtio-server, and without a usable Contact
  // there is nowhere to send the NOTIFY.
  const contact = parsed.contact;
  if (contact.kind !== 'usable') {
    return ignore('unusable-contact', 'warn', 'SUBSCRIBE with unusable Contact dropped unanswered', { contact: contact.kind });
  }
  if (parsed.toTag !== undefined) {
    log.info({ status: 481 }, 'SUBSCRIBE inside a dialog: the PnP subscription is already over');
    return answerOnly(exchange, 481, log, emit);
  }
  // The NOTIFY goes to the Contact: only to the address the SUBSCRIBE came from, so nobody can aim it elsewhere
  // (unless the operator allowed it for this source).
  if (!sameAddress(contact.host, source.address)) {
    if (!config.contactMismatchAllowed(source.address)) {
      return ignore('contact-mismatch', 'warn', 'Contact host differs from the source address; SUBSCRIBE ignored',
        { contactHost: contact.host });
    }
    log.info({ contactHost: contact.host }, 'Contact host differs from the source address; allowed by configuration');
  }
  const key: RequestKey = { callId: callId ?? '' };
  if (parsed.fromTag !== undefined) key.fromTag = parsed.fromTag;
  if (parsed.cseq !== undefined) key.cseq = parsed.cseq;
  const admission = callId === undefined ? 'new' : seen.admit(key);
  if (admission === 'repeat') return ignore('repeat', 'info', 'repeated SUBSCRIBE ignored: already answered', { cseq: parsed.cseq });
  if (admission === 'in-progress') {
    return ignore('in-progress', 'info', 'SUBSCRIBE ignored: an exchange for this dialog is still running', { cseq: parsed.cseq });
  }
  try {
    // Instances sharing a store: the one holding the claim answers, the others stay silent (docs/shared-state.md).
    const claims = callId === undefined ? undefined : config.claims;
    if (claims && !(await claims.claim(key))) {
      return ignore('claimed-elsewhere', 'debug', 'SUBSCRIBE left to the instance that claimed it', { cseq: parsed.cseq });
    }
    const outcome = await answer(config, exchange, parsed, subject, log, emit, ignore);
    // The claim's end: done (no other instance takes it over), or given back when our 200 or NOTIFY failed (our
    // drachtio connection may be gone): another instance still holding the request can answer it.
    if (claims) {
      if (outcome.result === 'failed') claims.release?.(key);
      else claims.settle?.(key);
    }
    return outcome;
  } finally {
    if (callId !== undefined) seen.finish(key);
  }
}

/** An event without the subject fields, which every event gets added. */
type PnpEventBody = PnpExchangeEvent extends infer E ? E extends PnpExchangeEvent ? Omit<E, keyof PnpExchangeSubject> : never : never;
type Emit = (event: PnpEventBody) => void;
type Ignore = (reason: PnpIgnoreReason, level: 'debug' | 'info' | 'warn', msg: string, extra?: object) => PnpOutcome;

async function answer(
  config: ResolvedResponderOptions, exchange: SrfExchange, parsed: PnpSubscribe, subject: PnpExchangeSubject,
  log: ExchangeLog, emit: Emit, ignore: Ignore,
): Promise<PnpOutcome> {
  const access = config.access.check({ mac: parsed.mac, address: parsed.source.address });
  if (!access.allowed) return ignore(access.reason, 'info', 'SUBSCRIBE refused by access rules');

  const template = urlTemplateFor(subject.vendor, config.urls);
  if (template === undefined) {
    return ignore('no-url', 'info', `no provisioning URL for vendor ${subject.vendor ?? '(unknown)'}: passed on`, { vendor: subject.vendor });
  }
  let url = applyUrlQuirks(subject.vendor, expandUrlTemplate(template, {
    base: config.base, ip: subject.ip, mac: subject.mac, vendor: subject.vendor, model: subject.model, version: subject.version,
  }));

  let known = false;
  if (parsed.mac !== undefined) {
    // An in-memory directory answers at once: no promise to wait for (checkKnown).
    const check = checkKnown(config.directory, parsed.mac, config.lookupTimeoutMs);
    known = isKnown(check instanceof Promise ? await check : check, log);
  }
  if (!known) {
    if (config.unknownDevices === 'ignore') return ignore('unknown-device', 'info', 'unknown device ignored');
    if (config.unknownDevices === 'reject') {
      log.info({ status: config.rejectStatus }, 'unknown device rejected');
      return answerOnly(exchange, config.rejectStatus, log, emit, false);
    }
  }
  // A known device's URL into our routes carries a token bound to its MAC and this source; an unknown device's
  // does not (it gets the secret-free bootstrap, which needs none).
  // An enrolled device gets the URL without a token: its secrets went out by PnP once already, and whoever asks
  // now may be a host on the LAN naming its MAC (enrolment.ts). The phone re-provisions with its credentials.
  let tokenId: string | undefined;
  let token: string | undefined;
  let enrolled: true | undefined;
  if (known && config.security && parsed.mac !== undefined && scopeNotifyUrl(url, config.base, []) !== undefined) {
    const { enrolment } = config.security;
    // A register shared between instances is read first; when it cannot be (Redis down or slower than its deadline)
    // the device's enrolment is unknown and it gets no token (fail closed, docs/shared-state.md). One box: no await.
    const unverified = enrolment?.shared === true && !(await enrolment.verify(parsed.mac));
    if (unverified) {
      log.warn({ store: enrolment?.sharedAt }, 'PnP token withheld: the shared enrolment register cannot be checked (the NOTIFY carries the URL without a token)');
    } else if (enrolment && !enrolment.mayIssueToken(parsed.mac)) {
      enrolled = true;
      const was = enrolment.state(parsed.mac)?.enrolled;
      if (enrolment.status(parsed.mac) === 'held') {
        log.warn({ reason: enrolment.state(parsed.mac)?.held?.reason },
          `PnP token withheld: device held, its enrolment was lost with the register (${reopenHint('--all-missing', enrolment.file, enrolment.shared)} lets it enrol again)`);
      } else {
        log.warn(
          { enrolledAt: was ? new Date(was.t).toISOString() : undefined, enrolledIp: was?.ip },
          `PnP token withheld: device already enrolled (${reopenHint(parsed.mac, enrolment.file, enrolment.shared)} lets it enrol again)`,
        );
      }
    } else {
      const issued = config.security.tokens.issue(parsed.mac, parsed.source.address);
      const scoped = scopeNotifyUrl(url, config.base, tokenScope(issued.token));
      if (scoped !== undefined) {
        url = scoped;
        tokenId = issued.id;
        token = issued.token;
      }
    }
  }
  // The token's id is known: no need for redactTokens to hash the token again to find it.
  const shownUrl = redactTokens(token === undefined ? url : url.replace(`/t/${token}/`, `/t/[token:${tokenId}]/`));

  if (exchange.finalResponseSent) return ignore('already-answered', 'warn', 'SUBSCRIBE answered by another middleware meanwhile; not answered again');
  let sent;
  try {
    sent = await exchange.respond(200, config.okHeaders);
  } catch (err) {
    return fail('respond', err, log, emit);
  }
  if (enrolled) emit({ type: 'answered', status: 200, known, enrolled });
  else emit({ type: 'answered', status: 200, known });

  const notifyContact = sent.contact ?? config.contact;
  const notify = buildNotify(notifyContact === undefined
    ? { event: parsed.event?.raw ?? 'ua-profile', url, accept: parsed.accept }
    : { event: parsed.event?.raw ?? 'ua-profile', url, accept: parsed.accept, contact: notifyContact });
  const started = performance.now();
  try {
    const { status, reason } = await exchange.requestInDialog(sent, { method: 'NOTIFY', ...notify }, config.notifyTimeoutMs);
    const ms = Math.round(performance.now() - started);
    if (tokenId === undefined) emit({ type: 'notified', status, ms, url: shownUrl, known });
    else emit({ type: 'notified', status, ms, url: shownUrl, known, tokenId });
    if (status >= 200 && status < 300) {
      log.info({ status, ms, url: shownUrl, known, vendor: subject.vendor, port: subject.port, tokenId }, 'provisioning URL sent');
    } else {
      log.warn({ status, reason, ms, url: shownUrl, known, port: subject.port, tokenId }, 'phone did not accept the NOTIFY');
    }
    return { result: 'notified', status, url: shownUrl };
  } catch (err) {
    return fail('notify', err, log, emit);
  }
}

function isKnown(lookup: KnownCheck, log: ExchangeLog): boolean {
  switch (lookup.outcome) {
    case 'found': return true;
    case 'unknown': return false;
    case 'timeout':
      log.warn({ timeoutMs: lookup.timeoutMs }, 'device lookup timed out; treating the device as unknown');
      return false;
    case 'error':
      log.error({ err: lookup.error }, 'device lookup failed; treating the device as unknown');
      return false;
  }
}

async function answerOnly(exchange: SrfExchange, status: number, log: ExchangeLog, emit: Emit, known = false): Promise<PnpOutcome> {
  if (exchange.finalResponseSent) {
    log.warn({ status, reason: 'already-answered' }, 'SUBSCRIBE answered by another middleware meanwhile; not answered again');
    return { result: 'ignored', reason: 'already-answered' };
  }
  try {
    await exchange.respond(status);
  } catch (err) {
    return fail('respond', err, log, emit);
  }
  emit({ type: 'answered', status, known });
  return { result: 'answered', status };
}

function fail(stage: 'respond' | 'notify', err: unknown, log: ExchangeLog, emit: Emit): PnpOutcome {
  const reason = err instanceof Error ? err.message : String(err);
  log.warn({ err, stage }, stage === 'respond' ? 'could not answer the SUBSCRIBE' : 'NOTIFY failed');
  emit({ type: 'failed', stage, reason });
  return { result: 'failed', stage, reason };
}

/**
 * The command that lets an enrolled device enrol again, for the warning: with the register's path, so it works from
 * any folder (a plugin's register is not where the CLI would look); for a register in memory, the API call.
 */
export function reopenHint(mac: string, registerFile: string | undefined, shared = false): string {
  if (shared) return `\`drachtio-pnp devices reopen ${mac}\` with the configuration that names the shared store (store.url)`;
  return registerFile === undefined
    ? 'EnrolmentRegister#reopen(mac, until, by) on the register in memory'
    : `\`drachtio-pnp devices reopen ${mac} --enrolment ${quoteArgument(registerFile)}\``;
}

/** A path as one shell word: quoted when it holds anything but plain path characters. */
function quoteArgument(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
