/**
 * The provisioning route as a plain node:http handler, `(req, res, next)`: it answers the files under each
 * vendor's path (see provisioning-urls.ts), calls `next()` for every other path, and never lets a failure escape
 * as a stack trace or a crash. It uses node:http alone, so a server can put it in front of any framework (the
 * service does: a phone's request then costs no more than the file itself); provisioning-router.ts wraps it for
 * express hosts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { baseFromRequest, parseProvisioningPath, targetMac, type ParsedProvisioningPath } from '../provisioning-urls.js';
import { mountCheck, type MountExpectation } from '../plugin/mount-check.js';
import { sourceKey } from '../security/rate-limit.js';
import { SourceBudget } from '../net/source-budget.js';
import { verifiedClientCertificate } from '../security/tls.js';
import { vendorModule } from '../vendors/registry.js';
import type { VendorFileContext, VendorFileRequest } from '../vendors/vendor.js';
import { boundedDirectory, DirectoryUnavailableError } from './bounded-directory.js';
import { sendFile } from './conditional-get.js';
import { sendPlainStatus } from './plain-errors.js';
import { checkProvisioningOptions, type CheckedOptions, type ProvisioningOptions } from './provisioning-options.js';
import type { ProvisioningReply, SecretAuthorisation, ServedFileEvent } from './provisioning-reply.js';
import { requestFacts, requestProtocol, requestTarget, type RequestFacts, type RequestTarget } from './request-facts.js';
import { gate, reserveTokenUse, verifyEnrolment } from './secret-gate.js';

export type { ProvisioningOptions as ProvisioningHandlerOptions } from './provisioning-options.js';

/** A node:http request handler with a `next` for the requests it does not answer (connect/express style). */
export type ProvisioningHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

const ALLOW = 'GET, HEAD';
/**
 * Info lines for public files of a device (bootstrap, device container) per source address per minute: one such
 * file per boot is the phone's, a flood is someone else's and is logged at debug, counted on the next info line.
 */
const PUBLIC_FILE_LINES_PER_MINUTE = 1;
/** Seconds a phone is asked to wait after a 503. */
const RETRY_AFTER_SECONDS = '10';

/**
 * Builds the provisioning handler. Throws TypeError (message starting `provisioningHandler: `) for bad options.
 * Outside express it serves from the server's root; inside express it sees where it is mounted.
 *
 * @example
 *   const provisioning = provisioningHandler({ directory, publicUrl: 'http://192.0.2.10:8080', security, logger });
 *   http.createServer((req, res) => provisioning(req, res, () => hostApp(req, res))).listen(8080);
 *   // NOTIFY URL: http://192.0.2.10:8080/snom/
 */
export function provisioningHandler(options: ProvisioningOptions): ProvisioningHandler {
  return handlerFor(checkProvisioningOptions(options, 'provisioningHandler'), 'provisioningHandler');
}

/**
 * The handler for options already checked; `name` is the factory's, for the log. `mount` is what the mount path
 * under express is checked against at the first request (plugin/mount-check.ts); by default the route's publicUrl
 * and the responders' announced roots.
 */
