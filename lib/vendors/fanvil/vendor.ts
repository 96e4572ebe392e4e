/**
 * Fanvil (and PLANET and other OEMs of its firmware) behind the vendor interface. The NOTIFY URL names the device
 * file (`{base}/fanvil/{mac}.cfg`; the phone may also expand `$mac` itself; sip-pnp.md), so the token scope keeps
 * it. The phone also asks for a per-model common file (`F0V00X200000.cfg` style; vendors.md), answered with nothing
 * of any device.
 *
 * Device file: XML `<sysConf>` (wazo-provd-plugins plugins/wazo_fanvil/common/templates/base-V-series.tpl and
 * base-new.tpl): `<sip><line index="N">` with PhoneNumber, DisplayName, RegisterAddr, RegisterPort, RegisterUser,
 * RegisterPswd, EnableReg, ProxyAddr/ProxyPort; auto-provisioning in `<ap>`: `<pnp><PNPEnable>0</PNPEnable></pnp>`,
 * FlashServerIP, FlashFileName, FlashProtocol (4: HTTP, as wazo writes it). Function keys:
 * `<Fkey><Type>1</Type><Value>ext@1/ba</Value><Title>…</Title>` for BLF, and speed dial, line and park keys
 * (functionKey below).
 * Not verified against a current Fanvil template: a port in FlashServerIP, HTTPS (FlashProtocol 5 here), and the
 * HTTP credentials in `<ap><DefaultUsername>/<DefaultPassword>` (seen in wazo's template, empty there).
 */
import type { Device, DeviceProfile, FunctionKey } from '../../devices/device.js';
import { isSecretName } from '../../devices/secret-names.js';
import { answerKeyValueFile, hostAndPort, type KeyValueVendor, type ReprovisionLinks } from '../device-file.js';
import { xmlAttribute, xmlText } from '../xml-text.js';
import { userAgentFacts, type ModelInfo, type UserAgentFacts, type VendorFile, type VendorModule } from '../vendor.js';

export type FanvilFile = { kind: 'settings'; mac: string } | { kind: 'common'; name: string };

const SETTINGS = /^([0-9a-f]{12})\.cfg$/i;
const COMMON = /^([A-Za-z0-9]{4,32})\.cfg$/;

export function parseFanvilFileName(name: string): FanvilFile | undefined {
  const m = SETTINGS.exec(name);
  if (m?.[1]) return { kind: 'settings', mac: m[1].toUpperCase() };
  const c = COMMON.exec(name);
  return c?.[1] ? { kind: 'common', name: c[1] } : undefined;
}

export function fanvilFileName(file: FanvilFile): string {
  return file.kind === 'settings' ? `${file.mac.toLowerCase()}.cfg` : `${file.name}.cfg`;
}

/** Programmable DSS keys per model (Fanvil data sheets). */
const MODELS: readonly ModelInfo[] = [
  { name: 'X4U', lineKeys: 36, expansionKeys: 160 },
  { name: 'X5U', lineKeys: 60, expansionKeys: 160 },
  { name: 'X3U', lineKeys: 6 },
  { name: 'X6U', lineKeys: 60, expansionKeys: 160 },
  { name: 'X7', lineKeys: 127 },
];

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** One element of the `<sysConf>` tree: a value, or children; `index` is its `index="…"` attribute. */
interface Element {
  name: string;
  index?: string;
  value?: string;
  children: Element[];
}

/** The child `name` (with `index`) of `parent`, created at the end when missing. */
function child(parent: Element, name: string, index?: string): Element {
  const found = parent.children.find((c) => c.name === name && c.index === index);
  if (found) return found;
  const made: Element = index === undefined ? { name, children: [] } : { name, index, children: [] };
  parent.children.push(made);
  return made;
}

/** Sets the value at a path of element names (`['phone', 'date', 'SNTPServer']`). */
function put(root: Element, path: readonly string[], value: string, index?: string): void {
  let at = root;
  for (const name of path.slice(0, -1)) at = child(at, name);
  const last = path.at(-1);
  if (last !== undefined) child(at, last, index).value = value;
}

/**
 * Raw settings, applied last: a name is the element path below `<sysConf>`, dot-separated, a number giving the
 * `index` of the element before it (`phone.date.TimeZone`, `sip.line.1.DTMFMode`). The same path replaces the
 * mapped value; a new one is appended. A name that is not such a path (an empty segment, a number first) is left out.
 */
