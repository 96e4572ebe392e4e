/**
 * What the route grants the phone a preview stands for: a phone that follows its NOTIFY URL. With
 * `security.mode: open` that is its settings as they are; in `secure` mode (the default) it is what a valid
 * provisioning token gets: `setting_server` on the authenticated route and the device's own HTTP credentials,
 * derived from the service's key. A preview never creates that key: without it the credentials are left out
 * (and the caller says so).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { AUTHENTICATED_SCOPE } from '../provisioning-urls.js';
import { DeviceCredentials, loadOrCreateKeyFile } from '../security/credentials.js';

export interface PreviewAccess {
  kind: 'granted';
  settingServerScope: readonly string[];
  httpClient?: { user: string; password: string };
}

export async function previewAccess(loaded: LoadedConfig, mac: string): Promise<{ access: PreviewAccess; note?: string }> {
  const security = loaded.config.security;
  if (security.mode === 'open') return { access: { kind: 'granted', settingServerScope: [] } };
  let key: Buffer | string | undefined = security.credentials.key;
  if (key === undefined) {
    const file = path.resolve(security.credentials.keyFile);
    const exists = await stat(file).then(() => true, () => false);
    if (exists) key = await loadOrCreateKeyFile(file);
    else {
      return {
        access: { kind: 'granted', settingServerScope: AUTHENTICATED_SCOPE },
        note: `no credentials key yet (${file} is created when the service first starts): http_client_user/pass not shown`,
      };
    }
  }
  return { access: { kind: 'granted', settingServerScope: AUTHENTICATED_SCOPE, httpClient: new DeviceCredentials(key).forMac(mac) } };
}
