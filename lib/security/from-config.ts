/**
 * The service's `security:` configuration turned into the objects the responder and the route take: the shared
 * security state (its key read from, or created in, the key file), the responder's contact-mismatch rule, and the
 * TLS files. Relative paths are taken as they are (relative to the working directory): loadConfig has already made
 * a configuration file's paths absolute.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { loadOrCreateKeyFile } from './credentials.js';
import { EnrolmentRegister } from './enrolment-register.js';
import { FileTokenStore } from './file-token-store.js';
import { RedisTokenStore } from './redis-token-store.js';
import type { SharedStore } from '../store/shared-store.js';
import { RedisEnrolmentStore } from '../store/redis-enrolment.js';
import { createPnpSecurity, type PnpSecurity } from './pnp-security.js';
import { sharedRegisterCheck } from './shared-register-check.js';
import type { TlsFiles } from './tls.js';

export interface ServiceSecurity {
  /** For both halves: the shared state, or `'open'` when the operator chose a trusted network. */
  security: PnpSecurity | 'open';
  allowContactMismatch: boolean | readonly string[];
  tls?: TlsFiles & { checkClientMac: boolean };
  /** Where the credentials key came from, for the start-up log (never the key). */
  keySource?: string;
  /** The enrolment register's file, when the lock is on. */
  enrolmentFile?: string;
  /** The token store's file, when tokens outlive restarts. */
  tokenFile?: string;
  /**
   * Warns when an inventory of `devices` phones may outgrow the token store: every known phone that boots gets a
   * token, so a storm of more phones than the store holds, within one token window, drops the oldest tokens before
   * their phones fetch their settings (they provision at their next boot).
   */
  checkTokenRoom(devices: number): void;
  /** Closes the files the security state keeps open. */
  close(): void;
}

/** Where the enrolment register lives: `security.enrolment.file`, or beside the credentials key file. */
export function enrolmentFilePath(config: Config['security']): string {
  return config.enrolment.file ?? path.join(path.dirname(path.resolve(config.credentials.keyFile)), 'drachtio-pnp-enrolment.jsonl');
}

export interface SecurityFromConfigOptions {
  logger: Logger;
  /**
   * The devices the device state shows provisioned (when the service keeps one): those the register does not know
   * are held when the register was missing, empty or damaged at start (see holdLostEnrolments).
   */
  provisioned?: () => readonly string[];
  /** The Redis instances share (docs/shared-state.md): tokens are then kept there, instead of memory or `tokens.file`. */
  shared?: SharedStore;
  /** With `shared`: replicas that must confirm an enrolment before it counts (Redis WAIT); default 0. */
  waitReplicas?: number;
}

