/**
 * The vendor module interface: everything the core (the responder, the route, the secret gate, the state, the
 * CLI) needs to know about one vendor's phones, said by one object per vendor folder. The core asks the registry
 * (registry.ts) for a module and never imports a vendor folder; a vendor module returns plain data (file names,
 * bodies, content types, which files carry secrets) and never imports HTTP or SIP.
 *
 * Adding a vendor: a folder `lib/vendors/<id>/` whose `vendor.ts` exports a `VendorModule`, and one line in the
 * registry's list (docs/vendors.md).
 */
import type { Device, DeviceProfile } from '../devices/device.js';
import type { UnknownDevicePolicy } from '../devices/directory.js';
import type { Logger } from '../log/logger.js';
import { normalizeMac } from '../mac.js';

/** Path segments between the vendor segment and the file name: `[]`, `['t', <token>]` or `['a']`. */
export type ProvisioningScope = readonly string[];

/**
 * What every vendor's parsed file name has: a kind (the vendor's own word, logged and recorded), and the MAC and
 * phone type when the name carries them.
 */
export interface VendorFile {
  readonly kind: string;
  readonly mac?: string;
  readonly phoneType?: string;
}

/** A file as the routes know it. */
export interface ProvisioningTarget<F extends VendorFile = VendorFile> {
  vendor: string;
  scope: ProvisioningScope;
  file: F;
}

/** Which file was served: the vendor's kind, or `bootstrap` (the secret-free file of a device not known or not authorised). */
export type ServedFileKind = string;

/** Reported (`onServe`) and logged for every file served, 200 or 304. Holds no content and no secret. */
export interface ServedFileEvent {
  vendor: string;
  kind: ServedFileKind;
  /** The canonical file name (`snomD735-000413A11FA7.htm`). */
  file: string;
  /** The device the file belongs to (absent for model-wide files). */
  mac?: string;
  /** The phone type from the file name or User-Agent, when known. */
  phoneType?: string;
  /** Whether the directory knows the device (absent for model-wide files). */
  known?: boolean;
  status: 200 | 304;
  method: 'GET' | 'HEAD';
  ip: string;
  userAgent?: string;
  /** For files with secrets: how they were authorised (token id or user, never the token or a password). */
  auth?: SecretAuthorisation;
}

/**
 * Whether the request may receive a known device's secrets, as the route's access gate decided from the scope,
 * the token or the HTTP authentication. A vendor never decides this itself.
 */
export type SecretAccess =
  | {
      kind: 'granted';
      /** Scope of the re-provisioning server written into the settings (`a` once credentials are handed out). */
      settingServerScope: ProvisioningScope;
      /** The device's own HTTP credentials to hand out with its settings, for authenticated re-provisioning. */
      httpClient?: { user: string; password: string };
    }
  /** No secrets: the secret-free bootstrap instead, or a refusal (403). */
  | { kind: 'withheld'; answer: 'bootstrap' | 'refuse'; reason: string };

