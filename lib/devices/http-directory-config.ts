import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { DeviceDirectory } from './directory.js';
import { HttpDirectory, type HttpLookupOutcome } from './http-directory.js';

/** The HTTP lookup backend as the `lookup:` configuration describes it, in front of `fallback` (the inventory). */
export function httpDirectoryFromConfig(
  lookup: NonNullable<Config['lookup']>, fallback: DeviceDirectory | undefined, logger: Logger, onLookup?: (outcome: HttpLookupOutcome) => void,
): HttpDirectory {
  return new HttpDirectory({
    url: lookup.url,
    ...(lookup.token ? { token: lookup.token } : {}),
    timeoutMs: lookup.timeoutMs,
    ttlMs: lookup.ttlSeconds * 1000,
    staleMs: lookup.staleSeconds * 1000,
    unknownTtlMs: lookup.unknownTtlSeconds * 1000,
    ...(fallback ? { fallback } : {}),
    logger,
    ...(onLookup ? { onLookup } : {}),
  });
}
