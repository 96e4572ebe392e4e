/**
 * Yealink configuration files: first line `#!version:1.0.0.1`, then `key = value` lines (Yealink "SIP-T4x
 * Administrator Guide", configuration files; the same header and keys in wazo-provd-plugins
 * plugins/xivo-yealink/<version>/templates and nethesis/tancredi's Yealink templates). Values are one line each: line
 * breaks in a value would start a new key, so they become spaces.
 */
import type { Device, DeviceProfile, FunctionKey, PhonebookEntry, SipTransport } from '../../devices/device.js';
import { hostAndPort, type ReprovisionLinks } from '../device-file.js';
import { xmlText } from '../xml-text.js';

const HEADER = '#!version:1.0.0.1\n';

/** `account.N.sip_server.1.transport_type`: 0 UDP, 1 TCP, 2 TLS (3 DNS-NAPTR). */
const TRANSPORT: Readonly<Record<SipTransport, string>> = { udp: '0', tcp: '1', tls: '2' };

/**
 * DSS key types (`linekey.N.type`), as in Yealink's administrator guide ("DSS key types") and wazo-provd-plugins'
 * Yealink plugin: 15 Line, 16 BLF, 13 Speed Dial, 10 Call Park, 9 Directed Pickup, 11 DTMF, 17 URL, 3 Transfer,
 * 1 Conference, 0 N/A. Types without a Yealink equivalent are left out of the file.
 */
const KEY_TYPE: Partial<Record<FunctionKey['type'], string>> = {
  line: '15', blf: '16', speed: '13', park: '10', pickup: '9', dtmf: '11', url: '17', transfer: '3', conference: '1', none: '0',
};

/** Yealink phones take up to 16 accounts (T5x); more in the inventory are left out. */
const MAX_ACCOUNTS = 16;

/**
 * Where a key number lands on a model with expansion modules: keys past the phone's own go to
 * `expansion_module.M.key.K.*` (Yealink administrator guide, "Expansion module keys"; vendors.md), `perModule`
 * keys per module. Without a layout (the model is not in the catalogue) every key is a `linekey`.
 */
export interface KeyLayout {
  lineKeys: number;
  perModule: number;
}

/** The key prefix of key number `index` (0-based): `linekey.N` or `expansion_module.M.key.K`. */
export function yealinkKeyPrefix(index: number, layout: KeyLayout | undefined): string {
  if (layout === undefined || index < layout.lineKeys || layout.perModule <= 0) return `linekey.${index + 1}`;
  const past = index - layout.lineKeys;
  return `expansion_module.${Math.floor(past / layout.perModule) + 1}.key.${(past % layout.perModule) + 1}`;
}

