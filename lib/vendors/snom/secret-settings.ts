/**
 * Which Snom settings hold secrets. They never go into a bootstrap file (served to any phone that asks), and
 * previews mask them. The test is on the name alone and errs on the side of secrecy: Snom's well-known credential
 * settings by name, and anything the neutral name test (lib/devices/secret-names.ts) calls a secret.
 */
import { isSecretName } from '../../devices/secret-names.js';

/** The secret settings the mapping itself writes, plus Snom's other well-known credential settings. */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'user_pass', 'http_pass', 'admin_mode_password', 'http_client_pass', 'tr69_password', 'ldap_password',
  'keyboard_lock_pw', 'dkey_pin',
]);

export function secretSettingNames(): ReadonlySet<string> {
  return SECRET_NAMES;
}

/** True when a setting of this name may hold a secret (case-insensitive). */
export function isSecretSetting(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase()) || isSecretName(name);
}