/** Throws (with a message for the operator) when the key file cannot be read or created. */
export async function securityFromConfig(config: Config['security'], options: SecurityFromConfigOptions): Promise<ServiceSecurity> {
  const resolve = (file: string): string => path.resolve(file);
  const tls = config.tls ? {
    cert: resolve(config.tls.cert),
    key: resolve(config.tls.key),
    ...(config.tls.ca ? { ca: resolve(config.tls.ca) } : {}),
    requireClientCert: config.tls.requireClientCert,
    checkClientMac: config.tls.checkClientMac,
  } : undefined;
  const common = { allowContactMismatch: config.allowContactMismatch, ...(tls ? { tls } : {}) };
  if (config.mode === 'open') {
    options.logger.warn('security.mode is open: settings with SIP passwords are served to anyone who names a MAC');
    return { security: 'open', ...common, checkTokenRoom: () => {}, close: () => {} };
  }
  const keyFile = resolve(config.credentials.keyFile);
  const key = config.credentials.key ?? await loadOrCreateKeyFile(keyFile);
  const t = config.tokens;
  // With a shared store the register lives there (docs/shared-state.md); its file is not opened.
  const enrolmentFile = config.enrolment.lock && options.shared === undefined ? enrolmentFilePath(config) : undefined;
  let enrolment: EnrolmentRegister | false = false;
  let stopChecking = (): void => {};
  if (config.enrolment.lock && options.shared !== undefined) {
    const sharedRegister = new RedisEnrolmentStore(options.shared, { waitReplicas: options.waitReplicas ?? 0 });
    enrolment = EnrolmentRegister.shared(sharedRegister, { logger: options.logger });
    if (config.enrolment.file !== undefined) {
      options.logger.warn('security.enrolment.file is not used: the enrolment register is kept in the shared store (store.url)');
    }
    // Holds for a Redis that lost its data, checked at start and at every reconnect (shared-register-check.ts).
    const provisioned = options.provisioned;
    if (provisioned) {
      const register = enrolment;
      const registerCheck = sharedRegisterCheck(sharedRegister, provisioned, options.logger, {
        // Read into the register's cache (100 at a time), so that /healthz counts them now.
        onHeld: async (macs) => {
          for (let i = 0; i < macs.length; i += 100) await Promise.all(macs.slice(i, i + 100).map((mac) => register.verify(mac)));
        },
      });
      const redis = options.shared.redis;
      const onReady = (): void => { void registerCheck.check(); };
      redis.on('ready', onReady);
      if (options.shared.ready) onReady();
      stopChecking = () => { redis.off('ready', onReady); };
    }
  } else if (enrolmentFile !== undefined) {
    try {
      enrolment = EnrolmentRegister.open(enrolmentFile, { logger: options.logger });
    } catch (err) {
      throw new Error(`cannot open the enrolment register ${enrolmentFile}: ${(err as Error).message}`);
    }
    if (enrolment.skipped > 0) options.logger.warn({ file: enrolmentFile, skipped: enrolment.skipped }, 'enrolment register: unreadable lines skipped');
    holdLostEnrolments(enrolment, options.provisioned?.() ?? [], options.logger);
  } else {
    options.logger.warn('security.enrolment.lock is off: every PnP SUBSCRIBE naming a known MAC gets that device\'s secrets');
  }
  const tokenFile = t.file !== undefined && options.shared === undefined ? resolve(t.file) : undefined;
  if (t.file !== undefined && options.shared !== undefined) {
    options.logger.warn('security.tokens.file is not used: tokens are kept in the shared store (store.url)');
  }
  let store: FileTokenStore | RedisTokenStore | undefined = options.shared
    ? new RedisTokenStore(options.shared, { maxEntries: t.maxEntries, logger: options.logger })
    : undefined;
  if (tokenFile !== undefined) {
    try {
      store = FileTokenStore.open(tokenFile, { maxEntries: t.maxEntries, logger: options.logger });
    } catch (err) {
      if (enrolment) enrolment.close();
      throw new Error(`cannot open the token store ${tokenFile}: ${(err as Error).message}`);
    }
  }
  const security = createPnpSecurity({
    key,
    tokens: {
      ttlSeconds: t.ttlSeconds, bind: t.bind, ipv4Prefix: t.ipv4Prefix, ipv6Prefix: t.ipv6Prefix, maxUses: t.maxUses, maxEntries: t.maxEntries,
      ...(store ? { store } : {}),
    },
    digest: config.digest,
    rateLimits: config.rateLimits,
    checkClientCertificateMac: tls?.checkClientMac ?? true,
    enrolment,
    ...(config.neighbourCheck ? {} : { neighbours: false as const }),
    logger: options.logger,
  });
  return {
    security, ...common, keySource: config.credentials.key ? 'security.credentials.key' : keyFile,
    ...(enrolmentFile !== undefined ? { enrolmentFile } : {}),
    ...(tokenFile !== undefined ? { tokenFile } : {}),
    checkTokenRoom: (devices) => {
      if (devices <= t.maxEntries) return;
      options.logger.warn({ devices, maxEntries: t.maxEntries, ttlSeconds: t.ttlSeconds },
        'security.tokens.maxEntries is below the inventory\'s size: if more phones than that boot within one token window, the oldest lose their token before fetching their settings');
    },
    close: () => {
      stopChecking();
      security.enrolment?.close();
      if (store instanceof FileTokenStore) store.close();
    },
  };
}

/**
 * A register that was missing (created now), empty or damaged at start may have lost enrolments: a device the
 * device state shows provisioned, which the register does not know, may have enrolled in the records that are
 * gone. Such devices are held (no token until an operator reopens them, enrolment.ts), on file, so a restart does
 * not forget it; and every start says how many are held, and how to let them enrol again.
 */
export function holdLostEnrolments(register: EnrolmentRegister, provisioned: readonly string[], logger: Logger): void {
  const lost = register.created ? 'missing' : register.skipped > 0 ? 'damaged' : register.recordsRead === 0 ? 'empty' : undefined;
  if (lost !== undefined) {
    const unknown = provisioned.filter((mac) => register.state(mac) === undefined);
    if (unknown.length > 0) {
      const stored = register.hold(unknown, `the enrolment register was ${lost} at start; the device state shows the device provisioned`);
      if (!stored) logger.error({ file: register.file, devices: unknown.length }, 'enrolment register: the holds could not be written (kept in memory)');
    }
  }
  const held = register.held();
  if (held.length > 0) {
    logger.warn({ file: register.file, held: held.length, macs: held.slice(0, 20) },
      `enrolment register: ${held.length} device(s) are held (their enrolment was lost with the register): PnP gives them no token until an operator runs \`drachtio-pnp devices reopen --all-missing\``);
  }
}
