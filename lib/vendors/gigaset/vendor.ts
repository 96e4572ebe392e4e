/**
 * Gigaset behind the vendor interface.
 *
 * Maxwell phones are rendered here. Their PnP SUBSCRIBE (Gigaset wiki, "SIP multicast", a Maxwell 3 trace):
 * `SUBSCRIBE sip:MAC%3A7C2F8030D21E@local`, the phone named by the User-Agent ("containing at first the product
 * name": `Gigaset Maxwell 3/…`), the Event `vendor` possibly `OEM` (vendors.md); the NOTIFY body is the
 * provisioning URL. Given a file URL the phone fetches it as it is; given a folder it asks for `provisioning.xml`
 * and then `<MAC>.xml` (Gigaset wiki, provisioning URL table for Maxwell Basic/2/3). Our NOTIFY names the device
 * file, `{base}/gigaset/<MAC>.xml`, so the token scope keeps it; `provisioning.xml` is not served (404), which
 * sends a phone given a folder on to `<MAC>.xml`.
 *
 * P-series phones run Snom's firmware: `recognise` sends them to the Snom route, and `lineage` tells previews
 * which Snom model they are (models.ts).
 *
 * User-Agent, as Gigaset's IP devices send it in SIP and HTTP (Gigaset wiki "FAQ Nx70 - User agent"):
 * `Gigaset N870 IP PRO/83.V2.43.0+build.5f0a106;7C2F80XXXXXX` (product, `/` firmware, `;` MAC); the Maxwell's is
 * read the same way (not verified against a Maxwell trace).
 */
import type { Device } from '../../devices/device.js';
import { answerKeyValueFile, type KeyValueVendor } from '../device-file.js';
import { userAgentFacts, type UserAgentFacts, type VendorFile, type VendorModule } from '../vendor.js';
import { GIGASET_MODELS, gigasetFamily, pSeriesModel } from './models.js';
import { renderMaxwellBootstrap, renderMaxwellSettings } from './render.js';

export type GigasetFile = { kind: 'settings'; mac: string };

const SETTINGS = /^([0-9A-Fa-f]{12})\.xml$/;

export function parseGigasetFileName(name: string): GigasetFile | undefined {
  const m = SETTINGS.exec(name);
  return m?.[1] ? { kind: 'settings', mac: m[1].toUpperCase() } : undefined;
}

/** `7C2F8030D21E.xml`: upper case, as in Gigaset's examples (`AABBCCDDEEFF.xml`). */
export function gigasetFileName(file: GigasetFile): string {
  return `${file.mac.toUpperCase()}.xml`;
}

const USER_AGENT = /^Gigaset\s+([A-Za-z0-9][A-Za-z0-9 _-]{0,30}?)\s*\/([0-9][0-9A-Za-z.+_-]{0,60})(?:;([0-9A-Fa-f]{12}))?/;

export function parseGigasetUserAgent(userAgent: string | undefined): UserAgentFacts | undefined {
  return userAgentFacts(USER_AGENT, userAgent);
}

const render: KeyValueVendor = {
  id: 'gigaset',
  contentType: 'application/xml; charset=utf-8',
  // Only the device file is served: nothing model-wide.
  sharedFile: () => undefined,
  deviceFile: renderMaxwellSettings,
  bootstrapFile: renderMaxwellBootstrap,
};

const carriesSecrets = (file: VendorFile): boolean => file.kind === 'settings';

export const gigasetVendor: VendorModule<GigasetFile> = {
  id: 'gigaset',
  displayName: 'Gigaset',
  eventVendor: /gigaset/i,
  userAgent: /gigaset/i,
  // Gigaset Communications' OUIs (the Gigaset wiki's User-Agents; tancredi's NethVoice migration lists both).
  macPrefixes: ['7C2F80', '589EC6'],
  notifyUrl: { template: '{base}/gigaset/{MAC}.xml', shape: 'file' },
  models: GIGASET_MODELS,
  parseFileName: parseGigasetFileName,
  fileName: gigasetFileName,
  fileMac: (file) => file.mac,
  carriesSecrets,
  entryFile: (file) => file.kind === 'settings',
  probeNames: (mac) => [`${mac.toUpperCase()}.xml`],
  deviceFiles: (mac: string, _model: string | undefined, _device: Device | undefined) => [{ kind: 'settings', mac }],
  answer: (request, context) => answerKeyValueFile(render, carriesSecrets, request, context),
  parseUserAgent: parseGigasetUserAgent,
  recognise: gigasetFamily,
  lineage(model: string) {
    const p = pSeriesModel(model);
    return p === undefined ? undefined : { vendor: 'snom', model: p.snomModel };
  },
};
