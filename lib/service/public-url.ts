import type { NetworkInterfaceInfo } from 'node:os';

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