function applyRaw(root: Element, raw: Readonly<Record<string, string>> | undefined): void {
  for (const [name, value] of Object.entries(raw ?? {})) {
    const segments = name.split('.');
    if (segments.some((s) => !/^[A-Za-z0-9_-]+$/.test(s)) || /^\d+$/.test(segments[0] ?? '') || /^\d+$/.test(segments.at(-1) ?? '')) continue;
    let at = root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      const next = segments[i + 1];
      const index = next !== undefined && /^\d+$/.test(next) ? next : undefined;
      at = child(at, segment, index);
      if (index !== undefined) i++;
    }
    at.children = [];
    at.value = value;
  }
}

function write(element: Element, depth: number): string {
  const pad = '  '.repeat(depth);
  const open = element.index === undefined ? element.name : `${element.name} index="${xmlAttribute(element.index)}"`;
  if (element.children.length === 0) return `${pad}<${open}>${xmlText(element.value ?? '')}</${element.name}>\n`;
  return `${pad}<${open}>\n${element.children.map((c) => write(c, depth + 1)).join('')}${pad}</${element.name}>\n`;
}

function document(root: Element): string {
  return `${DECLARATION}${write(root, 0)}`;
}

function sysConf(): Element {
  return { name: 'sysConf', children: [{ name: 'Version', value: '2.0000000000', children: [] }] };
}

/**
 * Language and time server (wazo-provd-plugins wazo_fanvil base-V-series.tpl): `<phone><display>
 * <DefaultLanguage>` in Fanvil's own codes (`en`, `de`, `fr`), `<phone><date><SNTPServer>` with `<EnableSNTP>1`.
 * The time zone is not mapped: `<TimeZone>` takes Fanvil's own zone numbers (`raw.fanvil`, `phone.date.TimeZone`).
 */
function common(root: Element, profile: DeviceProfile): void {
  if (profile.language !== undefined) put(root, ['phone', 'display', 'DefaultLanguage'], profile.language);
  if (profile.ntpServer !== undefined) {
    put(root, ['phone', 'date', 'SNTPServer'], profile.ntpServer);
    put(root, ['phone', 'date', 'EnableSNTP'], '1');
  }
}

/**
 * Function keys as `<dsskey><Fkey index="N">` with `<Type>`, `<Value>`, `<Title>` (wazo's Fanvil plugin,
 * common.py and base-V-series.tpl): BLF `1` and `ext@line/ba` (the pickup code and extension appended), speed dial
 * `1` and `number@line/f`, line `2` and `SIP<line>`, call park `2` and `number@line/c`. Other types are left out.
 */
function functionKey(key: FunctionKey): { type: string; value: string } | undefined {
  const line = key.account ?? 1;
  const value = key.value ?? '';
  switch (key.type) {
    case 'blf': return { type: '1', value: `${value}@${line}/ba${key.pickup === undefined ? '' : `${key.pickup}${value}`}` };
    case 'speed': return { type: '1', value: `${value}@${line}/f` };
    case 'line': return { type: '2', value: `SIP${line}` };
    case 'park': return { type: '2', value: `${value}@${line}/c` };
    default: return undefined;
  }
}