export function handlerFor(opts: CheckedOptions, name: string, mount: MountExpectation = optionalBase(opts.base)): ProvisioningHandler {
  const { logger } = opts;
  const checkMount = mountCheck(mount, logger, name);
  const directory = boundedDirectory(opts.directory, opts.lookupTimeoutMs);
  const context: VendorFileContext = { lookup: directory.lookup, defaults: directory.defaults, unknownDevices: opts.unknownDevices, logger };
  const publicFileLines = new SourceBudget({ perSource: PUBLIC_FILE_LINES_PER_MINUTE, windowMs: 60_000 });
  if (opts.security === undefined) {
    logger.warn(`${name}: no security options: settings files with secrets are refused (pass security)`);
  }

  const counted = (status: number): void => {
    if (!opts.onResponse) return;
    try {
      opts.onResponse(status);
    } catch {
      // A counter that fails must not change the answer.
    }
  };
  const refuse = (res: ServerResponse, status: number, headers?: Record<string, string | readonly string[]>): void => {
    sendPlainStatus(res, status, headers);
    counted(status);
  };

  async function serve(
    req: IncomingMessage, res: ServerResponse, target: RequestTarget, parsed: Exclude<ParsedProvisioningPath, { outcome: 'not-ours' }>,
  ): Promise<void> {
    const facts = requestFacts(req);
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      logger.debug({ ...facts, method: method.slice(0, 16) }, 'provisioning method not allowed');
      return refuse(res, 405, { Allow: ALLOW });
    }
    if (parsed.outcome === 'rejected') {
      logger.debug({ ...facts, status: parsed.status, reason: parsed.reason }, 'provisioning path refused');
      return refuse(res, parsed.status);
    }
    const protocol = requestProtocol(req);
    const base = opts.base ?? baseFromRequest({ protocol, host: req.headers.host, mountPath: target.mountPath });
    if (base === undefined) {
      logger.debug({ ...facts, reason: 'unusable Host header or mount path' }, 'provisioning request refused');
      return refuse(res, 400);
    }

    // parseProvisioningPath found the module: the path's vendor segment is one of the registry's.
    const vendor = vendorModule(parsed.target.vendor);
    if (vendor === undefined) return refuse(res, 404);
    const mac = targetMac(parsed.target);
    const access = mac !== undefined
      ? opts.access.check({ mac, address: facts.ip })
      : opts.access.check({ address: facts.ip, ...optionalMac(vendor.parseUserAgent(facts.userAgent)?.mac) });
    if (!access.allowed) {
      logger.info({ ...facts, mac, file: parsed.fileName, status: 403, reason: access.reason }, 'provisioning request refused by access rules');
      return refuse(res, 403);
    }
    const secure = protocol === 'https';
    // Tokens shared between instances: their use is counted in the shared store first (docs/shared-state.md).
    const reserving = reserveTokenUse(opts.security, parsed.target);
    // A shared enrolment register is read alongside; unreadable: no secret under a token (fail closed).
    const verifying = verifyEnrolment(opts.security, parsed.target);
    const reserved = reserving && await reserving;
    if (verifying && !(await verifying)) {
      reserved?.release();
      logger.warn({ ...facts, mac, file: parsed.fileName, status: 503 }, 'settings withheld: the shared enrolment register cannot be checked');
      return refuse(res, 503, { 'Retry-After': RETRY_AFTER_SECONDS });
    }
    const decision = gate(opts.security, {
      target: parsed.target, ip: facts.ip, method, uri: target.uri,
      authorization: req.headers.authorization, secure, socket: req.socket,
      ...(reserved ? { reservedUses: reserved.uses } : {}),
    });
    if (!decision.pass) {
      reserved?.release();
      const line = { ...facts, mac, file: parsed.fileName, status: decision.status, reason: decision.reason };
      if (decision.failure) {
        const f = decision.failure;
        // fail2ban-friendly: the address and what failed are in the message itself.
        logger.warn({ ...line, kind: f.kind, tokenId: f.tokenId, user: f.user }, `pnp: auth-failed ip=${sourceKey(facts.ip)} kind=${f.kind}`);
        try {
          opts.onAuthFailure?.({ kind: f.kind, ip: sourceKey(facts.ip) });
        } catch (err) {
          logger.error({ err }, 'onAuthFailure hook threw');
        }
      } else {
        logger[decision.level](line, 'provisioning request not authorised');
      }
      return refuse(res, decision.status, decision.headers);
    }

    let reply: ProvisioningReply;
    try {
      const file: VendorFileRequest = { target: parsed.target, fileName: parsed.fileName, base, secrets: decision.secrets };
      if (facts.userAgent) file.userAgent = facts.userAgent;
      reply = await vendor.answer(file, context);
      // The enrolment must be on file before the secrets leave: a restart must not let another host enrol the device.
      if (decision.recorded && !(await decision.recorded)) {
        logger.error({ ...facts, mac, file: parsed.fileName }, 'settings withheld: the enrolment could not be recorded in the enrolment register');
        return refuse(res, 503, { 'Retry-After': RETRY_AFTER_SECONDS });
      }
    } catch (err) {
      if (!(err instanceof DirectoryUnavailableError)) throw err;
      logger.error({ ...facts, file: parsed.fileName, err }, 'device directory unavailable');
      return refuse(res, 503, { 'Retry-After': RETRY_AFTER_SECONDS });
    }

    if (reply.status !== 200) {
      logger[reply.level]({ ...facts, mac: reply.mac, file: reply.file, status: reply.status, reason: reply.reason }, 'provisioning file refused');
      return refuse(res, reply.status);
    }
    const status = sendFile(req, res, reply.body, reply.secret ? 'no-store' : 'no-cache', reply.contentType);
    counted(status);
    const auth = reply.secret ? decision.auth : undefined;
    const { served } = reply;
    const line: Record<string, unknown> = {
      mac: served.mac, ip: facts.ip, userAgent: facts.userAgent, file: served.file, kind: served.kind, known: served.known, status,
    };
    if (auth) {
      // The audit line: every file with secrets, who got it and on what authority (token id or user, never a secret).
      line.audit = true;
      line.via = auth.via;
      if ('tokenId' in auth) line.tokenId = auth.tokenId;
      if ('user' in auth) line.authUser = auth.user;
      if (secure) line.clientCertificate = verifiedClientCertificate(req.socket) !== undefined;
      logger.info(line, 'provisioning file with secrets served');
    } else if (served.mac) {
      const budget = publicFileLines.take(sourceKey(facts.ip));
      if (!budget.admitted) logger.debug(line, 'provisioning file served');
      else {
        if (budget.refusedBefore > 0) line.notLoggedBefore = budget.refusedBefore;
        logger.info(line, 'provisioning file served');
      }
    } else logger.debug(line, 'provisioning file served');
    if (opts.onServe) notify(opts, servedEvent(served, status, method as 'GET' | 'HEAD', facts, auth));
  }

  /** A failure of our own (a bug, a device record that cannot be rendered): a plain 500, logged; never a stack. */
  const failed = (res: ServerResponse, err: unknown, facts: RequestFacts): void => {
    logger.error({ ip: facts.ip, status: 500, err }, 'provisioning request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    refuse(res, 500);
  };

  return function serveProvisioningFile(req, res, next) {
    checkMount(req);
    let target: RequestTarget;
    let parsed: ParsedProvisioningPath;
    try {
      target = requestTarget(req);
      parsed = parseProvisioningPath(target.path);
    } catch (err) {
      failed(res, err, requestFacts(req));
      return;
    }
    if (parsed.outcome === 'not-ours') {
      next();
      return;
    }
    serve(req, res, target, parsed).catch((err: unknown) => failed(res, err, requestFacts(req)));
  };
}

