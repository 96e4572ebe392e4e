/**
 * The provisioning HTTP route: an express Router a host app mounts anywhere (`app.use('/prov', router)`).
 * It answers the files under each vendor's path (see provisioning-urls.ts), passes every other path on to the
 * host app, and never lets a failure escape as a stack trace or a crash.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { UNKNOWN_DEVICE_POLICIES, type DeviceDirectory } from '../devices/directory.js';
import { silentLogger, type Logger } from '../logger.js';
import { baseFromPublicUrl, baseFromRequest, parseProvisioningPath } from '../provisioning-urls.js';
import type { PnpSecurity } from '../security/pnp-security.js';
import { sourceKey } from '../security/rate-limit.js';
import { verifiedClientCertificate } from '../security/tls.js';
import { compileAccessRules, type AccessOptions, type AccessRules } from '../sip/access-rules.js';
import { answerSnomFile } from '../vendors/snom/router.js';
import { snomFileMac } from '../vendors/snom/paths.js';
import { parseSnomUserAgent } from '../vendors/snom/user-agent.js';
import { boundedDirectory, DirectoryUnavailableError } from './bounded-directory.js';
import { sendXml } from './conditional-get.js';
import { describeError, plainErrorHandler, sendPlainStatus } from './plain-errors.js';
import type { ProvisioningReply, ServedFileEvent, UnknownDevicePolicy } from './provisioning-reply.js';
import { requestFacts } from './request-facts.js';
import { checkRouteSecurity, gate, type RouteSecurity } from './secret-gate.js';

export interface ProvisioningRouterOptions {
  directory: DeviceDirectory;
  /**
   * The router's root as phones reach it (`http://prov.example.net:8080/prov`); the URLs listed inside files are
   * built from it. Without it they are built from the request's Host header and mount prefix.
   */
  publicUrl?: string;
  /** What unknown devices get; default `bootstrap` (settings without any secret). */
  unknownDevices?: UnknownDevicePolicy;
  logger?: Logger;
  /** Called after every file served (200 or 304); an exception it throws is logged and ignored. */
  onServe?: (event: ServedFileEvent) => void;
  /** Called for every failed token or credential check (e.g. to count it); an exception it throws is ignored. */
  onAuthFailure?: (failure: { kind: string; ip: string }) => void;
  /** Deadline for one directory lookup, in milliseconds (1–60000); default 2000. Past it the phone gets 503. */
  lookupTimeoutMs?: number;
  /**
   * Who may receive a known device's secrets. The object {@link createPnpSecurity} returns (give the same one to
   * the responder): its settings only with the token from the NOTIFY URL or with the device's HTTP credentials.
   * `'open'`: to anyone who names the MAC (only on a network where that is acceptable). Absent: never (a phone
   * gets the containers but its settings file is refused).
   */
  security?: PnpSecurity | 'open';
  /** MAC prefix/range and subnet allow/deny lists, the same as the responder's; a refused request gets 403. */
  access?: AccessOptions;
}

const ALLOW = 'GET, HEAD';
/** Seconds a phone is asked to wait after a 503. */
const RETRY_AFTER_SECONDS = '10';

interface CheckedOptions {
  directory: DeviceDirectory;
  base?: string;
  unknownDevices: UnknownDevicePolicy;
  logger: Logger;
  onServe?: (event: ServedFileEvent) => void;
  onAuthFailure?: (failure: { kind: string; ip: string }) => void;
  lookupTimeoutMs: number;
  security: RouteSecurity;
  access: AccessRules;
}

function fail(message: string): never {
  throw new TypeError(`provisioningRouter: ${message}`);
}

