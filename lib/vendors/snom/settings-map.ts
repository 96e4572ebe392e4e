/**
 * The vendor-neutral device model in Snom's words: setting names, identity indexes and permission flags.
 * Pure; render.ts only turns these lists into XML.
 *
 * Permission flags (snom-provisioning.md, "Permission flags"; the slides' "Setting Files | Overview"):
 * - `R` read-only for the user, provisioning always writes it: credentials, registrar, identities, web and admin
 *   passwords, firmware and provisioning settings. The named `R`/`RW` flags are used rather than `&`/`$`, because
 *   `admin_mode` needs `RW` and one family of flags reads better.
 * - `!` the user may change it and provisioning leaves it alone once they have: language, web language, timezone,
 *   tone scheme, function keys (a desk's own key layout survives re-provisioning).
 * - `RW` the user may change it, the next provisioning writes it again: the default for raw settings that name
 *   no flag (it also keeps `admin_mode` switchable).
 * The flag is always written, and written exactly (`""` and `" "` mean opposite things).
 */
import type { DeviceProfile, DialplanRule, FunctionKey, PhonebookEntry, SipAccount, SnomRawSetting } from '../../devices/device.js';
import { isSecretSetting } from './secret-settings.js';
import { isElementName } from '../xml-text.js';

export const PERM_READ_ONLY = 'R';
export const PERM_USER_KEEPS = '!';
export const PERM_OVERWRITE = 'RW';

/** Snom identities are numbered 1 to 12. */
export const SNOM_IDENTITIES = 12;

export interface SnomLinks {
  /** URL of this device's `<firmware-settings>` file, written as `firmware_status`. */
  firmwareUrl?: string;
  /** Written as `setting_server`, so the phone keeps finding its settings once PnP is off. */
  settingServer?: string;
  /**
   * The device's own credentials for the authenticated settings route, written as `http_client_user` and
   * `http_client_pass`: what the phone answers that route's HTTP authentication with when it re-fetches its
   * settings from `setting_server`. Never written into a bootstrap file.
   */
  httpClient?: { user: string; password: string };
}

/** One `<name idx=".." perm="..">value</name>` in `<phone-settings>`. */
export interface SnomSetting {
  name: string;
  value: string;
  perm: string;
  idx?: number;
}

/** One `<fkey idx context label perm>value</fkey>`. */
export interface SnomFunctionKey {
  idx: number;
  context: string;
  label: string;
  perm: string;
  value: string;
}

/** One `<item context type index>` of `<tbook>`. */
export interface SnomPhonebookItem {
  index: number;
  context: string;
  type: string;
  name: string;
  number: string;
  numberType?: string;
}

/** One dial-plan `<TEMPLATE MATCH Timeout User Rewrite/>`. */
export interface SnomDialplanTemplate {
  match: string;
  timeout: number;
  user: string;
  rewrite?: string;
}

export interface PhoneSettingsOptions {
  links?: SnomLinks;
  /**
   * For a device the inventory does not know: no identities, no web or admin credentials, no raw setting whose
   * name suggests a secret, and PnP stays on.
   */
  bootstrap?: boolean;
}

/** The `<phone-settings>` of a device (or of the defaults, for a bootstrap file), raw settings applied last. */
export function phoneSettings(profile: DeviceProfile, options: PhoneSettingsOptions = {}): SnomSetting[] {
  const bootstrap = options.bootstrap ?? false;
  const out: SnomSetting[] = [];

  put(out, 'language', profile.language, PERM_USER_KEEPS);
  put(out, 'web_language', profile.webLanguage, PERM_USER_KEEPS);
  put(out, 'timezone', profile.timezone, PERM_USER_KEEPS);
  put(out, 'tone_scheme', profile.toneScheme, PERM_USER_KEEPS);
  put(out, 'ntp_server', profile.ntpServer, PERM_READ_ONLY);
  if (!bootstrap) {
    put(out, 'http_user', profile.web?.user, PERM_READ_ONLY);
    put(out, 'http_pass', profile.web?.password, PERM_READ_ONLY);
    put(out, 'admin_mode_password', profile.web?.adminPassword, PERM_READ_ONLY);
  }
  put(out, 'update_policy', profile.firmware?.policy, PERM_READ_ONLY);
  // Only when there is a firmware file to fetch: a link to a file that does not exist would fail on every check.
  if (!bootstrap && profile.firmware?.url !== undefined) put(out, 'firmware_status', options.links?.firmwareUrl, PERM_READ_ONLY);
  put(out, 'firmware_interval', numberText(profile.firmware?.checkIntervalMinutes), PERM_READ_ONLY);
  put(out, 'settings_refresh_timer', numberText(profile.settingsRefreshSeconds), PERM_READ_ONLY);
  put(out, 'setting_server', options.links?.settingServer, PERM_READ_ONLY);
  if (!bootstrap) {
    put(out, 'http_client_user', options.links?.httpClient?.user, PERM_READ_ONLY);
    put(out, 'http_client_pass', options.links?.httpClient?.password, PERM_READ_ONLY);
  }
  // PnP off once provisioned: a rogue responder on the LAN cannot redirect the phone later.
  put(out, 'pnp_config', bootstrap || profile.keepPnp === true ? 'on' : 'off', PERM_READ_ONLY);

  if (!bootstrap) {
    const accounts = profile.accounts ?? [];
    for (let idx = 1; idx <= SNOM_IDENTITIES; idx++) {
      const account = accounts[idx - 1];
      // Identities the inventory does not list are switched off: a phone handed to someone else must not keep
      // registering with its previous owner's account.
      if (account) out.push(...identitySettings(account, idx));
      else put(out, 'user_active', 'off', PERM_READ_ONLY, idx);
    }
  }

  const raw = (profile.snom ?? []).filter((s) => isElementName(s.name)
    && !(bootstrap && (isSecretSetting(s.name) || s.name === 'pnp_config')));
  return applyRawSettings(out, raw);
}

