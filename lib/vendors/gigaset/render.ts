/**
 * Gigaset Maxwell provisioning files: `<provisioning version="1.1"><nvm>` holding `<param name="…" value="…"/>`
 * (Gigaset's wiki, teamwork.gigaset.com/gigawiki "FAQ Maxwell - Auto provisioning Nested profiles" and its SIP
 * multicast page; nethesis/tancredi data/templates/gigaset-Maxwell.tmpl). Every value passes through xmlAttribute
 * (../xml-text.ts), so no input can break the document.
 *
 * Where each key comes from:
 * - accounts `SIP.Account.<n>.*`, numbered from 0 (AccountName, Active, AuthName, AuthPassword, DisplayName,
 *   Username, Domain, ProxyServer.Address/Port, RegistrationServer.Address/Port, OutboundProxy.Address/Port) and
 *   `SIP.DefaultAccount`: the Gigaset wiki's example and tancredi's template, which agree;
 * - `SIP.TransportProtocol` (1 UDP, 2 TLS with `SIP.Security.UseSIPS` 1): tancredi's template (global, not per
 *   account; TCP is not in our sources, so it is left to the phone);
 * - function keys `PhoneUI.Keys.FunctionKeys.<n>.Type` (0 line, 3 speed dial, 4 BLF, 7 DTMF, 8 URL, 10 feature
 *   code) with PhoneNumber / Connection / EnableCode / URL / DisplayName: tancredi's gigaset.macros;
 * - `System.Provision.ProvisioningServer` (a URL with `%MACD`, which the phone replaces by its MAC): tancredi's
 *   template and the wiki's nested-profiles page;
 * - `System.DateAndTime.*`, `PhoneUI.Settings.Language`, `WebUI.Language`, `WebUI.AdminPassword`: tancredi's template;
 * - NOT verified for Maxwell: `SystemSettings.global.SipMulticastEnabled` = 0 (PnP off; the wiki documents it for
 *   the N610/N670/N870 only) and `System.Security.HTTPDigest.Username/Password` (the wiki names the setting
 *   "Settings - System - Security - HTTP digest username/password" but not its provisioning key). Both are listed
 *   in docs/vendors.md; `raw.gigaset` can override or add keys.
 */
import type { Device, DeviceProfile, FunctionKey } from '../../devices/device.js';
import { isSecretName } from '../../devices/secret-names.js';
import { hostAndPort, type ReprovisionLinks } from '../device-file.js';
import { xmlAttribute } from '../xml-text.js';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Accounts written at most (tancredi writes 4; the Maxwell 3/4 take more, 12 is our bound, not verified per model);
 * more in the inventory are left out.
 */
const MAX_ACCOUNTS = 12;

/** `PhoneUI.Keys.FunctionKeys.<n>.Type`, and which parameter carries the key's value (tancredi gigaset.macros). */
const KEY_TYPE: Partial<Record<FunctionKey['type'], { type: string; value: 'PhoneNumber' | 'EnableCode' | 'URL' | 'Connection' }>> = {
  line: { type: '0', value: 'Connection' },
  speed: { type: '3', value: 'PhoneNumber' },
  blf: { type: '4', value: 'PhoneNumber' },
  dtmf: { type: '7', value: 'EnableCode' },
  url: { type: '8', value: 'URL' },
  // A feature code key: what tancredi writes for group pickup (and DND, queue toggle).
  pickup: { type: '10', value: 'EnableCode' },
};

type Param = [name: string, value: string];