function checkOptions(options: unknown): CheckedOptions {
  if (typeof options !== 'object' || options === null) fail('options are required');
  const o = options as Partial<Record<keyof ProvisioningRouterOptions, unknown>>;
  const dir = o.directory as Partial<Record<keyof DeviceDirectory, unknown>> | undefined;
  if (typeof dir !== 'object' || dir === null || typeof dir.lookup !== 'function' || typeof dir.defaults !== 'function') {
    fail('options.directory must have lookup(mac) and defaults() methods');
  }
  let base: string | undefined;
  if (o.publicUrl !== undefined) {
    base = typeof o.publicUrl === 'string' ? baseFromPublicUrl(o.publicUrl) : undefined;
    if (base === undefined) fail('options.publicUrl must be an absolute http(s) URL without credentials, query or fragment');
  }
  const unknownDevices = o.unknownDevices ?? 'bootstrap';
  if (!UNKNOWN_DEVICE_POLICIES.includes(unknownDevices as UnknownDevicePolicy)) fail("options.unknownDevices must be 'bootstrap', 'ignore' or 'reject'");
  const logger = o.logger ?? silentLogger;
  const l = logger as Partial<Record<keyof Logger, unknown>>;
  if (typeof logger !== 'object' || logger === null || !(['child', 'debug', 'info', 'warn', 'error'] as const).every((m) => typeof l[m] === 'function')) {
    fail('options.logger must be a pino-compatible logger');
  }
  if (o.onServe !== undefined && typeof o.onServe !== 'function') fail('options.onServe must be a function');
  if (o.onAuthFailure !== undefined && typeof o.onAuthFailure !== 'function') fail('options.onAuthFailure must be a function');
  const lookupTimeoutMs = o.lookupTimeoutMs ?? 2000;
  if (typeof lookupTimeoutMs !== 'number' || !Number.isInteger(lookupTimeoutMs) || lookupTimeoutMs < 1 || lookupTimeoutMs > 60_000) {
    fail('options.lookupTimeoutMs must be an integer between 1 and 60000');
  }
  return {
    directory: o.directory as DeviceDirectory,
    ...(base !== undefined ? { base } : {}),
    unknownDevices: unknownDevices as UnknownDevicePolicy,
    logger: logger as Logger,
    ...(o.onServe ? { onServe: o.onServe as (event: ServedFileEvent) => void } : {}),
    ...(o.onAuthFailure ? { onAuthFailure: o.onAuthFailure as (failure: { kind: string; ip: string }) => void } : {}),
    lookupTimeoutMs,
    security: checkRouteSecurity(o.security),
    access: compileAccessRules((o.access ?? {}) as AccessOptions, 'provisioningRouter: options.access'),
  };
}

/**
 * Builds the provisioning router. Throws TypeError (message starting `provisioningRouter: `) for bad options.
 *
 * @example
 *   app.use('/prov', provisioningRouter({ directory, publicUrl: 'http://192.0.2.10:8080/prov', logger }));
 *   // NOTIFY URL: http://192.0.2.10:8080/prov/snom/
 */
