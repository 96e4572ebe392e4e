/**
 * Gigaset's two desk-phone families and how to tell them apart:
 * - Maxwell (Basic, 2, 3, 4, 10): Gigaset's own firmware and its `<provisioning><nvm>` format (render.ts).
 * - P-series (P710, P810, P820, P825, P850, P855): Snom's firmware lineage; they take Snom's `<settings>` files
 *   (nethesis/tancredi renders them with its Snom-format templates data/templates/gigasetP.tmpl and
 *   gigasetP8XX.tmpl, `provisioning_url_filename = "{mac}.xml"` as for Snom), so they are served as Snom.
 *
 * Key counts: tancredi data/scopes/gigaset-*.ini (`cap_linekey_count`, `cap_expkey_count` x `cap_expmodule_count`).
 * The Snom phone type each P model is known by is NOT verified against a Gigaset or Snom document: it is the Snom
 * model with the same key layout in tancredi's scopes (P710 like snom-D713: 4 keys + 3 x 18; P820/P825 like
 * snom-D812: 28 keys + 3 x 60; P850/P855 36 keys like the D865 family). A P-series phone asks for its files by its
 * own phone type, so the table only decides previews (`render`) and the key check (`check`).
 */
import type { ModelInfo, VendorHints } from '../vendor.js';

/** Maxwell models, as the inventory and the phone (User-Agent, Event `model`) name them. */
export const MAXWELL_MODELS: readonly ModelInfo[] = [
  { name: 'Maxwell Basic', aliases: ['MaxwellBasic', 'Maxwell-Basic', 'Maxwell_Basic'], lineKeys: 0 },
  { name: 'Maxwell 2', aliases: ['Maxwell2', 'Maxwell-2', 'Maxwell_2'], lineKeys: 0 },
  // tancredi data/scopes/gigaset-Maxwell3.ini: cap_linekey_count = 8.
  { name: 'Maxwell 3', aliases: ['Maxwell3', 'Maxwell-3', 'Maxwell_3'], lineKeys: 8 },
  { name: 'Maxwell 4', aliases: ['Maxwell4', 'Maxwell-4', 'Maxwell_4'], lineKeys: 8 },
  { name: 'Maxwell 10', aliases: ['Maxwell10', 'Maxwell-10', 'Maxwell_10'], lineKeys: 0 },
];

/** A P-series model: its keys, and the Snom model whose files it takes. */
export interface SnomLineageModel extends ModelInfo {
  /** The Snom model (the Snom catalogue's name) it is served as. */
  snomModel: string;
}

export const P_SERIES_MODELS: readonly SnomLineageModel[] = [
  { name: 'P710', lineKeys: 4, expansionKeys: 54, snomModel: 'D713' },
  { name: 'P810', lineKeys: 4, expansionKeys: 180, snomModel: 'D812' },
  { name: 'P820', lineKeys: 28, expansionKeys: 180, snomModel: 'D812' },
  { name: 'P825', lineKeys: 28, expansionKeys: 180, snomModel: 'D815' },
  { name: 'P850', lineKeys: 36, expansionKeys: 180, snomModel: 'D862' },
  { name: 'P855', lineKeys: 36, expansionKeys: 180, snomModel: 'D865' },
].map((m) => ({ ...m, aliases: [`Gigaset ${m.name}`, `${m.name} PRO`] }));

/** The whole catalogue, for `check` (key numbers) and for finding the vendor of an inventory model. */
export const GIGASET_MODELS: readonly ModelInfo[] = [...MAXWELL_MODELS, ...P_SERIES_MODELS];

function named(model: string, info: ModelInfo): boolean {
  const wanted = model.trim().toUpperCase();
  return info.name.toUpperCase() === wanted || (info.aliases ?? []).some((a) => a.toUpperCase() === wanted);
}

/** The P-series model an inventory or Event model names, if it is one. */
export function pSeriesModel(model: string): SnomLineageModel | undefined {
  return P_SERIES_MODELS.find((info) => named(model, info));
}

/** A P-series name standing alone in a User-Agent (`Gigaset P810`, `Gigaset P820 PRO/…`). */
const P_SERIES_USER_AGENT = /\bGigaset[\s_-]+(P[0-9]{3})\b/i;
const MAXWELL = /\bmaxwell\b|maxwell[\s_-]?(?:basic|[0-9]{1,2})\b/i;

/**
 * Which files a Gigaset phone takes, from what its SUBSCRIBE says beyond the Event `vendor` (which may be `OEM`
 * for both families, vendors.md): `snom` for a P-series model, `gigaset` for a Maxwell, `undefined` when neither
 * the Event `model` nor the User-Agent tells (the Event `vendor` then decides as for any phone).
 */
export function gigasetFamily(hints: VendorHints): { id: 'snom' | 'gigaset'; by: 'event' | 'user-agent' } | undefined {
  const model = hints.model?.trim() ?? '';
  if (model !== '' && pSeriesModel(model)) return { id: 'snom', by: 'event' };
  if (MAXWELL.test(model)) return { id: 'gigaset', by: 'event' };
  const ua = hints.userAgent?.slice(0, 512) ?? '';
  if (!/gigaset/i.test(ua)) return undefined;
  const p = P_SERIES_USER_AGENT.exec(ua)?.[1];
  if (p !== undefined && pSeriesModel(p)) return { id: 'snom', by: 'user-agent' };
  return MAXWELL.test(ua) ? { id: 'gigaset', by: 'user-agent' } : undefined;
}