/** A known Maxwell's `<MAC>.xml`: accounts, keys, re-provisioning with its own credentials, PnP off; raw settings last. */
export function renderMaxwellSettings(device: Device, links: ReprovisionLinks): string {
  const params: Param[] = [...commonParams(device)];
  const accounts = device.accounts.slice(0, MAX_ACCOUNTS);
  const first = accounts[0];
  if (first !== undefined) {
    params.push(['SIP.DefaultAccount', '0']);
    if (first.transport === 'tls') params.push(['SIP.TransportProtocol', '2'], ['SIP.Security.UseSIPS', '1']);
    if (first.transport === 'udp') params.push(['SIP.TransportProtocol', '1'], ['SIP.Security.UseSIPS', '0']);
  }
  accounts.forEach((a, n) => {
    const { host, port } = hostAndPort(a.registrar, a.port);
    const at = (key: string): string => `SIP.Account.${n}.${key}`;
    params.push(
      [at('AccountName'), a.label ?? a.displayName ?? a.user],
      [at('Active'), '1'],
      [at('AuthName'), a.authUser ?? a.user],
      [at('AuthPassword'), a.password ?? ''],
      [at('DisplayName'), a.displayName ?? a.user],
      [at('Username'), a.user],
      [at('Domain'), host],
      [at('ProxyServer.Address'), host],
      [at('ProxyServer.Port'), String(port ?? 5060)],
      [at('RegistrationServer.Address'), host],
      [at('RegistrationServer.Port'), String(port ?? 5060)],
    );
    if (a.outboundProxy !== undefined) {
      const proxy = hostAndPort(a.outboundProxy, undefined);
      params.push([at('OutboundProxy.Address'), proxy.host], [at('OutboundProxy.Port'), String(proxy.port ?? 5060)]);
    }
  });
  for (const [position, key] of device.functionKeys.entries()) {
    const kind = KEY_TYPE[key.type];
    if (kind === undefined) continue;
    const at = (name: string): string => `PhoneUI.Keys.FunctionKeys.${key.index ?? position}.${name}`;
    // A line key names its connection (account), numbered from 0 like the accounts (not verified: tancredi writes
    // the key's value there).
    const value = kind.value === 'Connection' ? String((key.account ?? 1) - 1) : key.value ?? '';
    params.push([at('Type'), kind.type], [at(kind.value), value], [at('DisplayName'), key.label ?? '']);
  }
  // Re-provisioning from our authenticated route; the phone replaces %MACD by its MAC (Gigaset wiki).
  params.push(['System.Provision.ProvisioningServer', `${links.settingServer}%MACD.xml`]);
  if (links.httpClient) {
    params.push(['System.Security.HTTPDigest.Username', links.httpClient.user], ['System.Security.HTTPDigest.Password', links.httpClient.password]);
  }
  // The web interface's admin password (the inventory's `web.password`, Snom's `http_pass`).
  if (device.web?.password !== undefined) params.push(['WebUI.AdminPassword', device.web.password]);
  // PnP off, so a rogue responder on the LAN cannot redirect the phone later.
  params.push(['SystemSettings.global.SipMulticastEnabled', device.keepPnp === true ? '1' : '0']);
  return write(applyRaw(params, device.raw?.gigaset));
}

/** The secret-free `<MAC>.xml` for a phone not known or not authorised: time and language only; PnP stays on. */
export function renderMaxwellBootstrap(defaults: DeviceProfile): string {
  const raw = Object.entries(defaults.raw?.gigaset ?? {}).filter(([name]) => !isSecretName(name));
  return write(applyRaw(commonParams(defaults), Object.fromEntries(raw)));
}

function commonParams(profile: DeviceProfile): Param[] {
  const out: Param[] = [];
  if (profile.language !== undefined) out.push(['PhoneUI.Settings.Language', profile.language]);
  if (profile.webLanguage !== undefined || profile.language !== undefined) out.push(['WebUI.Language', profile.webLanguage ?? profile.language ?? '']);
  if (profile.timezone !== undefined) out.push(['System.DateAndTime.TimeZone', profile.timezone]);
  if (profile.ntpServer !== undefined) {
    out.push(['System.DateAndTime.AutoAdjustTime', 'NTPServiceEnabled'], ['System.DateAndTime.TimeServer', profile.ntpServer]);
  }
  return out;
}

/** Raw settings win: the same name replaces its value in place; new names are appended. */
function applyRaw(params: Param[], raw: Readonly<Record<string, string>> | undefined): Param[] {
  if (raw === undefined) return params;
  const out = [...params];
  for (const [name, value] of Object.entries(raw)) {
    const i = out.findIndex(([k]) => k === name);
    if (i === -1) out.push([name, value]);
    else out[i] = [name, value];
  }
  return out;
}

function write(params: readonly Param[]): string {
  let xml = `${DECLARATION}<provisioning version="1.1">\n  <nvm>\n`;
  for (const [name, value] of params) xml += `    <param name="${xmlAttribute(name)}" value="${xmlAttribute(value)}"/>\n`;
  return `${xml}  </nvm>\n</provisioning>\n`;
}
