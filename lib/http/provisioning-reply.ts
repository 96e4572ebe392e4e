/**
 * What a vendor's file handler answers, independent of express: a file to send (and what it was), or a refusal
 * with the log line it deserves. The router turns it into HTTP, logs and reports it.
 */
import type { ProvisioningScope, Vendor } from '../provisioning-urls.js';
import type { SnomFileKind } from '../vendors/snom/paths.js';

/** Which file was served. `bootstrap` is the settings file of a device the directory does not know. */
export type ServedFileKind = SnomFileKind | 'bootstrap';

/** Reported (`onServe`) and logged for every file served, 200 or 304. Holds no content and no secret. */
export interface ServedFileEvent {
  vendor: Vendor;
  kind: ServedFileKind;
  /** The canonical file name (`snomD735-000413A11FA7.htm`). */
  file: string;
  /** The device the file belongs to (absent for the model container). */
  mac?: string;
  /** The phone type from the file name or User-Agent, when known. */
  phoneType?: string;
  /** Whether the directory knows the device (absent for the model container). */
  known?: boolean;
  status: 200 | 304;
  method: 'GET' | 'HEAD';
  ip: string;
  userAgent?: string;
  /** For files with secrets: how they were authorised (token id or user, never the token or a password). */
  auth?: SecretAuthorisation;
}

/**
 * Whether the request may receive a known device's secrets, as the route's access gate decided from the scope,
 * the token or the HTTP authentication. A vendor handler never decides this itself.
 */
export type SecretAccess =
  | {
      kind: 'granted';
      /** Scope of the `setting_server` written into the settings (`a` once credentials are handed out). */
      settingServerScope: ProvisioningScope;
      /** The device's own HTTP credentials to hand out with its settings, for authenticated re-provisioning. */
      httpClient?: { user: string; password: string };
    }
  /** No secrets: the secret-free bootstrap instead, or a refusal (403). */
  | { kind: 'withheld'; answer: 'bootstrap' | 'refuse'; reason: string };

/** How the secrets of a served file were authorised, for the audit line. */
export type SecretAuthorisation =
  | { via: 'open' }
  | { via: 'token'; tokenId: string }
  | { via: 'digest' | 'basic'; user: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type ProvisioningReply =
  | {
      status: 200;
      body: string;
      /** True when the body holds secrets: sent with `Cache-Control: no-store`. */
      secret: boolean;
      served: Pick<ServedFileEvent, 'vendor' | 'kind' | 'file' | 'mac' | 'phoneType' | 'known'>;
    }
  | {
      status: 403 | 404 | 503;
      /** For the log line only; never sent to the client. */
      reason: string;
      level: LogLevel;
      mac?: string;
      file: string;
    };

export type { UnknownDevicePolicy } from '../devices/directory.js';
