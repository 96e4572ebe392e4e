import { describe, expect, it } from 'vitest';
import { isSecretSetting, secretSettingNames } from '../../../lib/vendors/snom/secret-settings.js';

describe('isSecretSetting', () => {
  it.each([
    'user_pass', 'http_pass', 'admin_mode_password', 'http_client_pass', 'HTTP_PASS', 'tr69_password', 'ldap_pwd',
    'some_secret', 'api_token', 'tls_private_key', 'api_key', 'lock_pin', 'keyboard_lock_pw', 'wifi_psk', 'user_ha1', 'user_pw2', 'key1',
  ])('%s is secret', (name) => {
    expect(isSecretSetting(name)).toBe(true);
  });

  it.each([
    'user_name', 'user_pname', 'user_host', 'fkey', 'fkey_label', 'keyevent', 'language', 'dnd_mode', 'pnp_config',
    'setting_server', 'firmware_status', 'keytones', 'display_pinned',
  ])('%s is not', (name) => {
    expect(isSecretSetting(name)).toBe(false);
  });

  it('knows the secret settings the mapping writes', () => {
    for (const name of ['user_pass', 'http_pass', 'admin_mode_password']) expect(secretSettingNames().has(name)).toBe(true);
    for (const name of secretSettingNames()) expect(isSecretSetting(name)).toBe(true);
  });
});