export function renderFanvilSettings(device: Device, links: ReprovisionLinks): string {
  const root = sysConf();
  // Firmware (base-V-series.tpl): `<fwCheck>` with the folder the phone takes its image from and the check
  // interval in hours (wazo writes 24; the unit is not verified: docs/vendors.md).
  if (device.firmware?.url !== undefined) {
    put(root, ['fwCheck', 'EnableAutoUpgrade'], '1');
    put(root, ['fwCheck', 'UpgradeServer1'], device.firmware.url);
    const minutes = device.firmware.checkIntervalMinutes;
    if (minutes !== undefined && minutes > 0) put(root, ['fwCheck', 'AutoUpgradeInterval'], String(Math.max(1, Math.ceil(minutes / 60))));
  }
  const sip = child(root, 'sip');
  device.accounts.slice(0, 6).forEach((a, i) => {
    const { host, port } = hostAndPort(a.registrar, a.port);
    const line = child(sip, 'line', String(i + 1));
    const set = (name: string, value: string) => put(line, [name], value);
    set('PhoneNumber', a.user);
    set('DisplayName', a.displayName ?? '');
    set('RegisterAddr', host);
    set('RegisterPort', String(port ?? 5060));
    set('RegisterUser', a.authUser ?? a.user);
    set('RegisterPswd', a.password ?? '');
    set('EnableReg', '1');
    if (a.outboundProxy !== undefined) {
      const proxy = hostAndPort(a.outboundProxy, undefined);
      set('ProxyAddr', proxy.host);
      set('ProxyPort', String(proxy.port ?? 5060));
    }
  });
  common(root, device);
  // The phone's menu password (base-V-series.tpl: `<phone><MenuPassword>`, wazo's admin password) and the web
  // administrator account (`<web><account index="1">` Name, Password, Level 10).
  if (device.web?.adminPassword !== undefined) put(root, ['phone', 'MenuPassword'], device.web.adminPassword);
  if (device.web?.password !== undefined) {
    const account = child(child(root, 'web'), 'account', '1');
    put(account, ['Name'], device.web.user ?? 'admin');
    put(account, ['Password'], device.web.password);
    put(account, ['Level'], '10');
  }
  const server = new URL(links.settingServer);
  put(root, ['ap', 'pnp', 'PNPEnable'], device.keepPnp === true ? '1' : '0');
  put(root, ['ap', 'FlashServerIP'], server.host);
  put(root, ['ap', 'FlashFileName'], `${server.pathname.replace(/^\//, '')}$mac.cfg`);
  put(root, ['ap', 'FlashProtocol'], server.protocol === 'https:' ? '5' : '4');
  if (links.httpClient) {
    put(root, ['ap', 'DefaultUsername'], links.httpClient.user);
    put(root, ['ap', 'DefaultPassword'], links.httpClient.password);
  }
  for (const [position, key] of device.functionKeys.entries()) {
    const fkey = functionKey(key);
    if (fkey === undefined) continue;
    const element = child(child(root, 'dsskey'), 'Fkey', String((key.index ?? position) + 1));
    put(element, ['Type'], fkey.type);
    put(element, ['Value'], fkey.value);
    put(element, ['Title'], key.label ?? '');
  }
  applyRaw(root, device.raw?.fanvil);
  return document(root);
}

/**
 * The secret-free file (and the per-model common file): no line, no password, PnP left on; language, time server
 * and the inventory defaults' raw settings that hold no secret.
 */
export function renderFanvilBootstrap(defaults: DeviceProfile): string {
  const root = sysConf();
  common(root, defaults);
  const raw = Object.entries(defaults.raw?.fanvil ?? {}).filter(([name]) => !isSecretName(name) && !/^ap\./i.test(name));
  applyRaw(root, Object.fromEntries(raw));
  return document(root);
}

const render: KeyValueVendor = {
  id: 'fanvil',
  contentType: 'application/xml; charset=utf-8',
  sharedFile: (file, defaults) => (file.kind === 'common' ? renderFanvilBootstrap(defaults) : undefined),
  deviceFile: renderFanvilSettings,
  bootstrapFile: renderFanvilBootstrap,
};

/** `Fanvil X4U 2.12.1.2 0c383e112233` (model, firmware, MAC), the shape wazo's Fanvil extractor reads. */
const USER_AGENT = /^(?:Fanvil|PLANET)\s+([A-Za-z0-9-]{1,24})\s+([0-9][0-9A-Za-z.]{0,40})(?:\s+([0-9a-f]{12}))?/i;

export function parseFanvilUserAgent(userAgent: string | undefined): UserAgentFacts | undefined {
  return userAgentFacts(USER_AGENT, userAgent);
}

const carriesSecrets = (file: VendorFile): boolean => file.kind === 'settings';

export const fanvilVendor: VendorModule<FanvilFile> = {
  id: 'fanvil',
  displayName: 'Fanvil',
  eventVendor: /fanvil|planet/i,
  userAgent: /fanvil|planet/i,
  macPrefixes: ['0C383E'],
  notifyUrl: { template: '{base}/fanvil/{mac}.cfg', shape: 'file' },
  models: MODELS,
  parseFileName: parseFanvilFileName,
  fileName: fanvilFileName,
  fileMac: (file) => (file.kind === 'settings' ? file.mac : undefined),
  carriesSecrets,
  entryFile: (file) => file.kind === 'settings',
  probeNames: (mac) => [`${mac.toLowerCase()}.cfg`],
  deviceFiles: (mac: string) => [{ kind: 'settings', mac }],
  answer: (request, context) => answerKeyValueFile(render, carriesSecrets, request, context),
  parseUserAgent: parseFanvilUserAgent,
};