/** The device's `<mac>.cfg`: accounts, keys, re-provisioning with its own credentials, PnP off; raw settings last. */
export function renderYealinkSettings(device: Device, links: ReprovisionLinks, layout?: KeyLayout): string {
  const lines: [string, string][] = [...commonSettings(device)];
  device.accounts.slice(0, MAX_ACCOUNTS).forEach((a, i) => {
    const n = i + 1;
    const { host, port } = hostAndPort(a.registrar, a.port);
    lines.push(
      [`account.${n}.enable`, '1'],
      [`account.${n}.label`, a.label ?? a.displayName ?? a.user],
      [`account.${n}.display_name`, a.displayName ?? ''],
      [`account.${n}.auth_name`, a.authUser ?? a.user],
      [`account.${n}.user_name`, a.user],
      [`account.${n}.password`, a.password ?? ''],
      [`account.${n}.sip_server.1.address`, host],
      [`account.${n}.sip_server.1.port`, String(port ?? 5060)],
      [`account.${n}.sip_server.1.transport_type`, TRANSPORT[a.transport ?? 'udp']],
    );
    if (a.outboundProxy !== undefined) {
      const proxy = hostAndPort(a.outboundProxy, undefined);
      lines.push([`account.${n}.outbound_proxy_enable`, '1'], [`account.${n}.outbound_proxy.1.address`, proxy.host]);
      if (proxy.port !== undefined) lines.push([`account.${n}.outbound_proxy.1.port`, String(proxy.port)]);
    }
  });
  for (const [position, key] of device.functionKeys.entries()) {
    const type = KEY_TYPE[key.type];
    if (type === undefined) continue;
    const at = yealinkKeyPrefix(key.index ?? position, layout);
    lines.push([`${at}.type`, type], [`${at}.line`, String(key.account ?? 1)]);
    lines.push([`${at}.value`, key.type === 'pickup' ? `${key.pickup ?? ''}${key.value ?? ''}` : key.value ?? '']);
    lines.push([`${at}.label`, key.label ?? '']);
    // BLF with a pickup code: Yealink's own key for it (administrator guide, "BLF pickup code").
    if (key.type === 'blf' && key.pickup !== undefined) lines.push([`${at}.pickup_value`, key.pickup]);
  }
  // The phone book: a remote phone book on our own authenticated route (see renderYealinkPhonebook).
  if (links.phonebook !== undefined) {
    lines.push(['remote_phonebook.data.1.url', links.phonebook], ['remote_phonebook.data.1.name', PHONEBOOK_NAME]);
  }
  // Re-provisioning: the phone keeps fetching from our authenticated route with its own credentials
  // (`static.auto_provision.server.*`, Yealink auto-provisioning guide), and no longer listens to PnP, so a rogue
  // responder on the LAN cannot redirect it.
  lines.push(['static.auto_provision.server.url', links.settingServer]);
  if (links.httpClient) {
    lines.push(['static.auto_provision.server.username', links.httpClient.user], ['static.auto_provision.server.password', links.httpClient.password]);
  }
  // Periodic re-provisioning (`auto_provision.repeat.enable/minutes`, `static.`-prefixed on firmware 81 and later
  // like every `auto_provision` key; FusionPBX's Yealink templates).
  if (device.settingsRefreshSeconds !== undefined && device.settingsRefreshSeconds > 0) {
    lines.push(['static.auto_provision.repeat.enable', '1'], ['static.auto_provision.repeat.minutes', String(Math.max(1, Math.round(device.settingsRefreshSeconds / 60)))]);
  }
  // Web access (wazo-provd-plugins wazo_yealink v87 W90B.tpl, xivo-yealink v83): `static.security.user_name.admin` names the
  // administrator account, `static.security.user_password = <account>:<password>` sets its password. The phone's
  // own advanced menu uses the same administrator password, so `web.adminPassword` has no key of its own here.
  if (device.web?.user !== undefined) lines.push(['static.security.user_name.admin', device.web.user]);
  if (device.web?.password !== undefined) lines.push(['static.security.user_password', `${device.web.user ?? 'admin'}:${device.web.password}`]);
  if (device.firmware?.url !== undefined) lines.push(['static.firmware.url', device.firmware.url]);
  lines.push(['static.auto_provision.pnp_enable', device.keepPnp === true ? '1' : '0']);
  return write(applyRaw(lines, device.raw?.yealink));
}

/** The secret-free `<mac>.cfg` for a phone not known or not authorised: time and language; PnP stays on. */
export function renderYealinkBootstrap(defaults: DeviceProfile): string {
  const raw = Object.entries(defaults.raw?.yealink ?? {}).filter(([name]) => !isSecretKey(name));
  return write(applyRaw([...commonSettings(defaults)], Object.fromEntries(raw)));
}

/** A file shared by every phone: the model-wide file and the common boot file say nothing of any device. */
export function renderYealinkShared(): string {
  return HEADER;
}

/** `<mac>.boot`: the device's configuration file, named relative to the folder the phone was sent to (keeping the token). */
export function renderYealinkBoot(mac: string): string {
  return `${HEADER}include:config "${mac.toLowerCase()}.cfg"\n`;
}

