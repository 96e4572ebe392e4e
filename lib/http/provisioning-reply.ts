/**
 * What a vendor's file handler answers, independent of express: a file to send (and what it was), or a refusal
 * with the log line it deserves. The router turns it into HTTP, logs and reports it.
 */
import type { Vendor } from '../provisioning-urls.js';
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
}

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
