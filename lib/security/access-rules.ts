import { normalizeMac } from '../mac.js';
import { plainAddress } from '../net/address.js';
import { subnetList } from '../net/subnets.js';

/**
 * Who may be answered: MAC prefix, MAC range and source subnet allow/deny lists, compiled once. A deny entry always
 * wins; when an allow list is given, only what it matches is answered (a SUBSCRIBE without a MAC never matches a MAC
 * allow list; MAC prefixes and MAC ranges together form one MAC allow list). A MAC is not a secret, so these lists
 * narrow who gets an answer, they do not authenticate. The same rules guard the SIP responder and the HTTP route.
 */

export interface AccessOptions {
  /** MAC prefixes (OUIs or longer) in any notation: `00:04:13`, `000413`, `00-04-13-A1`. */
  allowMacPrefixes?: readonly string[];
  denyMacPrefixes?: readonly string[];
  /** Inclusive MAC ranges, `first-last` in any notation: `00:04:13:00:00:00-00:04:13:0F:FF:FF`. */
  allowMacRanges?: readonly string[];
  denyMacRanges?: readonly string[];
  /** IPv4/IPv6 subnets in CIDR form, or single addresses: `192.0.2.0/24`, `2001:db8::/32`, `198.51.100.7`. */
  allowSubnets?: readonly string[];
  denySubnets?: readonly string[];
}

export type AccessDecision =
  | { allowed: true }
  | { allowed: false; reason: 'denied-mac' | 'mac-not-allowed' | 'denied-subnet' | 'subnet-not-allowed' };

export interface AccessRules {
  check(who: { mac?: string; address: string }): AccessDecision;
  /** The subnet lists alone, for requests that name no device (a file shared by every phone of a model). */
  checkAddress(address: string): AccessDecision;
}

/** Compiles the lists; throws a TypeError naming the first invalid entry. */
export function compileAccessRules(options: AccessOptions = {}, path = 'access'): AccessRules {
  const allowMacs = macMatcher(
    macPrefixes(options.allowMacPrefixes, `${path}.allowMacPrefixes`), macRanges(options.allowMacRanges, `${path}.allowMacRanges`));
  const denyMacs = macMatcher(
    macPrefixes(options.denyMacPrefixes, `${path}.denyMacPrefixes`), macRanges(options.denyMacRanges, `${path}.denyMacRanges`));
  const allowNets = subnetList(options.allowSubnets, `${path}.allowSubnets`);
  const denyNets = subnetList(options.denySubnets, `${path}.denySubnets`);
  const checkAddress = (address: string): AccessDecision => {
    const ip = plainAddress(address);
    if (denyNets && ip && denyNets.check(ip.address, ip.family)) return { allowed: false, reason: 'denied-subnet' };
    if (allowNets && !(ip && allowNets.check(ip.address, ip.family))) return { allowed: false, reason: 'subnet-not-allowed' };
    return { allowed: true };
  };
  return {
    check({ mac, address }) {
      if (mac !== undefined && denyMacs?.(mac)) return { allowed: false, reason: 'denied-mac' };
      const byAddress = checkAddress(address);
      if (!byAddress.allowed && byAddress.reason === 'denied-subnet') return byAddress;
      if (allowMacs && (mac === undefined || !allowMacs(mac))) return { allowed: false, reason: 'mac-not-allowed' };
      return byAddress;
    },
    checkAddress,
  };
}

type MacRange = readonly [first: string, last: string];

/** One predicate over prefixes and ranges; `undefined` when neither list was given. */
function macMatcher(prefixes: string[] | undefined, ranges: MacRange[] | undefined): ((mac: string) => boolean) | undefined {
  if (prefixes === undefined && ranges === undefined) return undefined;
  // MACs are compared as normalised 12-digit upper-case hex, so string order is numeric order.
  return (mac) => (prefixes ?? []).some((p) => mac.startsWith(p)) || (ranges ?? []).some(([a, b]) => mac >= a && mac <= b);
}

function macRanges(list: unknown, path: string): MacRange[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new TypeError(`${path} must be an array of MAC ranges (first-last)`);
  return list.map((entry: unknown, i) => {
    const [first, last] = typeof entry === 'string' ? splitRange(entry) : [];
    if (first === undefined || last === undefined || first > last) {
      throw new TypeError(`${path}[${i}]: ${JSON.stringify(entry)} is not a MAC range (first-last, first not above last)`);
    }
    return [first, last] as const;
  });
}

function macPrefixes(list: unknown, path: string): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new TypeError(`${path} must be an array of MAC prefixes`);
  return list.map((entry: unknown, i) => {
    const prefix = typeof entry === 'string' ? entry.trim().replace(/[:.-]/g, '').toUpperCase() : '';
    if (!/^[0-9A-F]{1,12}$/.test(prefix)) {
      throw new TypeError(`${path}[${i}]: ${JSON.stringify(entry)} is not a MAC prefix (1 to 12 hex digits)`);
    }
    return prefix;
  });
}

/** The one `-` whose two sides are both MACs (`00-04-13-...` notation has dashes inside each MAC too). */
function splitRange(text: string): [string, string] | [] {
  for (let i = text.indexOf('-'); i !== -1; i = text.indexOf('-', i + 1)) {
    const first = normalizeMac(text.slice(0, i));
    const last = normalizeMac(text.slice(i + 1));
    if (first !== undefined && last !== undefined) return [first, last];
  }
  return [];
}
