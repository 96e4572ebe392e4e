/**
 * Snom provisioning files (firmware 7 and later), built with xmlbuilder2: every value is escaped by the
 * builder, never pasted into markup. Each document starts `<?xml version="1.0" encoding="utf-8"?>` and is UTF-8.
 * Values pass through xml-text.ts first, so no input can make a file ill-formed.
 *
 * Settings documents write empty values as `<name ...></name>`, the form Snom's own examples use.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { Device, DeviceProfile, FirmwareWish } from '../../devices/device.js';
import {
  dialplanTemplates, functionKeys, phonebookItems, phoneSettings, type SnomLinks, type SnomSetting,
} from './settings-map.js';
import { builderAttribute, builderText } from './xml-text.js';

export type { SnomLinks } from './settings-map.js';
export { isSecretSetting, secretSettingNames } from './secret-settings.js';

/**
 * A known device's `<settings>`: `<phone-settings>`, the language lists, then `<functionKeys>`, `<tbook>` and `<dialplan>` when the
 * device has any. The phone book is written only when the device has entries: `complete="true"` with no items
 * would wipe the book on the phone.
 */
export function renderSettings(device: Device, links?: SnomLinks): string {
  const doc = newDocument();
  const root = doc.ele('settings');
  addPhoneSettings(root, phoneSettings(device, { links }));
  addLanguages(root, device);

  const keys = functionKeys(device.functionKeys, device.snom);
  if (keys.length > 0) {
    const section = root.ele('functionKeys', { e: '2' });
    for (const k of keys) {
      section.ele('fkey', { idx: String(k.idx), context: builderAttribute(k.context), label: builderAttribute(k.label), perm: builderAttribute(k.perm) })
        .txt(builderText(k.value));
    }
  }

  const items = phonebookItems(device.phonebook);
  if (items.length > 0) {
    const book = root.ele('tbook', { e: '2', complete: 'true' });
    for (const item of items) {
      const el = book.ele('item', { context: builderAttribute(item.context), type: builderAttribute(item.type), index: String(item.index) });
      el.ele('name').txt(builderText(item.name));
      el.ele('number').txt(builderText(item.number));
      if (item.numberType !== undefined) el.ele('number_type').txt(builderText(item.numberType));
    }
  }

  const templates = dialplanTemplates(device.dialplan ?? []);
  if (templates.length > 0) {
    const plan = root.ele('dialplan');
    for (const t of templates) {
      // Element and attribute spelling as in Snom's dial-plan examples (snom-provisioning.md, `<dialplan>`).
      const attrs: Record<string, string> = { MATCH: builderAttribute(t.match), Timeout: String(t.timeout), User: t.user };
      if (t.rewrite !== undefined) attrs.Rewrite = builderAttribute(t.rewrite);
      plan.ele('TEMPLATE', attrs);
    }
  }
  return serialize(doc, true);
}

/**
 * The `<settings>` for a phone the inventory does not know, from the inventory's defaults: language, time,
 * firmware policy, refresh timer, language files and non-secret raw settings. No identities, no credentials, no phone book, no
 * keys; PnP stays on so the phone finds its real settings once it is added.
 */
export function renderBootstrapSettings(profile: DeviceProfile): string {
  const doc = newDocument();
  const root = doc.ele('settings');
  addPhoneSettings(root, phoneSettings(profile, { bootstrap: true }));
  addLanguages(root, profile);
  return serialize(doc, true);
}

/** A `<setting-files>` container listing files the phone fetches in order. */
export function renderSettingFiles(fileUrls: readonly string[]): string {
  const doc = newDocument();
  const root = doc.ele('setting-files');
  for (const url of fileUrls) root.ele('file', { url: builderAttribute(url) });
  return serialize(doc, false);
}

/** `<firmware-settings>` naming the image to run (no flag, as Snom requires); undefined without a firmware URL. */
export function renderFirmwareSettings(firmware: FirmwareWish): string | undefined {
  if (firmware.url === undefined || firmware.url === '') return undefined;
  const doc = newDocument();
  doc.ele('firmware-settings').ele('firmware', { perm: '' }).txt(builderText(firmware.url));
  return serialize(doc, false);
}

function addPhoneSettings(parent: XMLBuilder, settings: readonly SnomSetting[]): void {
  const section = parent.ele('phone-settings', { e: '2' });
  for (const s of settings) {
    const attrs: Record<string, string> = s.idx === undefined ? { perm: builderAttribute(s.perm) }
      : { idx: String(s.idx), perm: builderAttribute(s.perm) };
    section.ele(s.name, attrs).txt(builderText(s.value));
  }
}

/**
 * `<gui-languages>` and `<web-languages>`: the language files the phone may load, each `<language url=".."
 * name=".."/>`. They sit in `<settings>` beside `<phone-settings>` (as Snom's mass-deployment examples do in their
 * own files), so no extra file or request is needed; the `language` setting picks one of them by name.
 */
function addLanguages(parent: XMLBuilder, profile: DeviceProfile): void {
  for (const [element, files] of [['gui-languages', profile.languageFiles?.gui], ['web-languages', profile.languageFiles?.web]] as const) {
    if (!files || files.length === 0) continue;
    const section = parent.ele(element);
    for (const f of files) section.ele('language', { url: builderAttribute(f.url), name: builderAttribute(f.name) });
  }
}

function newDocument(): XMLBuilder {
  return create({ version: '1.0', encoding: 'utf-8' });
}

function serialize(doc: XMLBuilder, emptyAsPair: boolean): string {
  return `${doc.end({ prettyPrint: true, indent: '  ', allowEmptyTags: emptyAsPair })}\n`;
}
