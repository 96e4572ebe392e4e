/**
 * Yealink behind the vendor interface. The NOTIFY URL is a folder (the phone appends its own file names;
 * vendors.md), `{base}/yealink/`, which the responder scopes with the token (`…/yealink/t/<token>/`).
 *
 * HTTP User-Agent: `Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56` (model, firmware, MAC; wazo-provd-plugins'
 * Yealink HTTP device-info extractor reads the same three).
 */
import type { Device } from '../../devices/device.js';
import { answerKeyValueFile, type KeyValueVendor } from '../device-file.js';
import { userAgentFacts, type ModelInfo, type UserAgentFacts, type VendorModule } from '../vendor.js';
import { asYealinkFile, parseYealinkFileName, yealinkFileName, type YealinkFile } from './paths.js';
import {
  isSecretKey, renderYealinkBoot, renderYealinkBootstrap, renderYealinkPhonebook, renderYealinkSettings, renderYealinkShared, type KeyLayout,
} from './render.js';

/**
 * Line keys per model (Yealink data sheets; wazo-provd-plugins' Yealink `MODEL_INFO`), and the model code of the
 * model-wide file (`y0000000000xx.cfg`, asked for by older firmware; codes from vendors.md: 28 T46G, 36 T41P,
 * 54 T40P) where known. Expansion modules: EXP50 60 keys each, up to 3 (180); a key past the phone's own is written
 * as `expansion_module.M.key.K` with 60 keys per module (render.ts, yealinkKeyPrefix).
 */
const MODELS: readonly (ModelInfo & { code?: string })[] = [
  { name: 'T46U', aliases: ['SIP-T46U'], lineKeys: 16, expansionKeys: 180 },
  { name: 'T46S', aliases: ['SIP-T46S'], lineKeys: 10, expansionKeys: 180 },
  { name: 'T46G', aliases: ['SIP-T46G'], lineKeys: 10, expansionKeys: 180, code: '28' },
  { name: 'T40P', aliases: ['SIP-T40P'], lineKeys: 3, code: '54' },
  { name: 'T48U', aliases: ['SIP-T48U'], lineKeys: 29, expansionKeys: 180 },
  { name: 'T48S', aliases: ['SIP-T48S'], lineKeys: 29, expansionKeys: 180 },
  { name: 'T43U', aliases: ['SIP-T43U'], lineKeys: 21, expansionKeys: 180 },
  { name: 'T42U', aliases: ['SIP-T42U'], lineKeys: 6 },
  { name: 'T41S', aliases: ['SIP-T41S'], lineKeys: 6 },
  { name: 'T41P', aliases: ['SIP-T41P'], lineKeys: 6, code: '36' },
  { name: 'T54W', aliases: ['SIP-T54W'], lineKeys: 27, expansionKeys: 180 },
  { name: 'T57W', aliases: ['SIP-T57W'], lineKeys: 29, expansionKeys: 180 },
  { name: 'T33G', aliases: ['SIP-T33G'], lineKeys: 4 },
  { name: 'W52P', lineKeys: 0 },
];

/** Keys per expansion module (EXP50). */
const KEYS_PER_MODULE = 60;

function modelInfo(model: string | undefined): (typeof MODELS)[number] | undefined {
  const wanted = model?.trim().toUpperCase();
  return MODELS.find((m) => m.name === wanted || (m.aliases ?? []).includes(wanted ?? ''));
}

function modelCode(model: string | undefined): string | undefined {
  return modelInfo(model)?.code;
}

/** The key layout of the device's model, when the catalogue has it with expansion modules. */
export function yealinkKeyLayout(model: string | undefined): KeyLayout | undefined {
  const info = modelInfo(model);
  return info?.expansionKeys === undefined ? undefined : { lineKeys: info.lineKeys, perModule: KEYS_PER_MODULE };
}

const render: KeyValueVendor = {
  id: 'yealink',
  contentType: 'text/plain; charset=utf-8',
  sharedFile(file) {
    const f = asYealinkFile(file);
    if (f?.kind === 'device-boot') return renderYealinkBoot(f.mac);
    return f === undefined ? undefined : renderYealinkShared();
  },
  deviceFile: (device, links) => renderYealinkSettings(device, links, yealinkKeyLayout(device.model)),
  bootstrapFile: renderYealinkBootstrap,
  phonebook: {
    isFile: (file) => file.kind === 'phonebook',
    fileName: (mac) => yealinkFileName({ kind: 'phonebook', mac }),
    render: renderYealinkPhonebook,
  },
};

const USER_AGENT = /^Yealink\s+(?:SIP[- ])?([A-Za-z0-9-]{1,24})\s+([0-9][0-9A-Za-z.]{0,40})(?:\s+([0-9a-f]{2}(?::[0-9a-f]{2}){5}))?/i;

export function parseYealinkUserAgent(userAgent: string | undefined): UserAgentFacts | undefined {
  const facts = userAgentFacts(USER_AGENT, userAgent);
  if (facts) facts.model = facts.model.replace(/^SIP-/, '');
  return facts;
}

/** The device file, and the device's phone book (no secret in it, but the device's own: the same access). */
const carriesSecrets = (file: { kind: string }): boolean => file.kind === 'settings' || file.kind === 'phonebook';

export const yealinkVendor: VendorModule<YealinkFile> = {
  id: 'yealink',
  displayName: 'Yealink',
  eventVendor: /yealink/i,
  userAgent: /yealink/i,
  macPrefixes: ['001565', '805EC0', '249AD8', '44DBD2', '805E0C'],
  notifyUrl: { template: '{base}/yealink/', shape: 'folder' },
  models: MODELS,
  parseFileName: parseYealinkFileName,
  fileName: yealinkFileName,
  fileMac: (file) => ('mac' in file ? file.mac : undefined),
  carriesSecrets,
  entryFile: (file) => file.kind === 'settings' || file.kind === 'device-boot',
  probeNames: (mac) => ['y000000000000.boot', `${mac.toLowerCase()}.boot`, `${mac.toLowerCase()}.cfg`],
  deviceFiles(mac: string, model: string | undefined, device: Device | undefined): YealinkFile[] {
    const code = modelCode(model);
    const files: YealinkFile[] = [{ kind: 'device-boot', mac }];
    if (code !== undefined) files.push({ kind: 'model', code });
    files.push({ kind: 'settings', mac });
    if (device !== undefined && device.phonebook.length > 0) files.push({ kind: 'phonebook', mac });
    return files;
  },
  answer: (request, context) => answerKeyValueFile(render, carriesSecrets, request, context),
  parseUserAgent: parseYealinkUserAgent,
  isSecretSetting: isSecretKey,
};
