import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { loadInventory, type Inventory } from '../../../lib/inventory/load.js';
import { renderBootstrapSettings, renderSettings } from '../../../lib/vendors/snom/render.js';
import { childrenNamed, parseStrictXml } from './strict-xml.js';

function inventory(): Inventory {
  const result = loadInventory(readFileSync(new URL('../../fixtures/inventory/language-files.yaml', import.meta.url), 'utf8'));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.inventory;
}

function languages(xml: string, list: 'gui-languages' | 'web-languages'): Array<Record<string, string>> {
  const root = parseStrictXml(xml).root;
  return childrenNamed(root, list).flatMap((l) => childrenNamed(l, 'language').map((e) => e.attributes));
}

describe('language lists', () => {
  it('follow inheritance: a group replaces the GUI list and keeps the inherited web list', () => {
    const xml = renderSettings(inventory().devices.get('000413A11FA7') as Device);
    expect(languages(xml, 'gui-languages')).toEqual([
      { url: 'http://prov.example.net/lang/gui_lang_EN.xml?set=R&D', name: 'English' },
    ]);
    expect(languages(xml, 'web-languages')).toEqual([{ url: 'http://prov.example.net/lang/web_lang_DE.xml', name: 'Deutsch' }]);
  });

  it('sit beside <phone-settings>, after it, in the settings document', () => {
    const xml = renderSettings(inventory().devices.get('000413A11FA7') as Device);
    expect(parseStrictXml(xml).root.children.map((c) => c.name)).toEqual(['phone-settings', 'gui-languages', 'web-languages']);
    expect(xml).toContain('<language url="http://prov.example.net/lang/gui_lang_EN.xml?set=R&amp;D" name="English"></language>');
  });

  it('are offered to unknown phones too: they carry no secret', () => {
    const xml = renderBootstrapSettings(inventory().defaults);
    expect(languages(xml, 'gui-languages').map((l) => l.name)).toEqual(['Deutsch', 'English']);
    expect(xml).not.toContain('s3cret');
  });

  it('are left out when none are configured', () => {
    const result = loadInventory('devices:\n  - mac: 000413A11FA7\n');
    if (!result.ok) throw new Error('fixture');
    const xml = renderSettings(result.inventory.devices.get('000413A11FA7') as Device);
    expect(xml).not.toContain('languages');
  });

  it('reject a language file without a usable URL, naming the field', () => {
    const result = loadInventory('defaults:\n  languageFiles:\n    gui:\n      - { name: Deutsch, url: "gui_lang_DE.xml" }\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.path).toBe('defaults.languageFiles.gui[0].url');
    expect(result.errors[0]?.line).toBe(4);
  });
});
