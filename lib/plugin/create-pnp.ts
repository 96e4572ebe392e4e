/**
 * Both halves of the plugin from one set of options: the srf middleware that sends phones a URL, and the route that
 * answers at that URL. The URL in the NOTIFY and the route's mount path come from one `publicUrl` and one
 * `mountPath`, so they cannot disagree; if the router is mounted elsewhere all the same, its first request says so
 * in the log (plugin/mount-check.ts).
 */
import type { Router } from 'express';
import { handlerFor, type ProvisioningHandler } from '../http/provisioning-handler.js';
import { checkProvisioningOptions, type ProvisioningOptions } from '../http/provisioning-options.js';
import { routerAround } from '../http/provisioning-router.js';
import type { Logger } from '../log/logger.js';
import { isPnpSecurity, storeOfSecurity, type PnpSecurity } from '../security/pnp-security.js';
import { isPnpStore, type PnpStore } from './pnp-store.js';
import type { PnpResponderOptions } from '../sip/responder-options.js';
import { createPnpHandler, responderMiddleware, type SrfMiddleware } from '../sip/responder.js';
import { checkOptionsObject, checkPublicUrl, failFor, type SharedOptions } from './shared-options.js';

export interface PnpOptions extends SharedOptions {
  /** Your HTTP server's root as phones reach it, e.g. `http://192.0.2.10:8080`. */
  publicUrl: string;
  /** Where you mount `pnp.router` (`app.use(mountPath, pnp.router)`); default `/`. */
  mountPath?: string;
  /**
   * The object {@link createPnpSecurity} returns: tokens in the NOTIFY URL, per-device credentials, limits, the
   * enrolment lock. `'open'`: secrets to anyone who names a MAC (trusted networks only). Absent: secrets never served.
   */
  security?: PnpSecurity | 'open';
  /** SIP only: NOTIFY URL templates by vendor id (see pnpResponder). */
  urls?: PnpResponderOptions['urls'];
  rejectStatus?: PnpResponderOptions['rejectStatus'];
  notifyTimeoutMs?: PnpResponderOptions['notifyTimeoutMs'];
  contact?: PnpResponderOptions['contact'];
  allowContactMismatch?: PnpResponderOptions['allowContactMismatch'];
  onEvent?: PnpResponderOptions['onEvent'];
  /** SIP only: who answers when instances share a store (docs/shared-state.md); default: this instance. */
  claims?: PnpResponderOptions['claims'];
  /**
   * State shared with other instances in Redis: `openPnpStore({ url })` from `drachtio-pnp/store`
   * (docs/shared-state.md). Wires the SUBSCRIBE claims; give createPnpSecurity the same store for tokens and the
   * enrolment register. Absent: everything stays in this process (and no Redis client is loaded).
   */
  store?: PnpStore;
  /** HTTP only (see provisioningRouter). */
  onServe?: ProvisioningOptions['onServe'];
  onAuthFailure?: ProvisioningOptions['onAuthFailure'];
  onResponse?: ProvisioningOptions['onResponse'];
}

export interface Pnp {
  /** drachtio-srf middleware: `srf.use('subscribe', pnp.subscribe)`. Other requests go on with `next()`. */
  subscribe: SrfMiddleware;
  /** The express Router: `app.use(pnp.mountPath, pnp.router)`. */
  router: Router;
  /** The same route as a node:http handler `(req, res, next)` that serves under `mountPath` of a plain server. */
  handler: ProvisioningHandler;
  /** The route's root as phones reach it: `publicUrl` + `mountPath` (the NOTIFY URL is `<url>/snom/...`). */
  url: string;
  /** Where the route expects to be mounted (`/` or `/prov`). */
  mountPath: string;
  /** The logger both halves write to: the host's, as a child with `{ component: 'drachtio-pnp' }`. */
  logger: Logger;
}

