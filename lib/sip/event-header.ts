import { paramsOf, splitOutside } from './sip-syntax.js';

/**
 * The `Event` header of a SUBSCRIBE (RFC 6665 §8.2.1), e.g.
 * `ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"`. Phones quote the parameters or
 * not and spell their names in any case; all of it is read here.
 */
export interface EventHeader {
  /** The header value exactly as received: the NOTIFY must echo it byte for byte. */
  raw: string;
  /** Event package, lower-cased (`ua-profile`). */
  package: string;
  /** All parameters, names lower-cased, values unquoted. */
  params: Record<string, string>;
  profileType?: string;
  vendor?: string;
  model?: string;
  version?: string;
}

/** The package this responder answers. */
export const UA_PROFILE = 'ua-profile';

/** Parses an Event header value; `undefined` when it names no package. */
export function parseEventHeader(raw: string): EventHeader | undefined {
  const parts = splitOutside(raw, ';');
  const pkg = (parts[0] ?? '').trim().toLowerCase();
  if (pkg === '' || /[\s,"]/.test(pkg)) return undefined;
  const params = paramsOf(parts, 1);
  const event: EventHeader = { raw, package: pkg, params };
  const pick = (name: string): string | undefined => {
    const v = params[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const profileType = pick('profile-type');
  const vendor = pick('vendor');
  const model = pick('model');
  const version = pick('version');
  if (profileType !== undefined) event.profileType = profileType;
  if (vendor !== undefined) event.vendor = vendor;
  if (model !== undefined) event.model = model;
  if (version !== undefined) event.version = version;
  return event;
}

/** True for the `ua-profile` package, in any case. */
export function isUaProfile(event: EventHeader | undefined): event is EventHeader {
  return event?.package === UA_PROFILE;
}
