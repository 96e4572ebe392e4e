import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { Logger } from '../log/logger.js';

/**
 * The base URL phones are sent to: `http.publicUrl` as configured (without a trailing slash), or a guess from the
 * port actually bound (so `port: 0` works too), logged with a warning. When guessed, the router builds the URLs
 * inside files from the Host header the phone used, which is right by construction.
 */
export function publicUrlFor(
  http: { publicUrl?: string | undefined; host: string },
  bound: { port: number; tls: boolean },
  logger: Pick<Logger, 'warn'>,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  const configured = http.publicUrl?.replace(/\/+$/, '');
  if (configured) {
    const unusable = publicUrlProblem(configured);
    if (unusable) logger.warn({ publicUrl: configured }, unusable);
    return configured;
  }
  const guess = guessPublicUrl(interfaces, bound.port, http.host);
  const publicUrl = bound.tls ? guess.url.replace(/^http:/, 'https:') : guess.url;
  if (guess.guessed === 'loopback') {
    logger.warn({ publicUrl }, 'no http.publicUrl (PNP_PUBLIC_URL) and no LAN address found: phones cannot reach 127.0.0.1, set it');
  } else if (guess.guessed === 'interface') {
    logger.warn({ publicUrl }, 'no http.publicUrl (PNP_PUBLIC_URL) configured: phones are sent to this guessed address');
  }
  return publicUrl;
}

/**
 * The base URL phones are sent to when the operator configured none: this machine's first non-internal IPv4
 * address (interfaces in the order the OS lists them) and the HTTP port. Phones cannot use `localhost`, so a
 * loopback-only machine gets `127.0.0.1` and the caller logs a warning saying so.
 */
export function guessPublicUrl(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  port: number,
  listenHost: string,
): { url: string; guessed: 'listen-address' | 'interface' | 'loopback' } {
  if (listenHost !== '0.0.0.0' && listenHost !== '::' && listenHost !== '') {
    return { url: `http://${hostForUrl(listenHost)}:${port}`, guessed: 'listen-address' };
  }
  for (const addrs of Object.values(interfaces)) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return { url: `http://${v4.address}:${port}`, guessed: 'interface' };
  }
  return { url: `http://127.0.0.1:${port}`, guessed: 'loopback' };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The address the examples and the compose file carry until the operator replaces it (TEST-NET-1, RFC 5737). */
export const PLACEHOLDER_PUBLIC_HOST = '192.0.2.10';

/**
 * Why a configured public URL cannot work for phones although `serve` would start with it, or `undefined` when it
 * can: none configured (serve guesses one from this machine's interfaces, which in a container or on a multi-homed
 * host is often not the phones' side), or the examples' placeholder address still in place. `check` fails on it;
 * `serve` logs it as a warning.
 */
export function publicUrlProblem(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) {
    return 'http.publicUrl (PNP_PUBLIC_URL) is not set: serve would guess it from this machine\'s interfaces; set the URL phones reach this service at, e.g. http://<LAN address>:8080';
  }
  let host: string;
  try {
    host = new URL(publicUrl).hostname;
  } catch {
    return undefined; // the schema reports a malformed URL
  }
  if (host === PLACEHOLDER_PUBLIC_HOST) {
    return `http.publicUrl ${publicUrl} is the examples' placeholder address (${PLACEHOLDER_PUBLIC_HOST}): replace it with the address phones reach this service at`;
  }
  if (host === 'localhost' || host.startsWith('127.') || host === '[::1]') {
    return `http.publicUrl ${publicUrl} is a loopback address: phones cannot reach it`;
  }
  return undefined;
}