/**
 * Language, time zone and time server (wazo-provd-plugins xivo-yealink templates: `lang.gui`, `lang.wui`,
 * `local_time.ntp_server1`, `local_time.time_zone`). Languages are Yealink's own words (`English`, `German`).
 * The time zone is an offset from UTC (`+1`, `-5`, `+5:30`; `local_time.time_zone=-5` beside
 * `local_time.time_zone_name` in a provider's published Yealink settings): taken from the end of the inventory's value, so Snom's
 * `GER+1` gives `+1`; a value without one is left out (Yealink's zone names differ from Snom's: `raw.yealink`).
 */
function commonSettings(profile: DeviceProfile): [string, string][] {
  const out: [string, string][] = [];
  if (profile.language !== undefined) out.push(['lang.gui', profile.language]);
  if (profile.webLanguage !== undefined) out.push(['lang.wui', profile.webLanguage]);
  if (profile.ntpServer !== undefined) out.push(['local_time.ntp_server1', profile.ntpServer]);
  const offset = profile.timezone === undefined ? undefined : utcOffset(profile.timezone);
  if (offset !== undefined) out.push(['local_time.time_zone', offset]);
  return out;
}

/** `GER+1` -> `+1`, `IND+5:30` -> `+5:30`, `-3` -> `-3`; `undefined` when the value ends in no offset. */
export function utcOffset(timezone: string): string | undefined {
  const m = /(?:^|[A-Za-z])([+-])(\d{1,2})(?:[:.](\d{2}))?$/.exec(timezone.trim());
  if (!m?.[1] || m[2] === undefined || Number(m[2]) > 14) return undefined;
  return `${m[1]}${Number(m[2])}${m[3] === undefined || m[3] === '00' ? '' : `:${m[3]}`}`;
}

/** The name the phone shows for the remote phone book. */
const PHONEBOOK_NAME = 'Directory';

/**
 * The device's phone book, `<mac>-phonebook.xml`, in Yealink's remote phone book format
 * (`<YealinkIPPhoneDirectory><DirectoryEntry><Name>…</Name><Telephone>…</Telephone>`; Yealink "Remote Phone
 * Book" guide, and Nevexo/voip-phonebook's yealink-xml format). Served only with the device file's access (its own
 * credentials on the authenticated route, which answers with Digest: octivi/yealink-phonebook reports that Yealink
 * phones do not answer Basic authentication for the phone book), since it is the device's.
 */
export function renderYealinkPhonebook(entries: readonly PhonebookEntry[]): string {
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<YealinkIPPhoneDirectory>\n';
  for (const e of entries) {
    xml += `  <DirectoryEntry>\n    <Name>${xmlText(e.name)}</Name>\n    <Telephone>${xmlText(e.number)}</Telephone>\n  </DirectoryEntry>\n`;
  }
  return `${xml}</YealinkIPPhoneDirectory>\n`;
}

/** Raw settings win: the same key replaces its value in place; new keys are appended. */
function applyRaw(lines: [string, string][], raw: Readonly<Record<string, string>> | undefined): [string, string][] {
  if (raw === undefined) return lines;
  const out = [...lines];
  for (const [name, value] of Object.entries(raw)) {
    const i = out.findIndex(([k]) => k === name);
    if (i === -1) out.push([name, value]);
    else out[i] = [name, value];
  }
  return out;
}

function write(lines: readonly [string, string][]): string {
  let text = HEADER;
  for (const [key, value] of lines) text += `${key} = ${value.replace(/[\r\n]+/g, ' ')}\n`;
  return text;
}

/** Keys that hold secrets (passwords, PINs, keys): never in a bootstrap file. */
export function isSecretKey(name: string): boolean {
  return /pass|pwd|pin|secret|token|key$|credential/i.test(name);
}
