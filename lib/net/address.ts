import { BlockList, isIP } from 'node:net';

/** `::ffff:192.0.2.1` and `[2001:db8::1]` as the plain address BlockList expects. */
export function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  let a = address.trim();
  if (a.startsWith('[')) a = a.replace(/^\[(.*)\]$/, '$1');
  if (a.includes(':')) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
    if (mapped?.[1] !== undefined) a = mapped[1];
  }
  const version = isIP(a);
  if (version === 0) return undefined;
  return { address: a, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** True when two addresses are the same host (IPv4-mapped IPv6 and brackets ignored, IPv6 compared in full). */
export function sameAddress(a: string, b: string): boolean {
  const x = plainAddress(a);
  const y = plainAddress(b);
  if (!x || !y || x.family !== y.family) return false;
  if (x.family === 'ipv4') return x.address === y.address;
  const list = new BlockList();
  list.addAddress(x.address, 'ipv6');
  return list.check(y.address, 'ipv6');
}