/** Adds a setting when it has a value. (Helpers here are module functions: they run for every file served.) */
function put(out: SnomSetting[], name: string, value: string | undefined, perm: string, idx?: number): void {
  if (value !== undefined) out.push(idx === undefined ? { name, value, perm } : { name, value, perm, idx });
}

/** The settings of identity `idx` (1-based). Everything is written, empty when not given, so nothing stale stays. */
export function identitySettings(account: SipAccount, idx: number): SnomSetting[] {
  const out = [
    readOnly('user_active', 'on', idx),
    readOnly('user_realname', account.displayName ?? '', idx),
    readOnly('user_name', account.user, idx),
    readOnly('user_pname', account.authUser ?? account.user, idx),
    readOnly('user_pass', account.password ?? '', idx),
    readOnly('user_host', account.registrar, idx),
    readOnly('user_outbound', outbound(account), idx),
  ];
  if (account.srtp !== undefined) out.push(readOnly('user_srtp', account.srtp ? 'on' : 'off', idx));
  out.push(readOnly('user_mailbox', account.mailbox ?? '', idx), readOnly('user_idle_text', account.label ?? '', idx));
  return out;
}

function readOnly(name: string, value: string, idx: number): SnomSetting {
  return { name, value, perm: PERM_READ_ONLY, idx };
}

/** `proxy;transport=tcp`; with a transport but no proxy, the registrar is the outbound proxy. */
function outbound(account: SipAccount): string {
  const target = account.outboundProxy ?? (account.transport ? account.registrar : undefined);
  if (target === undefined) return '';
  return account.transport && !/;transport=/i.test(target) ? `${target};transport=${account.transport}` : target;
}

/**
 * Raw settings win: one with the same name and idx as a mapped setting replaces its value (and its flag, when
 * it names one); others are appended, flagged `RW` unless they name a flag.
 */
export function applyRawSettings(settings: readonly SnomSetting[], raw: readonly SnomRawSetting[]): SnomSetting[] {
  const out = [...settings];
  if (raw.length === 0) return out;
  const at = new Map(out.map((s, i) => [settingKey(s.name, s.idx), i]));
  for (const s of raw) {
    const i = at.get(settingKey(s.name, s.idx));
    const existing = i === undefined ? undefined : out[i];
    const setting: SnomSetting = { name: s.name, value: s.value, perm: s.perm ?? existing?.perm ?? PERM_OVERWRITE };
    if (s.idx !== undefined) setting.idx = s.idx;
    if (i === undefined) {
      at.set(settingKey(s.name, s.idx), out.length);
      out.push(setting);
    } else {
      out[i] = setting;
    }
  }
  return out;
}

function settingKey(name: string, idx: number | undefined): string {
  return `${name}\u0000${idx ?? ''}`;
}

/**
 * `<fkey>` entries. Context: the key's account (identity number) when it names one, else `active` (the identity
 * in use). Keys that a raw `fkey` setting with the same idx replaces are left out: the raw setting wins.
 */
export function functionKeys(keys: readonly FunctionKey[], raw: readonly SnomRawSetting[] = []): SnomFunctionKey[] {
  const replaced = new Set(raw.filter((s) => s.name === 'fkey' && s.idx !== undefined).map((s) => s.idx));
  return keys
    .map((k, position) => ({
      idx: k.index ?? position,
      context: k.account === undefined ? 'active' : String(k.account),
      label: k.label ?? '',
      perm: PERM_USER_KEEPS,
      value: functionKeyValue(k),
    }))
    .filter((k) => !replaced.has(k.idx));
}

/** Snom's `type value` text: `blf 2002|*8`, `speed 100`, `orbit 700`, `line`, `none`. */
export function functionKeyValue(key: FunctionKey): string {
  switch (key.type) {
    case 'blf': return join('blf', key.value && key.pickup ? `${key.value}|${key.pickup}` : key.value);
    case 'park': return join('orbit', key.value);
    // Snom has no pickup key type: a speed dial of the pickup code (plus the extension, for directed pickup).
    case 'pickup': return join('speed', `${key.pickup ?? ''}${key.value ?? ''}`);
    case 'line':
    case 'none': return key.type;
    default: return join(key.type, key.value);
  }
}

function join(type: string, value: string | undefined): string {
  return value ? `${type} ${value}` : type;
}

export function phonebookItems(entries: readonly PhonebookEntry[]): SnomPhonebookItem[] {
  return entries.map((e, index) => {
    const item: SnomPhonebookItem = { index, context: 'active', type: e.category ?? 'none', name: e.name, number: e.number };
    if (e.numberType !== undefined) item.numberType = e.numberType;
    return item;
  });
}

/** Dial-plan templates, `User="Phone"` and `Timeout` 0 unless given, as in Snom's `<dialplan>` examples. */
export function dialplanTemplates(rules: readonly DialplanRule[]): SnomDialplanTemplate[] {
  return rules.map((r) => {
    const t: SnomDialplanTemplate = { match: r.match, timeout: r.timeout ?? 0, user: 'Phone' };
    if (r.rewrite !== undefined) t.rewrite = r.rewrite;
    return t;
  });
}

function numberText(n: number | undefined): string | undefined {
  return n === undefined ? undefined : String(n);
}
