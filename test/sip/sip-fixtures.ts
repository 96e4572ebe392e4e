import { readFileSync } from 'node:fs';
import Srf from 'drachtio-srf';
import type { MessageSource, SipRequestView } from '../../lib/sip/parse-subscribe.js';
import { adaptExchange } from '../../lib/sip/srf-adapter.js';

// drachtio-srf exports these classes but its typings do not declare them.
const SipMessage = Reflect.get(Srf, 'SipMessage') as new (text: string) => object;
const SipRequest = Reflect.get(Srf, 'SipRequest') as new (message: object, meta: Record<string, string>) => object;

/** The phone address written in every fixture (as in the Snom trace). */
export const FIXTURE_PHONE = '192.168.10.67';

/** A CRLF SUBSCRIBE text from test/fixtures/sip. */
export function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/sip/${name}`, import.meta.url), 'utf8');
}

/** The names of all fixtures that are PnP (ua-profile) SUBSCRIBEs with a usable Contact. */
export const ANSWERABLE_FIXTURES = [
  'seed-snom-oem.txt', 'mac-upper-escape-snom.txt', 'mac-colon-yealink.txt', 'mac-equals-fanvil-5080.txt',
  'mac-bare-grandstream-5059.txt', 'mac-only-in-to.txt', 'mac-only-in-from.txt', 'extension-in-from.txt',
  'compact-headers.txt', 'no-space-after-colon.txt', 'event-params-any-case.txt', 'no-mac-audiocodes.txt',
  'accept-external-body.txt',
] as const;

/**
 * Parses `text` with drachtio-srf's own SipMessage (as drachtio-srf does for an incoming request) and returns
 * the adapter's typed view of it: compact header names behave exactly as in production.
 */
export function viewOf(text: string, source: Partial<MessageSource> = {}): SipRequestView {
  const message = new SipMessage(text);
  const req = new SipRequest(message, {
    source: 'network',
    address: source.address ?? FIXTURE_PHONE,
    port: String(source.port ?? 5060),
    protocol: source.transport ?? 'udp',
  });
  const exchange = adaptExchange(req, { send: () => undefined });
  if (!exchange) throw new Error('fixture did not adapt');
  return exchange.request;
}

/** The fixture as a given phone would send it: the fixture's phone address (with whatever port) -> host:port. */
export function asPhone(text: string, phone: { host: string; port: number }): string {
  return text.replace(new RegExp(`${FIXTURE_PHONE.replaceAll('.', '\\.')}(:\\d+)?`, 'g'), `${phone.host}:${phone.port}`);
}
