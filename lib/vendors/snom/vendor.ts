/**
 * Snom (and its OEM lineage: phones whose SUBSCRIBE says `vendor="OEM";model="OEM"`, and Gigaset P-series
 * firmware that does) behind the vendor interface. Everything here delegates to the Snom files that existed
 * before the interface, so a Snom phone receives exactly what it did (test/fixtures/snom).
 */
import type { Device } from '../../devices/device.js';
import type { ModelInfo, VendorModule } from '../vendor.js';
import { parseSnomFileName, snomFileMac, snomFileName, type SnomFile } from './paths.js';
import { isSnomPhoneType, phoneTypeForModel } from './phone-types.js';
import { answerSnomFile } from './router.js';
import { isSecretSetting } from './secret-settings.js';
import { parseSnomUserAgent } from './user-agent.js';

/**
 * Key counts from Snom's data sheets (service.snom.com, "D7xx datasheet"): self-labelling/function keys on the
 * phone, pages included; expansion modules D7 (18 keys, up to 3) and D7C/D3 as noted.
 */
const MODELS: readonly ModelInfo[] = [
  { name: 'D735', lineKeys: 32, expansionKeys: 54 },
  { name: 'D785', lineKeys: 24, expansionKeys: 54 },
  { name: 'D765', lineKeys: 16, expansionKeys: 54 },
  { name: 'D717', lineKeys: 18, expansionKeys: 54 },
  { name: 'D715', aliases: ['snom715'], lineKeys: 5, expansionKeys: 54 },
  { name: 'D725', aliases: ['snom725'], lineKeys: 18, expansionKeys: 54 },
  { name: 'D713', lineKeys: 4 },
  { name: 'D712', lineKeys: 4 },
  { name: 'D865', lineKeys: 40, expansionKeys: 54 },
  { name: 'D385', lineKeys: 48, expansionKeys: 54 },
  { name: 'D345', lineKeys: 48, expansionKeys: 54 },
  { name: '320', lineKeys: 12 },
  { name: '370', lineKeys: 12 },
  { name: '710', lineKeys: 5 },
  { name: '760', lineKeys: 16 },
];

const SAMPLE_PHONE_TYPE = 'snomD735';

export const snomVendor: VendorModule<SnomFile> = {
  id: 'snom',
  displayName: 'Snom',
  // `vendor="snom"`, `Snom Technology`, and the OEM lineage (recognise.ts).
  eventVendor: /^snom\b|^oem$/i,
  userAgent: /(?:^|[^a-z])snom/i,
  macPrefixes: ['000413'],
  notifyUrl: { template: '{base}/snom/', shape: 'folder' },
  models: MODELS,
  parseFileName: parseSnomFileName,
  fileName: snomFileName,
  fileMac: snomFileMac,
  carriesSecrets: (file) => file.kind === 'settings',
  entryFile: (file) => file.kind === 'settings' || file.kind === 'device-container',
  probeNames: (mac) => [`${SAMPLE_PHONE_TYPE}.htm`, `${SAMPLE_PHONE_TYPE}-${mac}.htm`],
  deviceFiles(mac: string, model: string | undefined, device: Device | undefined): SnomFile[] {
    const phoneType = model === undefined ? undefined : isSnomPhoneType(model) ? model : phoneTypeForModel(model);
    const files: SnomFile[] = [];
    if (phoneType) files.push({ kind: 'model-container', phoneType }, { kind: 'device-container', phoneType, mac });
    files.push({ kind: 'settings', mac });
    if (device?.firmware?.url !== undefined) files.push({ kind: 'firmware', mac });
    return files;
  },
  answer: answerSnomFile,
  parseUserAgent: parseSnomUserAgent,
  isSecretSetting,
  isPhoneType: isSnomPhoneType,
};
