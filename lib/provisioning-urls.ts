/**
 * The URL contract between the two halves of the product: the URL the SIP responder puts into a NOTIFY, and
 * the HTTP routes that answer the requests a phone makes after following it. This module is the one place
 * that knows both sides; the responder and the routes import from here and nowhere else.
 */
import { tokenId } from './security/tokens.js';
import { BUILT_IN_URL_TEMPLATES, FALLBACK_VENDOR, VENDOR_MODULES, vendorModule } from './vendors/registry.js';
import { vendorDirectoryUrl, type ProvisioningScope, type ProvisioningTarget, type VendorFile } from './vendors/vendor.js';

export { vendorDirectoryUrl, type ProvisioningScope, type ProvisioningTarget } from './vendors/vendor.js';

/** Values substituted into a URL template. Unknown values leave their placeholder in place. */
export interface UrlValues {
  /** Normalised MAC (12 upper-case hex digits). */
  mac?: string;
  model?: string;
  vendor?: string;
  version?: string;
  /** The phone's source address as seen on the SUBSCRIBE. */
  ip?: string;
  /** This service's public base URL, without a trailing slash. */
  base?: string;
}

/**
 * Expands `{mac}` (lower-case hex), `{MAC}` (upper-case hex), `{model}`, `{vendor}`, `{version}`, `{ip}` and
 * `{base}`. A placeholder whose value is unknown is left as written: a Snom phone substitutes `{mac}` itself, so
 * a template keeps working for a SUBSCRIBE that carried no MAC. Values are percent-encoded, so nothing a phone
 * sends can change the URL's structure.
 */
