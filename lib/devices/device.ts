/**
 * The vendor-neutral device model: what a phone should be, independent of how a vendor's files spell it.
 * The inventory (YAML) produces these after resolving inheritance; vendor renderers consume them.
 */

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface SipAccount {
  /** SIP user (the AOR user part / extension). */
  user: string;
  /** Authentication user, when it differs from `user`. */
  authUser?: string;
  /** SIP password. A secret: never logged, never in a bootstrap file. */
  password?: string;
  displayName?: string;
  /** Registrar, `host[:port]`. */
  registrar: string;
  /** Registrar port, when not given in `registrar` (vendors that keep host and port apart get it separately). */
  port?: number;
  outboundProxy?: string;
  transport?: SipTransport;
  srtp?: boolean;
  mailbox?: string;
  /** Text shown on the idle screen for this identity. */
  label?: string;
}

export type FunctionKeyType =
  | 'line' | 'blf' | 'speed' | 'dtmf' | 'url' | 'xml' | 'park' | 'pickup' | 'transfer' | 'redirect'
  | 'conference' | 'keyevent' | 'none';

export interface FunctionKey {
  /** 0-based key number on the phone; when absent, the key's position in the list. */
  index?: number;
  type: FunctionKeyType;
  /** Extension, number, URL or key event, depending on `type`. */
  value?: string;
  label?: string;
  /** Call pickup code for BLF keys (Snom: `blf 2002|*8`). */
  pickup?: string;
  /** 1-based account (identity) the key belongs to; defaults to the first. */
  account?: number;
}

export type PhonebookCategory = 'colleagues' | 'family' | 'friends' | 'vip' | 'business' | 'none';
export type NumberType = 'sip' | 'fixed' | 'mobile' | 'home' | 'business';

export interface PhonebookEntry {
  name: string;
  number: string;
  category?: PhonebookCategory;
  numberType?: NumberType;
}

export interface DialplanRule {
  /** Regular expression the dialled string must match. */
  match: string;
  /** Rewrite template (Snom `Rewrite`), e.g. `sip:\1@\d`. */
  rewrite?: string;
  /** Seconds to wait before dialling once matched. */
  timeout?: number;
}

export type FirmwarePolicy = 'auto_update' | 'ask_for_update' | 'settings_only' | 'never_update';

export interface FirmwareWish {
  /** URL of the firmware image the phone should run. */
  url?: string;
  policy?: FirmwarePolicy;
  /** How often the phone checks for new firmware, in minutes. */
  checkIntervalMinutes?: number;
}

export interface WebAccess {
  /** Web UI user and password (Snom `http_user` / `http_pass`). */
  user?: string;
  password?: string;
  /** Administrator-mode password on the phone (Snom `admin_mode_password`). */
  adminPassword?: string;
}

/** A language file offered to the phone: its display name and where the phone downloads it. */
export interface LanguageFile {
  name: string;
  url: string;
}

/** Language files for the phone's own display (`gui`) and its web interface (`web`). */
export interface LanguageFiles {
  gui?: LanguageFile[];
  web?: LanguageFile[];
}

/**
 * The profile field that holds raw Snom settings (`snom:`): older than `raw:` and kept so existing inventories
 * work. The one place outside lib/vendors/snom/ that names the vendor (test/vendors/vendor-names.test.ts).
 */
export const LEGACY_RAW_FIELD = 'snom';

/** One raw Snom setting passed straight through (`name: value` or `name: {value, perm, idx}`). */
export interface SnomRawSetting {
  name: string;
  value: string;
  perm?: string;
  idx?: number;
}

/**
 * Raw settings for vendors whose files are key/value (Yealink `account.1.xxx`, Grandstream `P-values`, Fanvil
 * element paths, ...), by vendor id, applied last and winning over the mapped ones. Names must be plain (letters,
 * digits, `.`, `_`, `-`). Any vendor id is accepted here; `check` reports one no vendor renders.
 */
export type RawVendorSettings = Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;

/** Everything a layer (defaults, group, model or device) may say; all optional so layers can be partial. */
export interface DeviceProfile {
  accounts?: SipAccount[];
  language?: string;
  webLanguage?: string;
  timezone?: string;
  toneScheme?: string;
  ntpServer?: string;
  web?: WebAccess;
  functionKeys?: FunctionKey[];
  phonebook?: PhonebookEntry[];
  dialplan?: DialplanRule[];
  firmware?: FirmwareWish;
  /** Language files the phone may load; each list replaces the inherited one. */
  languageFiles?: LanguageFiles;
  /** Keep SIP plug-and-play on after provisioning (default false: a rogue responder cannot redirect the phone later). */
  keepPnp?: boolean;
  /** Seconds between periodic settings re-fetches (0 = off). */
  settingsRefreshSeconds?: number;
  /** Raw Snom settings, applied last; they win over anything mapped from the fields above. */
  snom?: SnomRawSetting[];
  /** Raw settings of the other vendors, applied last (`raw: { yealink: {...} }`); later layers win per name. */
  raw?: RawVendorSettings;
  /**
   * The vendor (`snom`, `yealink`, `grandstream`, `fanvil`, `gigaset`), if stated. Only previews and checks use
   * it: a phone gets the files of the vendor whose route it asks (its own), whatever this says.
   */
  vendor?: string;
}

/** A device after inheritance has been resolved (defaults → group → model → device). */
export interface Device extends DeviceProfile {
  /** 12 upper-case hex digits. */
  mac: string;
  /** Vendor's model name as the inventory states it (e.g. `D735`), if stated. */
  model?: string;
  group?: string;
  /** Free-form description, e.g. the desk or person. */
  description?: string;
  accounts: SipAccount[];
  functionKeys: FunctionKey[];
  phonebook: PhonebookEntry[];
  snom: SnomRawSetting[];
}