const SIP_KEYS = ['urls', 'rejectStatus', 'notifyTimeoutMs', 'contact', 'allowContactMismatch', 'onEvent', 'claims'] as const;
const HTTP_KEYS = ['onServe', 'onAuthFailure', 'onResponse'] as const;
const SHARED_PASSED = ['directory', 'unknownDevices', 'lookupTimeoutMs', 'access'] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set([...SHARED_PASSED, 'logger', 'publicUrl', 'mountPath', 'security', 'store', ...SIP_KEYS, ...HTTP_KEYS]);
/** A mount path we put into URLs: plain path segments only. */
const SAFE_MOUNT = /^(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * Builds both halves. Options are checked here, once, and a bad one throws a TypeError starting `createPnp: `.
 *
 * @example
 * const pnp = createPnp({ publicUrl: 'http://192.0.2.10:8080', mountPath: '/prov', directory, security, logger });
 * srf.use('subscribe', pnp.subscribe);
 * app.use(pnp.mountPath, pnp.router);
 */
export function createPnp(options: PnpOptions): Pnp {
  const factory = 'createPnp';
  const fail = failFor(factory);
  const o = checkOptionsObject(options, KNOWN_KEYS, fail);
  const publicUrl = checkPublicUrl(o.publicUrl, fail);
  const mountPath = typeof o.mountPath === 'string' ? o.mountPath.replace(/\/+$/, '') : o.mountPath ?? '';
  if (typeof mountPath !== 'string' || !SAFE_MOUNT.test(mountPath)) {
    fail('options.mountPath must be a path such as /prov (letters, digits, . _ ~ - between slashes)');
  }
  const mount = mountPath as string;
  const url = `${publicUrl}${mount}`;
  // The host's logger, told apart from the host's own lines by one binding; checked by the halves below.
  const logger = o.logger === undefined ? undefined : childLogger(o.logger, fail);

  const pick = (keys: readonly string[]): Record<string, unknown> =>
    Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  const shared = { ...pick(SHARED_PASSED), ...(logger ? { logger } : {}) };
  const security = o.security;
  const store = checkStore(o.store, security, o.claims, fail);
  const responder = createPnpHandler({
    ...shared, ...pick(SIP_KEYS), ...(store ? { claims: store.claims } : {}), publicUrl: url, ...(security !== undefined && security !== 'open' ? { security } : {}),
  } as unknown as PnpResponderOptions, factory);
  const checked = checkProvisioningOptions({
    ...shared, ...pick(HTTP_KEYS), publicUrl: url, ...(security !== undefined ? { security } : {}),
  }, factory);
  const route = handlerFor(checked, factory, { mountPath: mount });

  return {
    subscribe: responderMiddleware(responder),
    router: routerAround(route),
    handler: mounted(route, mount),
    url,
    mountPath: mount === '' ? '/' : mount,
    logger: checked.logger,
  };
}

/**
 * The store, checked: made by openPnpStore, not beside `claims` of its own, and the one the security object shares
 * its tokens and enrolment register through (otherwise tokens issued here would be refused elsewhere, and the
 * enrolment lock would hold per instance only).
 */
function checkStore(value: unknown, security: unknown, claims: unknown, fail: (message: string) => never): PnpStore | undefined {
  if (value === undefined) return undefined;
  if (!isPnpStore(value)) return fail('options.store must be the object openPnpStore() returns (drachtio-pnp/store)');
  if (claims !== undefined) return fail('give options.store or options.claims, not both');
  if (security === 'open' || security === undefined) return value;
  if (!isPnpSecurity(security) || storeOfSecurity(security) !== value) {
    return fail('options.store: give createPnpSecurity the same store (createPnpSecurity({ key, store })), so that tokens and the enrolment register are shared too');
  }
  return value;
}

function childLogger(value: unknown, fail: (message: string) => never): Logger {
  const child: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'child') : undefined;
  if (typeof child !== 'function') return fail('options.logger must be a pino-style logger (child, info, warn, error, debug)');
  return child.call(value, { component: 'drachtio-pnp' }) as Logger;
}

/**
 * The route for a plain node:http server, answering under `mount`: the request is shown to it as express would show
 * a mounted router one (`baseUrl`, `originalUrl`, `url` relative to the mount) and restored before `next()`.
 * Inside express (where `baseUrl` is already set) it is the route itself.
 */
function mounted(route: ProvisioningHandler, mount: string): ProvisioningHandler {
  if (mount === '') return route;
  return function serveUnderMountPath(req, res, next) {
    if (typeof Reflect.get(req, 'baseUrl') === 'string') return route(req, res, next);
    const url = req.url ?? '/';
    const rest = url.startsWith(mount) ? url.slice(mount.length) : undefined;
    if (rest === undefined || (rest !== '' && rest[0] !== '/' && rest[0] !== '?')) {
      next();
      return;
    }
    Object.assign(req, { baseUrl: mount, originalUrl: url });
    req.url = rest === '' || rest[0] === '?' ? `/${rest}` : rest;
    route(req, res, (err?: unknown) => {
      req.url = url;
      Reflect.deleteProperty(req, 'baseUrl');
      Reflect.deleteProperty(req, 'originalUrl');
      next(err);
    });
  };
}
