/**
 * Grandstream behind the vendor interface. The NOTIFY URL is a folder ending in `/` (the phone ignores any other
 * and appends `cfg<mac>.xml` itself; sip-pnp.md). Under it the phone asks for `cfg<mac>` and `cfg<mac>.xml` (the
 * order differs per family), then the generic `cfg.xml` (Grandstream WP820 and GXP21xx administration guides,
 * "Provisioning and Configuration File Download"; MAC lower case). We answer `cfg<mac>.xml` (the device file) and
 * `cfg.xml` (nothing of any device); `cfg<mac>` (the legacy binary format) is not rendered: a 404 sends the phone on
 * to the XML file, the same 404 for every MAC.
 *
 * File format (`<gs_provision version="1"><config version="1">` with P-values; wazo-provd-plugins
 * plugins/wazo_grandstream/common/templates/base.tpl):
 *   P271 account active, P47 SIP server, P35 user ID, P36 authenticate ID, P34 password, P3 display name,
 *   P270 account name; accounts 2 and later at P<n+2>01.. as in the same template.
 * Multi-purpose keys: P23000 + 5*(key-1): mode, account (0-based), description, value (wazo's `_add_mpk`).
 * Re-provisioning: P212 upgrade/provisioning via (1 HTTP, 2 HTTPS), P237 config server path, P1360/P1361 its HTTP
 * user and password (the same four in several open-source provisioning templates).
 * PnP off: P1414 ("3CX Auto Provision" in Grandstream's configuration templates) = 0. Not verified against a
 * current template: docs/vendors.md says so.
 *
 * HTTP User-Agent: `Grandstream Model HW GXP2170 SW 1.0.11.3 DevId 000b82aabbcc` (wazo's Grandstream extractor).
 */
import type { Device, DeviceProfile, FunctionKey } from '../../devices/device.js';
import { answerKeyValueFile, hostAndPort, type KeyValueVendor, type ReprovisionLinks } from '../device-file.js';
import { xmlText } from '../xml-text.js';
import { userAgentFacts, type ModelInfo, type UserAgentFacts, type VendorFile, type VendorModule } from '../vendor.js';

export type GrandstreamFile =
  | { kind: 'settings'; mac: string }
  | { kind: 'binary'; mac: string }
  | { kind: 'common' };

const SETTINGS = /^cfg([0-9a-f]{12})\.xml$/i;
const BINARY = /^cfg([0-9a-f]{12})$/i;

export function parseGrandstreamFileName(name: string): GrandstreamFile | undefined {
  if (/^cfg\.xml$/i.test(name)) return { kind: 'common' };
  let m = SETTINGS.exec(name);
  if (m?.[1]) return { kind: 'settings', mac: m[1].toUpperCase() };
  m = BINARY.exec(name);
  if (m?.[1]) return { kind: 'binary', mac: m[1].toUpperCase() };
  return undefined;
}

export function grandstreamFileName(file: GrandstreamFile): string {
  switch (file.kind) {
    case 'common': return 'cfg.xml';
    case 'settings': return `cfg${file.mac.toLowerCase()}.xml`;
    case 'binary': return `cfg${file.mac.toLowerCase()}`;
  }
}

/** Keys per model (Grandstream data sheets; wazo's MODEL_FKEYS for the GRP series: virtual + multi-purpose keys). */
const MODELS: readonly ModelInfo[] = [
  { name: 'GXP2170', lineKeys: 48, expansionKeys: 160 },
  { name: 'GXP2160', lineKeys: 24, expansionKeys: 160 },
  { name: 'GXP2140', lineKeys: 4, expansionKeys: 160 },
  { name: 'GXP2135', lineKeys: 32 },
  { name: 'GXP1628', lineKeys: 8 },
  { name: 'GRP2612', lineKeys: 16 },
  { name: 'GRP2613', lineKeys: 24 },
  { name: 'GRP2614', lineKeys: 40, expansionKeys: 160 },
  { name: 'GRP2615', lineKeys: 40, expansionKeys: 160 },
  { name: 'GRP2616', lineKeys: 40, expansionKeys: 160 },
];

