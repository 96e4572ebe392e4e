/**
 * Snom "phone type" strings: what a phone calls itself in the file names it asks for (`snomD735.htm`) and in
 * its HTTP User-Agent (`snomD735-SIP 10.1...`). They are not always the marketing name: the D715 and D725
 * report `snom715` / `snom725`, while the D735, D785 and D865 keep the D. Old models are plain digits
 * (`snom300`, `snom320`, `snom370`, `snom710`, `snom760`, `snom821`, `snom870`).
 */

/** Models whose phone type drops the marketing name's `D`. */
const PHONE_TYPE_BY_MODEL: Readonly<Record<string, string>> = {
  D715: 'snom715',
  D725: 'snom725',
};

/** The reverse of the table above: these phone types belong to the D models, not to an old digits-only model. */
const MODEL_BY_PHONE_TYPE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(PHONE_TYPE_BY_MODEL).map(([model, type]) => [type.toLowerCase(), model]),
);

/** A phone type as it may appear in a file name: `snom` and 1–16 letters or digits, any case. */
const PHONE_TYPE = /^snom([A-Za-z0-9]{1,16})$/i;
/** A model as an inventory may write it: `D735`, `d735`, `snom 320`, `snom320`, `M900`. */
const MODEL = /^(?:snom[\s-]?)?([A-Za-z0-9]{1,16})$/i;

/** True for strings shaped like a Snom phone type (`snomD735`, `snom320`). */
export function isSnomPhoneType(s: string): boolean {
  return PHONE_TYPE.test(s);
}

/**
 * The canonical model name for a model as written by an operator: upper case, without a `snom` prefix
 * (`snom 320` -> `320`, `d735` -> `D735`). `undefined` when it is not shaped like a model name.
 */
export function canonicalSnomModel(model: string): string | undefined {
  const m = MODEL.exec(model.trim());
  return m?.[1] ? m[1].toUpperCase() : undefined;
}

/**
 * The phone type a model reports: `D735` -> `snomD735`, `D715` -> `snom715`, `320` -> `snom320`.
 * `undefined` when `model` is not shaped like a model name.
 */
export function phoneTypeForModel(model: string): string | undefined {
  const canonical = canonicalSnomModel(model);
  if (!canonical) return undefined;
  return PHONE_TYPE_BY_MODEL[canonical] ?? `snom${canonical}`;
}

/**
 * The model a phone type belongs to: `snomD735` -> `D735`, `snom715` -> `D715`, `snom320` -> `320`.
 * Case-insensitive; `undefined` when `phoneType` is not shaped like one.
 */
export function modelForPhoneType(phoneType: string): string | undefined {
  const m = PHONE_TYPE.exec(phoneType);
  if (!m?.[1]) return undefined;
  return MODEL_BY_PHONE_TYPE[phoneType.toLowerCase()] ?? m[1].toUpperCase();
}

/** True when two model or phone-type spellings name the same Snom model (`snom715` and `D715`, `snomd735` and `D735`). */
export function sameSnomModel(a: string, b: string): boolean {
  const ma = modelForPhoneType(a) ?? canonicalSnomModel(a);
  const mb = modelForPhoneType(b) ?? canonicalSnomModel(b);
  return ma !== undefined && ma === mb;
}