export function provisioningRouter(options: ProvisioningRouterOptions): Router {
  const opts = checkOptions(options);
  const { logger } = opts;
  const directory = boundedDirectory(opts.directory, opts.lookupTimeoutMs);
  const router = Router();
  if (opts.security === undefined) {
    logger.warn('provisioningRouter: no security options: settings files with secrets are refused (pass security)');
  }

  router.use(async function serveProvisioningFile(req: Request, res: Response, next: NextFunction) {
    const parsed = parseProvisioningPath(req.path);
    if (parsed.outcome === 'not-ours') return next();
    const facts = requestFacts(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      logger.debug({ ...facts, method: req.method.slice(0, 16) }, 'provisioning method not allowed');
      return sendPlainStatus(res, 405, { Allow: ALLOW });
    }
    if (parsed.outcome === 'rejected') {
      logger.debug({ ...facts, status: parsed.status, reason: parsed.reason }, 'provisioning path refused');
      return sendPlainStatus(res, parsed.status);
    }
    const base = opts.base ?? baseFromRequest({ protocol: req.protocol, host: req.headers.host, mountPath: req.baseUrl });
    if (base === undefined) {
      logger.debug({ ...facts, reason: 'unusable Host header or mount path' }, 'provisioning request refused');
      return sendPlainStatus(res, 400);
    }

    const mac = snomFileMac(parsed.target.file);
    const access = mac !== undefined
      ? opts.access.check({ mac, address: facts.ip })
      : opts.access.check({ address: facts.ip, ...optionalMac(parseSnomUserAgent(facts.userAgent)?.mac) });
    if (!access.allowed) {
      logger.info({ ...facts, mac, file: parsed.fileName, status: 403, reason: access.reason }, 'provisioning request refused by access rules');
      return sendPlainStatus(res, 403);
    }
    const decision = gate(opts.security, {
      target: parsed.target, ip: facts.ip, method: req.method, uri: req.originalUrl,
      authorization: req.headers.authorization, secure: req.secure, socket: req.socket,
    });
    if (!decision.pass) {
      const line = { ...facts, mac, file: parsed.fileName, status: decision.status, reason: decision.reason };
      if (decision.failure) {
        const f = decision.failure;
        // fail2ban-friendly: the address and what failed are in the message itself.
        logger.warn({ ...line, kind: f.kind, tokenId: f.tokenId, user: f.user }, `pnp: auth-failed ip=${sourceKey(facts.ip)} kind=${f.kind}`);
        try {
          opts.onAuthFailure?.({ kind: f.kind, ip: sourceKey(facts.ip) });
        } catch (err) {
          logger.error({ err: describeError(err) }, 'onAuthFailure hook threw');
        }
      } else {
        logger[decision.level](line, 'provisioning request not authorised');
      }
      return sendPlainStatus(res, decision.status, decision.headers);
    }

    let reply: ProvisioningReply;
    try {
      reply = await answerSnomFile(
        {
          target: parsed.target, fileName: parsed.fileName, base, secrets: decision.secrets,
          ...(facts.userAgent ? { userAgent: facts.userAgent } : {}),
        },
        { lookup: directory.lookup, defaults: directory.defaults, unknownDevices: opts.unknownDevices, logger },
      );
    } catch (err) {
      if (!(err instanceof DirectoryUnavailableError)) throw err;
      logger.error({ ...facts, file: parsed.fileName, error: describeError(err) }, 'device directory unavailable');
      return sendPlainStatus(res, 503, { 'Retry-After': RETRY_AFTER_SECONDS });
    }

    if (reply.status !== 200) {
      logger[reply.level]({ ...facts, mac: reply.mac, file: reply.file, status: reply.status, reason: reply.reason }, 'provisioning file refused');
      return sendPlainStatus(res, reply.status);
    }
    const status = sendXml(req, res, reply.body, reply.secret ? 'no-store' : 'no-cache');
    const auth = reply.secret ? decision.auth : undefined;
    const event: ServedFileEvent = { ...reply.served, status, method: req.method as 'GET' | 'HEAD', ...facts, ...(auth ? { auth } : {}) };
    const line = { mac: event.mac, ip: event.ip, userAgent: event.userAgent, file: event.file, kind: event.kind, known: event.known, status };
    if (auth) {
      // The audit line: every file with secrets, who got it and on what authority (token id or user, never a secret).
      logger.info({ ...line, audit: true, via: auth.via, ...('tokenId' in auth ? { tokenId: auth.tokenId } : {}),
        ...('user' in auth ? { authUser: auth.user } : {}),
        ...(req.secure ? { clientCertificate: verifiedClientCertificate(req.socket) !== undefined } : {}) }, 'provisioning file with secrets served');
    } else if (event.mac) logger.info(line, 'provisioning file served');
    else logger.debug(line, 'provisioning file served');
    notify(opts, event);
  });
  router.use(plainErrorHandler(logger));
  return router;
}

function optionalMac(mac: string | undefined): { mac?: string } {
  return mac === undefined ? {} : { mac };
}

function notify(opts: CheckedOptions, event: ServedFileEvent): void {
  if (!opts.onServe) return;
  try {
    opts.onServe(event);
  } catch (err) {
    opts.logger.error({ file: event.file, mac: event.mac, error: describeError(err) }, 'onServe callback failed');
  }
}
