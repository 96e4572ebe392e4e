/**
 * Snom provisioning files (firmware 7 and later), written as text: one element per line, two spaces per level,
 * starting `<?xml version="1.0" encoding="utf-8"?>`, UTF-8. Every value passes through ../xml-text.ts, the one place
 * that escapes, so no input can make a file ill-formed; element names are fixed here or checked by settings-map.ts.
 * The format is the one xmlbuilder2 writes (the tests compare both, value for value); it is written by hand
 * because building a DOM per request cost more than the whole rest of serving a file.
 *
 * Settings documents write empty values as `<name ...></name>`, the form Snom's own examples use; the other
 * documents write empty elements as `<name .../>`.
 */
import type { Device, DeviceProfile, FirmwareWish } from '../../devices/device.js';
import {
  dialplanTemplates, functionKeys, phonebookItems, phoneSettings, type SnomLinks, type SnomSetting,
} from './settings-map.js';
import { hasUrlCredentials } from '../url-credentials.js';
import { xmlAttribute, xmlText } from '../xml-text.js';

export type { SnomLinks } from './settings-map.js';
export { isSecretSetting, secretSettingNames } from './secret-settings.js';

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

/**
 * A known device's `<settings>`: `<phone-settings>`, the language lists, then `<functionKeys>`, `<tbook>` and `<dialplan>` when the
 * device has any. The phone book is written only when the device has entries: `complete="true"` with no items
 * would wipe the book on the phone.
 */
export function renderSettings(device: Device, links?: SnomLinks): string {
  let xml = `${DECLARATION}<settings>\n${phoneSettingsSection(phoneSettings(device, { links }))}${languageSections(device)}`;

  const keys = functionKeys(device.functionKeys, device.snom);
  if (keys.length > 0) {
    xml += '  <functionKeys e="2">\n';
    for (const k of keys) {
      xml += `    <fkey idx="${k.idx}" context="${xmlAttribute(k.context)}" label="${xmlAttribute(k.label)}" perm="${xmlAttribute(k.perm)}">`
        + `${xmlText(k.value)}</fkey>\n`;
    }
    xml += '  </functionKeys>\n';
  }

  const items = phonebookItems(device.phonebook);
  if (items.length > 0) {
    xml += '  <tbook e="2" complete="true">\n';
    for (const item of items) {
      xml += `    <item context="${xmlAttribute(item.context)}" type="${xmlAttribute(item.type)}" index="${item.index}">\n`
        + `      <name>${xmlText(item.name)}</name>\n      <number>${xmlText(item.number)}</number>\n`;
      if (item.numberType !== undefined) xml += `      <number_type>${xmlText(item.numberType)}</number_type>\n`;
      xml += '    </item>\n';
    }
    xml += '  </tbook>\n';
  }

  const templates = dialplanTemplates(device.dialplan ?? []);
  if (templates.length > 0) {
    xml += '  <dialplan>\n';
    for (const t of templates) {
      // Element and attribute spelling as in Snom's dial-plan examples (snom-provisioning.md, `<dialplan>`).
      const rewrite = t.rewrite === undefined ? '' : ` Rewrite="${xmlAttribute(t.rewrite)}"`;
      xml += `    <TEMPLATE MATCH="${xmlAttribute(t.match)}" Timeout="${t.timeout}" User="${xmlAttribute(t.user)}"${rewrite}></TEMPLATE>\n`;
    }
    xml += '  </dialplan>\n';
  }
  return `${xml}</settings>\n`;
}

/**
 * The `<settings>` for a phone the inventory does not know, from the inventory's defaults: language, time,
 * firmware policy, refresh timer, language files and non-secret raw settings. No identities, no credentials, no phone book, no
 * keys; PnP stays on so the phone finds its real settings once it is added.
 */
export function renderBootstrapSettings(profile: DeviceProfile): string {
  return `${DECLARATION}<settings>\n${phoneSettingsSection(phoneSettings(profile, { bootstrap: true }))}${languageSections(profile, true)}</settings>\n`;
}

/** The empty container: the model container every phone of a model gets. */
const EMPTY_SETTING_FILES = `${DECLARATION}<setting-files/>\n`;

/** A `<setting-files>` container listing files the phone fetches in order. */
export function renderSettingFiles(fileUrls: readonly string[]): string {
  if (fileUrls.length === 0) return EMPTY_SETTING_FILES;
  let xml = `${DECLARATION}<setting-files>\n`;
  for (const url of fileUrls) xml += `  <file url="${xmlAttribute(url)}"/>\n`;
  return `${xml}</setting-files>\n`;
}

/** `<firmware-settings>` naming the image to run (no flag, as Snom requires); undefined without a firmware URL. */
export function renderFirmwareSettings(firmware: FirmwareWish): string | undefined {
  if (firmware.url === undefined || firmware.url === '') return undefined;
  const url = xmlText(firmware.url);
  const element = url === '' ? '<firmware perm=""/>' : `<firmware perm="">${url}</firmware>`;
  return `${DECLARATION}<firmware-settings>\n  ${element}\n</firmware-settings>\n`;
}

function phoneSettingsSection(settings: readonly SnomSetting[]): string {
  let xml = '  <phone-settings e="2">\n';
  for (const s of settings) {
    const idx = s.idx === undefined ? '' : ` idx="${s.idx}"`;
    xml += `    <${s.name}${idx} perm="${xmlAttribute(s.perm)}">${xmlText(s.value)}</${s.name}>\n`;
  }
  return `${xml}  </phone-settings>\n`;
}

/**
 * `<gui-languages>` and `<web-languages>`: the language files the phone may load, each `<language url=".."
 * name=".."/>`. They sit in `<settings>` beside `<phone-settings>` (as Snom's mass-deployment examples do in their
 * own files), so no extra file or request is needed; the `language` setting picks one of them by name.
 */
function languageSections(profile: DeviceProfile, bootstrap = false): string {
  let xml = '';
  for (const [element, all] of [['gui-languages', profile.languageFiles?.gui], ['web-languages', profile.languageFiles?.web]] as const) {
    // A language URL with credentials in it is a secret: never in the bootstrap anyone may fetch.
    const files = bootstrap ? all?.filter((f) => !hasUrlCredentials(f.url)) : all;
    if (!files || files.length === 0) continue;
    xml += `  <${element}>\n`;
    for (const f of files) xml += `    <language url="${xmlAttribute(f.url)}" name="${xmlAttribute(f.name)}"></language>\n`;
    xml += `  </${element}>\n`;
  }
  return xml;
}
