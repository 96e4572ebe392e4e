/**
 * The provisioning route's access gate: from the scope of the path, the token in it or the HTTP authentication,
 * decides whether a request may receive a known device's secrets, must authenticate first (401), or is refused.
 * Vendor handlers get the decision and never make it. Failed token and credential checks count against the
 * source's limit; a source over it gets 429 for every request that needs a check, until its bucket refills.
 *
 *   no security        unscoped files only; a known device's settings refused (403), nothing secret is served
 *   'open'             unscoped files only, settings with secrets to anyone (trusted networks only)
 *   PnpSecurity        unscoped: settings only as the secret-free bootstrap
 *                      t/<token>: settings with secrets for the token's device, from its address, in its window,
 *                         while the device may enrol (or with the token that enrolled it)
 *                      a: every file behind HTTP Digest (Basic too over TLS, when enabled) with the device's
 *                         credentials; a device file only with that device's credentials
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { scopeKind, targetCarriesSecrets, targetMac, AUTHENTICATED_SCOPE, type ProvisioningTarget } from '../provisioning-urls.js';
import { parseAuthorization } from '../security/auth-header.js';
import type { PnpSecurity } from '../security/pnp-security.js';
import type { TokenReservation } from '../security/tokens.js';
import { macsFromCertificate, verifiedClientCertificate } from '../security/tls.js';
import { quoted } from '../security/auth-header.js';
import type { LogLevel, SecretAccess, SecretAuthorisation } from './provisioning-reply.js';

/** What the route is given: the shared security state, `'open'`, or nothing (secrets never served). */
export type RouteSecurity = PnpSecurity | 'open' | undefined;

export interface GateRequest {
  target: ProvisioningTarget;
  /** Client address. */
  ip: string;
  method: string;
  /** The request target exactly as received (`req.originalUrl`): what a digest answer's `uri` names. */
  uri: string;
  authorization: string | undefined;
  /** Whether the connection is TLS. */
  secure: boolean;
  socket: unknown;
  /** The token use reserved in a shared store ({@link reserveTokenUse}), this request's number. */
  reservedUses?: number;
}

/** A failed check, for the fail2ban-friendly log line `pnp: auth-failed ip=... kind=...`. */
export interface GateFailure {
  kind: 'token' | 'digest' | 'basic' | 'certificate' | 'neighbour';
  reason: string;
  tokenId?: string;
  user?: string;
}

export type GateDecision =
  | {
      pass: true;
      secrets: SecretAccess;
      auth?: SecretAuthorisation;
      /**
       * The enrolment this request made: true once on file, false when it could not be written. The secrets must not
       * leave before it is true (enrolment-register.ts).
       */
      recorded?: Promise<boolean>;
    }
  | {
      pass: false;
      status: 401 | 403 | 404 | 429;
      headers: Record<string, string | string[]>;
      reason: string;
      level: LogLevel;
      failure?: GateFailure;
    };

const BOOTSTRAP: SecretAccess = { kind: 'withheld', answer: 'bootstrap', reason: 'no token or credentials' };

export function gate(security: RouteSecurity, request: GateRequest): GateDecision {
  const scope = scopeKind(request.target.scope);
  if (security === undefined || security === 'open') {
    if (scope?.kind !== 'none') return deny(404, 'scoped URLs need the security options', 'debug');
    return security === 'open'
      ? { pass: true, secrets: { kind: 'granted', settingServerScope: [] }, auth: { via: 'open' } }
      : { pass: true, secrets: { kind: 'withheld', answer: 'refuse', reason: 'no security configured: files with secrets are not served' } };
  }

  const mac = targetMac(request.target);
  if (mac !== undefined && security.checkClientCertificateMac) {
    const cert = verifiedClientCertificate(request.socket);
    const named = cert ? macsFromCertificate(cert) : [];
    if (named.length > 0 && !named.includes(mac)) {
      return failed(security, request, 403, {}, { kind: 'certificate', reason: 'client certificate names another device' });
    }
  }

  switch (scope?.kind) {
    case 'token': {
      if (!targetCarriesSecrets(request.target) || mac === undefined) return { pass: true, secrets: BOOTSTRAP };
      if (security.httpFailureLimit.blocked(request.ip)) return tooMany(security, request.ip);
      const check = security.tokens.check(scope.token, {
        mac, address: request.ip, consume: true, ...(request.reservedUses !== undefined ? { reservedUses: request.reservedUses } : {}),
      });
      if (!check.ok) return failed(security, request, 403, {}, { kind: 'token', reason: `token ${check.reason}`, tokenId: check.id });
      // On our own segment the kernel knows the MAC behind the address: it must be the device's (neighbours.ts).
      const seen = security.neighbours?.macOf(request.ip);
      if (seen !== undefined && seen !== mac) {
        return failed(security, request, 403, {}, { kind: 'neighbour', reason: 'the address belongs to another MAC on this network', tokenId: check.id });
      }
      // Secrets go out under a token once per device: a token another SUBSCRIBE naming this MAC obtained is
      // refused once the device has enrolled (enrolment.ts).
      const { enrolment } = security;
      if (enrolment && !enrolment.admits(mac, check.record.lookup)) {
        const reason = enrolment.status(mac) === 'held' ? 'device held: its enrolment was lost with the register' : 'device already enrolled';
        return failed(security, request, 403, {}, { kind: 'token', reason, tokenId: check.id });
      }
      const granted: GateDecision = {
        pass: true,
        secrets: { kind: 'granted', settingServerScope: AUTHENTICATED_SCOPE, httpClient: security.credentials.forMac(mac) },
        auth: { via: 'token', tokenId: check.id },
      };
      if (enrolment && request.method === 'GET') {
        enrolment.enrol(mac, { ip: request.ip, token: check.record.lookup, tokenId: check.id });
        const recorded = enrolment.written(mac);
        if (recorded) granted.recorded = recorded;
      }
      return granted;
    }
    case 'authenticated': {
      if (security.httpFailureLimit.blocked(request.ip)) return tooMany(security, request.ip);
      const who = authenticate(security, request);
      if ('decision' in who) return who.decision;
      const userMac = security.credentials.macOf(who.user);
      if (mac !== undefined && userMac !== mac) {
        return failed(security, request, 403, {}, { kind: who.via, reason: 'credentials of another device', user: who.user });
      }
      return {
        pass: true,
        secrets: mac === undefined ? BOOTSTRAP
          : { kind: 'granted', settingServerScope: AUTHENTICATED_SCOPE, httpClient: security.credentials.forMac(mac) },
        auth: { via: who.via, user: who.user },
      };
    }
    default:
      return { pass: true, secrets: BOOTSTRAP };
  }
}

