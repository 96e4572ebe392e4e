import { BlockList, isIP } from 'node:net';
import { plainAddress } from './address.js';

/** A predicate over source addresses for a list of subnets; throws a TypeError naming the first invalid entry. */
export function subnetMatcher(list: readonly string[], path: string): (address: string) => boolean {
  const blocks = subnetList(list, path) ?? new BlockList();
  return (address) => {
    const ip = plainAddress(address);
    return ip !== undefined && blocks.check(ip.address, ip.family);
  };
}

/**
 * The subnets (CIDR, or single addresses) of a configured list as one BlockList; `undefined` when the list was not
 * given. Throws a TypeError naming `path` and the first invalid entry.
 */
export function subnetList(list: unknown, path: string): BlockList | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new TypeError(`${path} must be an array of subnets`);
  const blocks = new BlockList();
  list.forEach((entry: unknown, i) => {
    const parsed = typeof entry === 'string' ? parseSubnet(entry.trim()) : undefined;
    if (!parsed) throw new TypeError(`${path}[${i}]: ${JSON.stringify(entry)} is not an IP address or CIDR subnet`);
    blocks.addSubnet(parsed.address, parsed.prefix, parsed.family);
  });
  return blocks;
}

function parseSubnet(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}
