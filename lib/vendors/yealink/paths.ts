/**
 * The files a Yealink phone asks for under its folder URL (Yealink "Auto Provisioning Guide", boot files; and
 * wazo-provd-plugins plugins/xivo-yealink): `<mac>.boot` or `y000000000000.boot` (firmware 81 and later), the
 * model-wide `y0000000000xx.cfg` (a per-model code; older firmware), then `<mac>.cfg`. MACs lower case.
 */
import type { VendorFile } from '../vendor.js';

export type YealinkFile =
  /** `y000000000000.boot`: the common boot file; nothing of any device. */
  | { kind: 'boot' }
  /** `<mac>.boot`: the device's boot file, listing its configuration file; no secret. */
  | { kind: 'device-boot'; mac: string }
  /** `y0000000000xx.cfg`: the model-wide file (`xx` the model code); no secret. */
  | { kind: 'model'; code: string }
  /** `<mac>.cfg`: the device's settings (secrets), or the bootstrap. */
  | { kind: 'settings'; mac: string }
  /** `<mac>-phonebook.xml`: the device's remote phone book (ours: named by the device file), or an empty one. */
  | { kind: 'phonebook'; mac: string };

const COMMON_BOOT = /^y000000000000\.boot$/i;
const DEVICE_BOOT = /^([0-9a-f]{12})\.boot$/i;
const MODEL = /^y0000000000([0-9a-z]{2})\.cfg$/i;
const SETTINGS = /^([0-9a-f]{12})\.cfg$/i;
const PHONEBOOK = /^([0-9a-f]{12})-phonebook\.xml$/i;

export function parseYealinkFileName(name: string): YealinkFile | undefined {
  if (COMMON_BOOT.test(name)) return { kind: 'boot' };
  let m = MODEL.exec(name);
  if (m?.[1]) return { kind: 'model', code: m[1].toLowerCase() };
  m = DEVICE_BOOT.exec(name);
  if (m?.[1]) return { kind: 'device-boot', mac: m[1].toUpperCase() };
  m = SETTINGS.exec(name);
  if (m?.[1]) return { kind: 'settings', mac: m[1].toUpperCase() };
  m = PHONEBOOK.exec(name);
  if (m?.[1]) return { kind: 'phonebook', mac: m[1].toUpperCase() };
  return undefined;
}

export function yealinkFileName(file: YealinkFile): string {
  switch (file.kind) {
    case 'boot': return 'y000000000000.boot';
    case 'device-boot': return `${file.mac.toLowerCase()}.boot`;
    case 'model': return `y0000000000${file.code}.cfg`;
    case 'settings': return `${file.mac.toLowerCase()}.cfg`;
    case 'phonebook': return `${file.mac.toLowerCase()}-phonebook.xml`;
  }
}

/** A file handed over by the route as one of Yealink's, or `undefined`. */
export function asYealinkFile(file: VendorFile): YealinkFile | undefined {
  return parseYealinkFileName(yealinkFileNameOf(file) ?? '');
}

function yealinkFileNameOf(file: VendorFile): string | undefined {
  switch (file.kind) {
    case 'boot': return 'y000000000000.boot';
    case 'device-boot': return file.mac === undefined ? undefined : `${file.mac}.boot`;
    case 'model': return 'code' in file && typeof file.code === 'string' ? `y0000000000${file.code}.cfg` : undefined;
    case 'settings': return file.mac === undefined ? undefined : `${file.mac}.cfg`;
    case 'phonebook': return file.mac === undefined ? undefined : `${file.mac}-phonebook.xml`;
    default: return undefined;
  }
}