/** Multi-purpose key modes as wazo writes them (FUNCKEY_TYPES). Others are left out. */
const KEY_MODE: Partial<Record<FunctionKey['type'], string>> = {
  line: 'Line', blf: 'BLF', speed: 'SpeedDial', park: 'CallPark', none: 'None',
};

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function document(mac: string | undefined, values: readonly [string, string][]): string {
  let xml = `${DECLARATION}<gs_provision version="1">\n`;
  if (mac !== undefined) xml += `  <mac>${mac.toLowerCase()}</mac>\n`;
  xml += '  <config version="1">\n';
  for (const [p, v] of values) xml += `    <${p}>${xmlText(v)}</${p}>\n`;
  return `${xml}  </config>\n</gs_provision>\n`;
}

/** The device's `cfg<mac>.xml`: accounts, keys, the config server with its credentials, PnP off; raw last. */
export function renderGrandstreamSettings(device: Device, links: ReprovisionLinks): string {
  const values: [string, string][] = [];
  device.accounts.slice(0, 6).forEach((a, i) => {
    const { host, port } = hostAndPort(a.registrar, a.port);
    const server = port === undefined ? host : `${host}:${port}`;
    const p = i === 0
      ? { active: 'P271', server: 'P47', user: 'P35', auth: 'P36', pass: 'P34', name: 'P3', account: 'P270' }
      : { active: `P${i + 3}01`, server: `P${i + 3}02`, user: `P${i + 3}04`, auth: `P${i + 3}05`, pass: `P${i + 3}06`, name: `P${i + 3}07`, account: `P${i + 3}17` };
    values.push(
      [p.active, '1'], [p.server, server], [p.user, a.user], [p.auth, a.authUser ?? a.user], [p.pass, a.password ?? ''],
      [p.name, a.displayName ?? ''], [p.account, a.label ?? a.displayName ?? a.user],
    );
  });
  for (const [position, key] of device.functionKeys.entries()) {
    const mode = KEY_MODE[key.type];
    if (mode === undefined) continue;
    const start = 23000 + 5 * (key.index ?? position);
    values.push([`P${start}`, mode], [`P${start + 1}`, String((key.account ?? 1) - 1)], [`P${start + 2}`, key.label ?? ''], [`P${start + 3}`, key.value ?? '']);
  }
  const server = new URL(links.settingServer);
  values.push(['P212', server.protocol === 'https:' ? '2' : '1'], ['P237', `${server.host}${server.pathname}`]);
  if (links.httpClient) values.push(['P1360', links.httpClient.user], ['P1361', links.httpClient.password]);
  // Web access: P2 the admin password (Grandstream HT8xx/GXP user guides: "P2 is associated with ... Admin
  // Password"; wazo's base.tpl), P196 the end-user password (Grandstream configuration templates).
  if (device.web?.adminPassword !== undefined) values.push(['P2', device.web.adminPassword]);
  if (device.web?.password !== undefined) values.push(['P196', device.web.password]);
  values.push(...commonValues(device));
  // Firmware: P192 the firmware server path, without scheme (the phone picks its own image name; wazo's
  // Grandstream templates write the folder), P6767 how to fetch it (1 HTTP as in wazo's template; 2 HTTPS).
  const firmware = firmwareFolder(device.firmware?.url);
  if (firmware !== undefined) values.push(['P192', firmware.path], ['P6767', firmware.https ? '2' : '1']);
  // Periodic checks (firmware and settings alike): P194 automatic upgrade 1 ("Yes, every" P193 minutes),
  // P193 the interval in minutes, 60 to 5256000 (Grandstream user guides, "Managing firmware and configuration
  // file download").
  const minutes = refreshMinutes(device);
  if (minutes !== undefined) values.push(['P194', '1'], ['P193', String(minutes)]);
  values.push(['P1414', device.keepPnp === true ? '1' : '0']);
  return document(device.mac, applyRaw(values, device.raw?.grandstream));
}

/**
 * Time server and language: P30 NTP server (wazo's base.tpl), P1362 the display language in Grandstream's own
 * codes (`en`, `de`, `fr`; wazo's base.tpl writes its locale's language there). The time zone is not mapped: P64
 * takes Grandstream's own zone strings (`raw.grandstream.P64`).
 */
function commonValues(profile: DeviceProfile): [string, string][] {
  const values: [string, string][] = [];
  if (profile.ntpServer !== undefined) values.push(['P30', profile.ntpServer]);
  if (profile.language !== undefined) values.push(['P1362', profile.language]);
  return values;
}

