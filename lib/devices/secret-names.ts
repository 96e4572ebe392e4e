/**
 * Whether a setting's name says it holds a secret (a password, PIN, key or token), for every vendor: the one
 * name test the inventory (secret YAML keys, masked or dropped raw settings) and the vendors' bootstrap filters
 * share. It looks at the name alone and errs on the side of secrecy. A vendor whose secret settings have no
 * telling name (Grandstream's `P34`) adds its own list through its module's `isSecretSetting`, which the registry
 * hands to callers above the inventory (lib/vendors/registry.ts, `isSecretRawSetting`).
 */

/** Parts of a name that suggest a secret anywhere in it (`pswd`: Fanvil's `RegisterPswd`). */
const SECRET_PARTS = /pass|pwd|pswd|secret|token|credential|private/i;
/** Whole words (between `_`, `-` or `.`, trailing digits ignored) that suggest a secret; `fkey` or `keyevent` are not `key`. */
const SECRET_WORDS: ReadonlySet<string> = new Set(['key', 'pin', 'pw', 'psk', 'ha1']);

/** True when a setting of this name may hold a secret (case-insensitive). */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_PARTS.test(lower)) return true;
  return lower.split(/[^a-z0-9]+/).some((word) => SECRET_WORDS.has(word) || SECRET_WORDS.has(word.replace(/\d+$/, '')));
}