/** How the secrets of a served file were authorised, for the audit line. */
export type SecretAuthorisation =
  | { via: 'open' }
  | { via: 'token'; tokenId: string }
  | { via: 'digest' | 'basic'; user: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type ProvisioningReply =
  | {
      status: 200;
      body: string;
      /** True when the body holds secrets: sent with `Cache-Control: no-store`. */
      secret: boolean;
      /** Content type of the body; XML (`application/xml; charset=utf-8`) when absent. */
      contentType?: string;
      served: Pick<ServedFileEvent, 'vendor' | 'kind' | 'file' | 'mac' | 'phoneType' | 'known'>;
    }
  | {
      status: 403 | 404 | 503;
      /** For the log line only; never sent to the client. */
      reason: string;
      level: LogLevel;
      mac?: string;
      file: string;
    };

/** One file request, as the route hands it to a vendor after the access gate. */
export interface VendorFileRequest<F extends VendorFile = VendorFile> {
  target: ProvisioningTarget<F>;
  /** Canonical file name, for replies and logs. */
  fileName: string;
  /** Base URL of the router's root, for the URLs written inside files. */
  base: string;
  userAgent?: string;
  /** Whether a known device's settings may be served in full (decided by the route's access gate). */
  secrets: SecretAccess;
}

export interface VendorFileContext {
  /** The directory lookup, already bounded by a deadline; it may reject. */
  lookup(mac: string): Promise<Device | undefined>;
  defaults(): DeviceProfile;
  unknownDevices: UnknownDevicePolicy;
  logger: Logger;
}

/** What a vendor's hints in a SUBSCRIBE or request say. */
export interface VendorHints {
  /** `vendor` parameter of the Event header. */
  vendor?: string;
  /** `model` parameter of the Event header. */
  model?: string;
  userAgent?: string;
}

/** Model, firmware and MAC as a phone's HTTP User-Agent states them. */
export interface UserAgentFacts {
  model: string;
  version?: string;
  /** Normalised MAC (12 upper-case hex digits), when the firmware sends one. */
  mac?: string;
  /** The vendor's own name for the phone type, when it has one (Snom `snomD785`). */
  phoneType?: string;
}

/**
 * Reads a User-Agent with a pattern whose groups are model, firmware version and MAC (the last two optional), the
 * shape Yealink, Grandstream and Fanvil firmware share. Only the first 512 characters are read.
 */
export function userAgentFacts(pattern: RegExp, userAgent: string | undefined): UserAgentFacts | undefined {
  const m = userAgent === undefined ? null : pattern.exec(userAgent.slice(0, 512));
  if (!m?.[1]) return undefined;
  const facts: UserAgentFacts = { model: m[1].toUpperCase() };
  if (m[2]) facts.version = m[2];
  const mac = m[3] ? normalizeMac(m[3]) : undefined;
  if (mac) facts.mac = mac;
  return facts;
}

/** One model of the catalogue: its keys, for `check`. */
export interface ModelInfo {
  /** The model name as the inventory writes it (`T46U`, `GXP2170`, `X4U`, `D735`). */
  name: string;
  /** Other spellings that name the same model (`SIP-T46U`). */
  aliases?: readonly string[];
  /** Programmable line/function keys on the phone itself (pages included). */
  lineKeys: number;
  /** Keys of all expansion modules the model takes together, when it takes any. */
  expansionKeys?: number;
}

/**
 * The shape of the URL a vendor's phone needs in the NOTIFY (sip-pnp.md, vendors.md):
 * - `folder`: the phone appends its own file names (Snom, Yealink);
 * - `folder-slash`: likewise, and it ignores a URL that does not end in `/` (Grandstream);
 * - `file`: the phone fetches the URL as it is (Fanvil, Gigaset Maxwell); a `{mac}` in it is ours or the phone's.
 */
export type NotifyUrlShape = 'folder' | 'folder-slash' | 'file';

export interface VendorModule<F extends VendorFile = VendorFile> {
  /** Config key (`pnp.urls.<id>`, `raw.<id>`), path segment under our route, and the name in logs and records. */
  readonly id: string;
  /** For people: `Yealink`. */
  readonly displayName: string;
  /** Matches the Event header's `vendor` parameter. */
  readonly eventVendor: RegExp;
  /** Matches the HTTP or SIP User-Agent, when the Event names no vendor. */
  readonly userAgent: RegExp;
  /** The vendor's MAC prefixes (OUI, 6 upper-case hex digits): a hint where nothing else names the vendor. */
  readonly macPrefixes: readonly string[];
  readonly notifyUrl: {
    /** Default NOTIFY URL template, to our own route (`{base}/<id>/...`). */
    template: string;
    shape: NotifyUrlShape;
  };
  /** The catalogue of common models, for `check` (key numbers) and for `render` (the model-wide file names). */
  readonly models: readonly ModelInfo[];

  /** The file a name (the last path segment) asks for; `undefined` for any other name. */
  parseFileName(name: string): F | undefined;
  /** The canonical name of a file (what is logged, recorded and listed). */
  fileName(file: F): string;
  /** The device a file belongs to, when it belongs to one. */
  fileMac(file: F): string | undefined;
  /**
   * Whether this is the device file that carries the device's secrets: the one file a provisioning token is
   * checked (and used) for. Every other file is served without a token and never holds a secret.
   */
  carriesSecrets(file: F): boolean;
  /** Whether a NOTIFY URL may name this file directly (a `file`-shaped template); folders need not. */
  entryFile(file: F): boolean;
  /** Names a phone asks for under a folder URL, for checking a template (sample MAC given). */
  probeNames(mac: string): readonly string[];
  /**
   * The files a phone with this MAC requests, in its order, for `render`. `model` as the inventory (or the
   * operator) states it; without one, model-wide files are left out.
   */
  deviceFiles(mac: string, model: string | undefined, device: Device | undefined): F[];
  /** Answers one file request (after the route's access gate); never throws for bad input. */
  answer(request: VendorFileRequest<F>, context: VendorFileContext): Promise<ProvisioningReply>;
  /** Model, firmware and MAC from a User-Agent of this vendor; `undefined` for any other. */
  parseUserAgent(userAgent: string | undefined): Readonly<UserAgentFacts> | undefined;
  /**
   * Optional. Whether one of this vendor's settings (a raw setting's name in the inventory, an element or key in
   * its files) holds a secret: masked in previews, dropped from exports, never in a bootstrap. Without it the
   * neutral name test applies (lib/devices/secret-names.ts); a vendor whose secrets have no telling name
   * (Grandstream's `P34`) lists them here. Callers go through the registry (`isSecretRawSetting`).
   */
  isSecretSetting?(name: string): boolean;
  /**
   * Optional. Whether a name is one of this vendor's own phone types (Snom `snomD735`), which its phones use in
   * their file names and the Event `model`; lets `render --phone-type` and `probe --fetch` find the vendor.
   */
  isPhoneType?(name: string): boolean;
}

/** The directory URL of a vendor in a scope (ends in `/`). */
export function vendorDirectoryUrl(base: string, vendor: string, scope: ProvisioningScope = []): string {
  return `${base}/${vendor}/${scope.map((s) => `${encodeURIComponent(s)}/`).join('')}`;
}

/** The absolute URL of a file of `module` in a scope. */
export function vendorFileUrl<F extends VendorFile>(base: string, module: VendorModule<F>, scope: ProvisioningScope, file: F): string {
  return `${vendorDirectoryUrl(base, module.id, scope)}${module.fileName(file)}`;
}