/** `https://fw.example.net/gs/gxp2170fw.bin` -> `fw.example.net/gs` (the folder, without scheme). */
function firmwareFolder(url: string | undefined): { path: string; https: boolean } | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const folder = /\.[A-Za-z0-9]{1,8}$/.test(parsed.pathname) ? parsed.pathname.replace(/\/[^/]*$/, '') : parsed.pathname.replace(/\/+$/, '');
  return { path: `${parsed.host}${folder}`, https: parsed.protocol === 'https:' };
}

/** The check interval in minutes (60 at least): the settings refresh, else the firmware check interval. */
function refreshMinutes(device: Device): number | undefined {
  const minutes = device.settingsRefreshSeconds !== undefined && device.settingsRefreshSeconds > 0
    ? Math.round(device.settingsRefreshSeconds / 60) : device.firmware?.checkIntervalMinutes;
  return minutes === undefined || minutes <= 0 ? undefined : Math.min(5_256_000, Math.max(60, minutes));
}

/** The secret-free file for a phone not known or not authorised (and `cfg.xml`): time and language; PnP stays on. */
export function renderGrandstreamBootstrap(defaults: DeviceProfile, mac?: string): string {
  const values: [string, string][] = commonValues(defaults);
  const raw = Object.entries(defaults.raw?.grandstream ?? {}).filter(([name]) => !SECRET_P_VALUES.has(name));
  return document(mac, applyRaw(values, Object.fromEntries(raw)));
}

/** P-values that hold secrets: passwords of accounts 1–6, admin and user passwords, config-server password. */
const SECRET_P_VALUES: ReadonlySet<string> = new Set(['P34', 'P406', 'P506', 'P606', 'P706', 'P806', 'P2', 'P196', 'P1361']);

/** P-value names only (`P` and digits): anything else is not written. */
function applyRaw(values: [string, string][], raw: Readonly<Record<string, string>> | undefined): [string, string][] {
  if (raw === undefined) return values;
  const out = [...values];
  for (const [name, value] of Object.entries(raw)) {
    if (!/^P\d{1,6}$/.test(name)) continue;
    const i = out.findIndex(([k]) => k === name);
    if (i === -1) out.push([name, value]);
    else out[i] = [name, value];
  }
  return out;
}

const render: KeyValueVendor = {
  id: 'grandstream',
  contentType: 'application/xml; charset=utf-8',
  sharedFile: (file, defaults) => (file.kind === 'common' ? renderGrandstreamBootstrap(defaults) : undefined),
  deviceFile: renderGrandstreamSettings,
  bootstrapFile: (defaults) => renderGrandstreamBootstrap(defaults),
};

const USER_AGENT = /^Grandstream Model HW (\w+)(?:\s+V[^ ]+)? SW ([^ ]+) DevId ([0-9a-f]{12})/i;

export function parseGrandstreamUserAgent(userAgent: string | undefined): UserAgentFacts | undefined {
  return userAgentFacts(USER_AGENT, userAgent);
}

const carriesSecrets = (file: VendorFile): boolean => file.kind === 'settings';

export const grandstreamVendor: VendorModule<GrandstreamFile> = {
  id: 'grandstream',
  displayName: 'Grandstream',
  eventVendor: /grandstream/i,
  userAgent: /grandstream/i,
  macPrefixes: ['000B82', 'C074AD', 'EC74D7'],
  notifyUrl: { template: '{base}/grandstream/', shape: 'folder-slash' },
  models: MODELS,
  parseFileName: parseGrandstreamFileName,
  fileName: grandstreamFileName,
  fileMac: (file) => ('mac' in file ? file.mac : undefined),
  carriesSecrets,
  entryFile: (file) => file.kind === 'settings',
  probeNames: (mac) => [`cfg${mac.toLowerCase()}.xml`, 'cfg.xml'],
  deviceFiles: (mac: string) => [{ kind: 'binary', mac }, { kind: 'settings', mac }, { kind: 'common' }],
  answer: (request, context) => answerKeyValueFile(render, carriesSecrets, request, context),
  parseUserAgent: parseGrandstreamUserAgent,
  isSecretSetting: (name) => SECRET_P_VALUES.has(name.toUpperCase()),
};