export function expandUrlTemplate(template: string, values: UrlValues): string {
  return template.replace(/\{(mac|MAC|model|vendor|version|ip|base)\}/g, (whole, name: string) => {
    switch (name) {
      case 'mac': return values.mac ? values.mac.toLowerCase() : whole;
      case 'MAC': return values.mac ? values.mac.toUpperCase() : whole;
      case 'base': return values.base ?? whole;
      default: {
        const v = values[name as 'model' | 'vendor' | 'version' | 'ip'];
        return v === undefined || v === '' ? whole : encodeURIComponent(v);
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The route side. `base` below is always the URL of the provisioning router's root as phones reach it, without
// a trailing slash: the configured public URL, or one derived from the request (Host + mount prefix).
//
// Every vendor we render has its own segment (`/<id>/`, the registry's list) and its own file names (its module's
// parseFileName); the scopes below are the same for all. Snom's, as an example:
//
//   NOTIFY URL (template)          phone requests (relative to base)              served
//   {base}/snom/        (default)  /snom/<phoneType>.htm                          model container (no secrets)
//                                  /snom/<phoneType>-<MAC>.htm                    device container -> settings file
//   {base}/snom/{mac}.xml          /snom/<MAC>.xml                                device settings / bootstrap
//   (from firmware_status)         /snom/<MAC>-firmware.xml                       firmware settings
//
// MACs are accepted in any case and listed upper case. Between the vendor segment and the file name sits the
// scope, so the same file names and the same parsing serve all three, and the URLs listed in a container keep the
// request's scope:
//   (none)        {base}/snom/<file>            open files; a device's settings only as the secret-free bootstrap
//                                               (or in full when the operator runs without security)
//   t/<token>     {base}/snom/t/<token>/<file>  the NOTIFY URL of a known device: its settings with the token
//   a             {base}/snom/a/<file>          re-provisioning (`setting_server`): every file behind HTTP Digest
// ---------------------------------------------------------------------------------------------------------------

/** A vendor we render: its id is its path segment (registry.ts). */
export type Vendor = string;

/** The default NOTIFY URL template per vendor we render (each vendor module's own). */
export const DEFAULT_NOTIFY_URL_TEMPLATES: Readonly<{ snom: string } & Record<Vendor, string>> = BUILT_IN_URL_TEMPLATES;

/** The alternative Snom template: the phone substitutes `{mac}` and fetches its settings file directly. */
export const SNOM_MAC_NOTIFY_URL_TEMPLATE = '{base}/snom/{mac}.xml';

/** Longest path (relative to the router's root) that is parsed at all; real ones are under 60 characters. */
export const MAX_PROVISIONING_PATH_LENGTH = 512;

/** What a scope grants, read from its segments. */
export type ScopeKind =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'authenticated' };

/** The scope of re-provisioning: every file behind HTTP authentication. */
export const AUTHENTICATED_SCOPE: ProvisioningScope = ['a'];

/** A token as it may stand in a path: 24 base64url characters (144 bits). */
const TOKEN_SEGMENT = /^[A-Za-z0-9_-]{24}$/;

/** The scope that carries a provisioning token. */
export function tokenScope(token: string): ProvisioningScope {
  return ['t', token];
}

/** What `scope` is, or `undefined` for segments that are no scope of ours. */
export function scopeKind(scope: ProvisioningScope): ScopeKind | undefined {
  if (scope.length === 0) return { kind: 'none' };
  if (scope.length === 1 && scope[0] === 'a') return { kind: 'authenticated' };
  if (scope.length === 2 && scope[0] === 't' && TOKEN_SEGMENT.test(scope[1] ?? '')) return { kind: 'token', token: scope[1] as string };
  return undefined;
}

export type ParsedProvisioningPath =
  | { outcome: 'file'; target: ProvisioningTarget; /** canonical file name (MAC upper case) */ fileName: string }
  /** Not under a vendor segment: the host application's business. */
  | { outcome: 'not-ours' }
  | { outcome: 'rejected'; status: 400 | 404 | 414; reason: string };

/** Everything a legitimate path consists of; `%` (any encoding), `\`, spaces and controls are never needed. */
const SAFE_PATH = /^[A-Za-z0-9._~\/-]*$/;

/**
 * Parses a request path relative to the router's root, raw as received (not percent-decoded), e.g.
 * `/snom/snomD735-000413a11fa7.htm`. Nothing is ever decoded, so an encoded slash or dot cannot become one.
 */
export function parseProvisioningPath(path: string): ParsedProvisioningPath {
  if (path.length > MAX_PROVISIONING_PATH_LENGTH) return { outcome: 'rejected', status: 414, reason: 'path too long' };
  const segments = path.split('/');
  const module = segments[0] === '' ? vendorModule(segments[1]) : undefined;
  if (!module) return { outcome: 'not-ours' };
  if (!SAFE_PATH.test(path)) return { outcome: 'rejected', status: 400, reason: 'unexpected characters in path' };
  const rest = segments.slice(2);
  if (rest.some((s) => s === '.' || s === '..')) return { outcome: 'rejected', status: 400, reason: 'dot segment in path' };
  const name = rest.pop();
  if (!name) return { outcome: 'rejected', status: 404, reason: 'no file name' };
  if (scopeKind(rest) === undefined) return { outcome: 'rejected', status: 404, reason: 'unknown scope' };
  const file = module.parseFileName(name);
  if (!file) return { outcome: 'rejected', status: 404, reason: 'unknown file name' };
  return { outcome: 'file', target: { vendor: module.id, scope: rest, file }, fileName: module.fileName(file) };
}

/**
 * A NOTIFY URL with `scope` put between the vendor segment and the rest (`{base}/snom/` ->
 * `{base}/snom/t/<token>/`), or `undefined` when the URL does not lead into these routes (another server's URL,
 * or a vendor these routes do not serve), in which case a token would mean nothing.
 */
export function scopeNotifyUrl(url: string, base: string, scope: ProvisioningScope): string | undefined {
  for (const { id } of VENDOR_MODULES) {
    const prefix = `${base}/${id}/`;
    if (url.startsWith(prefix) && !url.slice(prefix.length).includes('/')) {
      return `${prefix}${scope.map((s) => `${encodeURIComponent(s)}/`).join('')}${url.slice(prefix.length)}`;
    }
  }
  return undefined;
}

/** A URL fit for a log line or an event: a token in it is replaced by its id (`t/[token:3fa9c1]/`). */
export function redactTokens(url: string): string {
  return url.replace(/\/t\/([A-Za-z0-9_-]{24})(?=\/)/g, (_whole, token: string) => `/t/[token:${tokenId(token)}]`);
}

/** The absolute URL of a file; what containers and `firmware_status` point to. */
export function provisioningFileUrl(base: string, target: ProvisioningTarget): string {
  const module = vendorModule(target.vendor);
  if (!module) throw new TypeError(`provisioningFileUrl: no vendor module ${JSON.stringify(target.vendor)}`);
  return `${vendorDirectoryUrl(base, target.vendor, target.scope)}${module.fileName(target.file)}`;
}

/** The device a target's file belongs to (its vendor module knows), if it belongs to one. */
export function targetMac(target: ProvisioningTarget): string | undefined {
  return vendorModule(target.vendor)?.fileMac(target.file);
}

/** Whether a target is the device file that carries secrets: the one file a token is checked for. */
export function targetCarriesSecrets(target: ProvisioningTarget): boolean {
  return vendorModule(target.vendor)?.carriesSecrets(target.file) ?? false;
}

/** The canonical name of a target's file. */
export function targetFileName(target: ProvisioningTarget<VendorFile>): string {
  return vendorModule(target.vendor)?.fileName(target.file) ?? target.file.kind;
}

// The public URL's rule lives with the other address forms in lib/net, where the configuration's schema can use it
// too (`check` refuses exactly what the routes refuse).
export { baseFromPublicUrl } from './net/public-url.js';

/** A Host header we are willing to copy into URLs: a DNS name or IP literal, optional port. */
const SAFE_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;
const SAFE_MOUNT = /^(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * The base for a request when no public URL is configured: `<protocol>://<Host><mount prefix>`. `undefined` when
 * the Host header is missing or not a plain host[:port], or the mount prefix has unusual characters, so a forged
 * header never ends up inside a file a phone will follow.
 */
export function baseFromRequest(request: { protocol: string; host: string | undefined; mountPath: string }): string | undefined {
  const { protocol, host, mountPath } = request;
  if (protocol !== 'http' && protocol !== 'https') return undefined;
  if (!host || host.length > 260 || !SAFE_HOST.test(host)) return undefined;
  const mount = mountPath.replace(/\/+$/, '');
  if (!SAFE_MOUNT.test(mount)) return undefined;
  return `${protocol}://${host.toLowerCase()}${mount}`;
}

const SAMPLE_BASE = 'http://provisioning.invalid/prov';
const SAMPLE_MAC = '000413A11FA7';
const SAMPLE_VALUES: UrlValues = { base: SAMPLE_BASE, mac: SAMPLE_MAC, model: 'D735', vendor: FALLBACK_VENDOR.id, version: '10.1', ip: '192.0.2.10' };

/**
 * Checks that a NOTIFY URL template starting with `{base}` leads to files these routes serve, for a phone of
 * `vendor` (default: the registry's fallback vendor, Snom) following it; returns a message saying what is wrong, or `undefined` when it is
 * fine. Templates pointing at another server (not starting with `{base}`) are the operator's business and pass.
 */
export function checkNotifyUrlTemplate(template: string, vendor?: string): string | undefined {
  if (!template.startsWith('{base}')) return undefined;
  // `$mac` is expanded by the phone itself (Fanvil/PLANET): the name it then asks for is what must be served.
  const expanded = expandUrlTemplate(template, SAMPLE_VALUES).replaceAll('$mac', SAMPLE_MAC.toLowerCase());
  if (/[?#]/.test(expanded)) return `notify URL template ${template} must not carry a query or fragment`;
  const path = expanded.slice(SAMPLE_BASE.length);
  // The names the template's own vendor asks for: another vendor's folder does not serve them.
  const prober = vendorModule(vendor ?? FALLBACK_VENDOR.id) ?? vendorModule(path.split('/')[1]);
  const folder = path.endsWith('/');
  const probes = folder && prober ? prober.probeNames(SAMPLE_MAC).map((name) => `${path}${name}`) : [path];
  for (const probe of probes) {
    const parsed = parseProvisioningPath(probe);
    if (parsed.outcome !== 'file') return `notify URL template ${template} does not lead to a provisioning file (${probe} is not served)`;
    if (parsed.target.scope.length > 0) return `notify URL template ${template} must not name a scope (t/..., a/): the responder adds the token itself`;
    const module = vendorModule(parsed.target.vendor);
    if (!folder && module && !module.entryFile(parsed.target.file)) {
      return `notify URL template ${template} must name a device's file (${probe} is a ${parsed.target.file.kind} file)`;
    }
  }
  return undefined;
}
