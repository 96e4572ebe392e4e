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
 * `<Fkey><Type>1</Type><Value>ext@1/ba</Value><Title>…</Title>` for BLF (vendors.md).
 * Not verified against a current Fanvil template: a port in FlashServerIP, HTTPS (FlashProtocol 5 here), and the
 * HTTP credentials in `<ap><DefaultUsername>/<DefaultPassword>` (seen in wazo's template, empty there).
 */
import type { Device, DeviceProfile } from '../../devices/device.js';
import { answerKeyValueFile, hostAndPort, type KeyValueVendor, type ReprovisionLinks } from '../device-file.js';
import { xmlText } from '../xml-text.js';
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

export function renderFanvilSettings(device: Device, links: ReprovisionLinks): string {
  let xml = `${DECLARATION}<sysConf>\n  <Version>2.0000000000</Version>\n  <sip>\n`;
  device.accounts.slice(0, 6).forEach((a, i) => {
    const { host, port } = hostAndPort(a.registrar, a.port);
    xml += `    <line index="${i + 1}">\n`;
    const put = (name: string, value: string) => { xml += `      <${name}>${xmlText(value)}</${name}>\n`; };
    put('PhoneNumber', a.user);
    put('DisplayName', a.displayName ?? '');
    put('RegisterAddr', host);
    put('RegisterPort', String(port ?? 5060));
    put('RegisterUser', a.authUser ?? a.user);
    put('RegisterPswd', a.password ?? '');
    put('EnableReg', '1');
    if (a.outboundProxy !== undefined) {
      const proxy = hostAndPort(a.outboundProxy, undefined);
      put('ProxyAddr', proxy.host);
      put('ProxyPort', String(proxy.port ?? 5060));
    }
    xml += '    </line>\n';
  });
  xml += '  </sip>\n';
  const server = new URL(links.settingServer);
  xml += '  <ap>\n    <pnp>\n'
    + `      <PNPEnable>${device.keepPnp === true ? '1' : '0'}</PNPEnable>\n    </pnp>\n`
    + `    <FlashServerIP>${xmlText(server.host)}</FlashServerIP>\n`
    + `    <FlashFileName>${xmlText(`${server.pathname.replace(/^\//, '')}$mac.cfg`)}</FlashFileName>\n`
    + `    <FlashProtocol>${server.protocol === 'https:' ? '5' : '4'}</FlashProtocol>\n`;
  if (links.httpClient) {
    xml += `    <DefaultUsername>${xmlText(links.httpClient.user)}</DefaultUsername>\n`
      + `    <DefaultPassword>${xmlText(links.httpClient.password)}</DefaultPassword>\n`;
  }
  xml += '  </ap>\n';
  const blf = device.functionKeys.map((k, position) => ({ k, n: (k.index ?? position) + 1 })).filter(({ k }) => k.type === 'blf');
  if (blf.length > 0) {
    xml += '  <dsskey>\n';
    for (const { k, n } of blf) {
      xml += `    <Fkey index="${n}">\n      <Type>1</Type>\n      <Value>${xmlText(`${k.value ?? ''}@${k.account ?? 1}/ba`)}</Value>\n`
        + `      <Title>${xmlText(k.label ?? '')}</Title>\n    </Fkey>\n`;
    }
    xml += '  </dsskey>\n';
  }
  return `${xml}</sysConf>\n`;
}

/** The secret-free file (and the per-model common file): no line, PnP left on. */
export function renderFanvilBootstrap(_defaults: DeviceProfile): string {
  return `${DECLARATION}<sysConf>\n  <Version>2.0000000000</Version>\n</sysConf>\n`;
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
