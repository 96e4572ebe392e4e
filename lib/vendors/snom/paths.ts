/**
 * The names of the files a Snom phone asks for, and of the ones we point it to. A phone given a directory URL
 * asks for `<phoneType>.htm`, then `<phoneType>-<MAC>.htm` (Snom's mass-deployment flow); those containers list
 * the device's settings file, whose `firmware_status` points at the firmware file. Used only through
 * provisioning-urls.ts, which adds the base URL and the path segments in front of these names.
 */
import type { VendorFile } from '../vendor.js';
import { isSnomPhoneType } from './phone-types.js';

export type SnomFile =
  /** `snomD735.htm`: the model container; no secrets, the same for every phone of that type. */
  | { kind: 'model-container'; phoneType: string }
  /** `snomD735-000413A11FA7.htm`: the device container, listing the device's settings file. */
  | { kind: 'device-container'; phoneType: string; mac: string }
  /** `000413A11FA7.xml`: the device's `<settings>` (secrets), or the bootstrap file for an unknown device. */
  | { kind: 'settings'; mac: string }
  /** `000413A11FA7-firmware.xml`: `<firmware-settings>`; reached only through the setting `firmware_status`. */
  | { kind: 'firmware'; mac: string };

export type SnomFileKind = SnomFile['kind'];

const MODEL_CONTAINER = /^(snom[A-Za-z0-9]{1,16})\.htm$/i;
const DEVICE_CONTAINER = /^(snom[A-Za-z0-9]{1,16})-([0-9A-Fa-f]{12})\.htm$/i;
const SETTINGS = /^([0-9A-Fa-f]{12})\.xml$/i;
const FIRMWARE = /^([0-9A-Fa-f]{12})-firmware\.xml$/i;

/** The file a name asks for; MACs in any case come back upper case. `undefined` for any other name. */
export function parseSnomFileName(name: string): SnomFile | undefined {
  let m = MODEL_CONTAINER.exec(name);
  if (m?.[1] && isSnomPhoneType(m[1])) return { kind: 'model-container', phoneType: m[1] };
  m = DEVICE_CONTAINER.exec(name);
  if (m?.[1] && m[2]) return { kind: 'device-container', phoneType: m[1], mac: m[2].toUpperCase() };
  m = SETTINGS.exec(name);
  if (m?.[1]) return { kind: 'settings', mac: m[1].toUpperCase() };
  m = FIRMWARE.exec(name);
  if (m?.[1]) return { kind: 'firmware', mac: m[1].toUpperCase() };
  return undefined;
}

/** The name under which a file is served and listed (MAC upper case, as in all of Snom's examples). */
export function snomFileName(file: SnomFile): string {
  switch (file.kind) {
    case 'model-container': return `${file.phoneType}.htm`;
    case 'device-container': return `${file.phoneType}-${file.mac.toUpperCase()}.htm`;
    case 'settings': return `${file.mac.toUpperCase()}.xml`;
    case 'firmware': return `${file.mac.toUpperCase()}-firmware.xml`;
  }
}

/** The MAC a file belongs to, if it belongs to one device. */
export function snomFileMac(file: SnomFile): string | undefined {
  return file.kind === 'model-container' ? undefined : file.mac;
}

/** The phone type a file name carries, if any. */
export function snomFilePhoneType(file: SnomFile): string | undefined {
  return file.kind === 'model-container' || file.kind === 'device-container' ? file.phoneType : undefined;
}

const MAC = /^[0-9A-F]{12}$/;

/**
 * A file handed over by the route as one of Snom's (as parseSnomFileName makes them), or `undefined` when it is
 * not one. The route hands a vendor only files its own parser made; this checks rather than trusts.
 */
export function asSnomFile(file: VendorFile): SnomFile | undefined {
  return isSnomFile(file) ? file as SnomFile : undefined;
}

function isSnomFile(file: VendorFile): boolean {
  switch (file.kind) {
    case 'model-container': return file.phoneType !== undefined && isSnomPhoneType(file.phoneType);
    case 'device-container': return file.phoneType !== undefined && isSnomPhoneType(file.phoneType) && MAC.test(file.mac ?? '');
    case 'settings':
    case 'firmware': return MAC.test(file.mac ?? '');
    default: return false;
  }
}
