/**
 * What a vendor's file handler answers, independent of express: a file to send (and what it was), or a refusal
 * with the log line it deserves. The router turns it into HTTP, logs and reports it. The types are the vendor
 * interface's (lib/vendors/vendor.ts): a vendor module returns them without importing HTTP.
 */
export type {
  LogLevel, ProvisioningReply, SecretAccess, SecretAuthorisation, ServedFileEvent, ServedFileKind,
} from '../vendors/vendor.js';

export type { UnknownDevicePolicy } from '../devices/directory.js';