/**
 * With a token store shared between instances (docs/shared-state.md): reserves the use a token request is about to
 * make, across instances, before the synchronous gate checks it (give its `uses` to the gate as `reservedUses`, and
 * `release` it when the gate refuses). Returns undefined at once (no promise) when there is nothing to reserve, so
 * one box pays nothing. When the shared store cannot be asked the gate checks against this instance's own tokens
 * and counts.
 */
export function reserveTokenUse(security: RouteSecurity, target: ProvisioningTarget): Promise<TokenReservation | undefined> | undefined {
  if (security === undefined || security === 'open' || !security.tokens.shared) return undefined;
  const scope = scopeKind(target.scope);
  if (scope?.kind !== 'token' || target.file.kind !== 'settings') return undefined;
  return security.tokens.reserve(scope.token).catch(() => undefined);
}

/**
 * With an enrolment register shared between instances (docs/shared-state.md): reads the device's enrolment from the
 * shared store before the synchronous gate decides on a token request for its settings. Resolves false when the
 * store cannot be asked: the route then answers 503 with Retry-After and serves no secret (fail closed). Undefined
 * at once (no promise) when there is nothing to read, so one box pays nothing.
 */
export function verifyEnrolment(security: RouteSecurity, target: ProvisioningTarget): Promise<boolean> | undefined {
  if (security === undefined || security === 'open' || security.enrolment?.shared !== true) return undefined;
  const scope = scopeKind(target.scope);
  const mac = targetMac(target);
  if (scope?.kind !== 'token' || mac === undefined || !targetCarriesSecrets(target)) return undefined;
  return security.enrolment.verify(mac);
}

type Authenticated = { via: 'digest' | 'basic'; user: string } | { decision: GateDecision };

function authenticate(security: PnpSecurity, request: GateRequest): Authenticated {
  const header = parseAuthorization(request.authorization);
  const basicAllowed = security.basicOverTls && request.secure;
  const challenge = (stale: boolean) => {
    const values = security.digest.challenges(stale);
    if (basicAllowed) values.push(`Basic realm=${quoted(security.digest.realm)}, charset="UTF-8"`);
    return { 'WWW-Authenticate': values };
  };
  if (header?.scheme === 'basic' && basicAllowed) {
    const mac = security.credentials.macOf(header.user);
    if (mac === undefined || !sameSecret(header.password, security.credentials.forMac(mac).password)) {
      return { decision: failed(security, request, 401, challenge(false), { kind: 'basic', reason: 'wrong credentials', user: header.user }) };
    }
    return { via: 'basic', user: header.user };
  }
  const result = security.digest.verify({
    method: request.method,
    uri: request.uri,
    header,
    passwordOf: (user) => {
      const mac = security.credentials.macOf(user);
      return mac === undefined ? undefined : security.credentials.forMac(mac).password;
    },
  });
  switch (result.outcome) {
    case 'ok': return { via: 'digest', user: result.user };
    case 'missing': return { decision: deny(401, 'authentication required', 'debug', challenge(false)) };
    case 'stale': return { decision: deny(401, 'stale nonce', 'debug', challenge(true)) };
    case 'failed':
      return {
        decision: failed(security, request, 401, challenge(result.stale === true), {
          kind: 'digest', reason: result.reason, ...(result.user !== undefined ? { user: result.user } : {}),
        }),
      };
  }
}

/** Constant-time comparison of two secrets of any length (compared as SHA-256 digests). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

function deny(status: 401 | 403 | 404, reason: string, level: LogLevel, headers: Record<string, string | string[]> = {}): GateDecision {
  return { pass: false, status, headers, reason, level };
}

function failed(
  security: PnpSecurity, request: GateRequest, status: 401 | 403, headers: Record<string, string | string[]>, failure: GateFailure,
): GateDecision {
  security.httpFailureLimit.take(request.ip);
  const user = failure.user === undefined ? {} : { user: failure.user.slice(0, 64) };
  return { pass: false, status, headers, reason: failure.reason, level: 'warn', failure: { ...failure, ...user } };
}

function tooMany(security: PnpSecurity, ip: string): GateDecision {
  return {
    pass: false, status: 429, reason: 'too many failed checks from this address', level: 'debug',
    headers: { 'Retry-After': String(security.httpFailureLimit.retryAfterSeconds(ip)) },
  };
}
