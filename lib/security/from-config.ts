/**
 * The service's `security:` configuration turned into the objects the responder and the route take: the shared
 * security state (its key read from, or created in, the key file), the responder's contact-mismatch rule, and the
 * TLS files with paths resolved against the configuration file's folder.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { loadOrCreateKeyFile } from './credentials.js';
import { createPnpSecurity, type PnpSecurity } from './pnp-security.js';
import type { TlsFiles } from './tls.js';

export interface ServiceSecurity {
  /** For both halves: the shared state, or `'open'` when the operator chose a trusted network. */
  security: PnpSecurity | 'open';
  allowContactMismatch: boolean | readonly string[];
  tls?: TlsFiles & { checkClientMac: boolean };
  /** Where the credentials key came from, for the start-up log (never the key). */
  keySource?: string;
}

/** Throws (with a message for the operator) when the key file cannot be read or created. */
export async function securityFromConfig(config: Config['security'], options: { configDir: string; logger: Logger }): Promise<ServiceSecurity> {
  const resolve = (file: string) => path.resolve(options.configDir, file);
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
    return { security: 'open', ...common };
  }
  const keyFile = resolve(config.credentials.keyFile);
  const key = config.credentials.key ?? await loadOrCreateKeyFile(keyFile);
  const t = config.tokens;
  const security = createPnpSecurity({
    key,
    tokens: { ttlSeconds: t.ttlSeconds, bind: t.bind, ipv4Prefix: t.ipv4Prefix, ipv6Prefix: t.ipv6Prefix, maxUses: t.maxUses, maxEntries: t.maxEntries },
    digest: config.digest,
    rateLimits: config.rateLimits,
    checkClientCertificateMac: tls?.checkClientMac ?? true,
    logger: options.logger,
  });
  return { security, ...common, keySource: config.credentials.key ? 'security.credentials.key' : keyFile };
}