function optionalBase(base: string | undefined): MountExpectation {
  return base === undefined ? {} : { base };
}

function optionalMac(mac: string | undefined): { mac?: string } {
  return mac === undefined ? {} : { mac };
}

/**
 * The onServe event, by assignment in the order the spreads `{ ...served, status, method, ...facts, auth }` gave:
 * spreads of objects with optional keys take V8's slow paths, on every file served.
 */
function servedEvent(
  served: Extract<ProvisioningReply, { status: 200 }>['served'], status: 200 | 304, method: 'GET' | 'HEAD', facts: RequestFacts,
  auth: SecretAuthorisation | undefined,
): ServedFileEvent {
  const event = { vendor: served.vendor, kind: served.kind, file: served.file } as ServedFileEvent;
  if (served.mac !== undefined) event.mac = served.mac;
  if (served.phoneType !== undefined) event.phoneType = served.phoneType;
  if (served.known !== undefined) event.known = served.known;
  event.status = status;
  event.method = method;
  event.ip = facts.ip;
  if (facts.userAgent !== undefined) event.userAgent = facts.userAgent;
  if (auth) event.auth = auth;
  return event;
}

function notify(opts: CheckedOptions, event: ServedFileEvent): void {
  try {
    opts.onServe?.(event);
  } catch (err) {
    opts.logger.error({ file: event.file, mac: event.mac, err }, 'onServe callback failed');
  }
}
