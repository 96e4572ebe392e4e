/**
 * Which Snom settings hold secrets. They never go into a bootstrap file (served to any phone that asks), and
 * previews mask them. The test is on the name alone and errs on the side of secrecy.
 */

/** The secret settings the mapping itself writes, plus Snom's other well-known credential settings. */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'user_pass', 'http_pass', 'admin_mode_password', 'http_client_pass', 'tr69_password', 'ldap_password',
  'keyboard_lock_pw', 'dkey_pin',
]);

/** Parts of a name that suggest a secret anywhere in it. */
const SECRET_PARTS = /pass|pwd|secret|token|credential|private/i;
/** Whole words (between `_`, `-` or `.`, trailing digits ignored) that suggest a secret; `fkey` or `keyevent` are not `key`. */
const SECRET_WORDS: ReadonlySet<string> = new Set(['key', 'pin', 'pw', 'psk', 'ha1']);

export function secretSettingNames(): ReadonlySet<string> {
  return SECRET_NAMES;
}

/** True when a setting of this name may hold a secret (case-insensitive). */
export function isSecretSetting(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_NAMES.has(lower) || SECRET_PARTS.test(lower)) return true;
  return lower.split(/[^a-z0-9]+/).some((word) => SECRET_WORDS.has(word) || SECRET_WORDS.has(word.replace(/\d+$/, '')));
}
