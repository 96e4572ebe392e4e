/**
 * The Snom part of the provisioning route: which document answers which Snom file, for which device, and when
 * to refuse. Express-free: it gets a parsed file request and a bounded directory, and answers a reply.
 */
import type { Device, DeviceProfile } from '../../devices/device.js';
import type { UnknownDevicePolicy } from '../../devices/directory.js';
import type { Logger } from '../../log/logger.js';
import {
  vendorDirectoryUrl, type ProvisioningReply, type ProvisioningScope, type ProvisioningTarget, type SecretAccess, type ServedFileKind,
} from '../vendor.js';
import { hasUrlCredentials } from '../url-credentials.js';
import { asSnomFile, snomFileMac, snomFileName, snomFilePhoneType, type SnomFile } from './paths.js';
import { sameSnomModel } from './phone-types.js';
import { renderBootstrapSettings, renderFirmwareSettings, renderSettingFiles, renderSettings, type SnomLinks } from './render.js';
import { parseSnomUserAgent, type SnomUserAgent } from './user-agent.js';

/** What a served file was, for the reply. */
type Served = Extract<ProvisioningReply, { status: 200 }>['served'];

export interface SnomFileRequest {
  target: ProvisioningTarget;
  /** Canonical file name, for replies and logs. */
  fileName: string;
  /** Base URL of the router's root, for the URLs listed inside files. */
  base: string;
  userAgent?: string;
  /** Whether a known device's settings may be served in full (decided by the route's access gate). */
  secrets: SecretAccess;
}

export interface SnomFileContext {
  /** The directory lookup, already bounded by a deadline; it may reject. */
  lookup(mac: string): Promise<Device | undefined>;
  defaults(): DeviceProfile;
  unknownDevices: UnknownDevicePolicy;
  logger: Logger;
  /** The model Snom's files know an inventory model as (VendorFileContext.modelAs). */
  modelAs?(vendor: string, model: string): string;
}

/**
 * Answers one Snom file request. A User-Agent that names another MAC or model than the path is refused (403):
 * a phone never does that, a script replaying URLs does. A User-Agent without a MAC (old firmware) passes.
 */
export async function answerSnomFile(request: SnomFileRequest, context: SnomFileContext): Promise<ProvisioningReply> {
  const { target, fileName } = request;
  const file = asSnomFile(target.file);
  if (!file) return { status: 404, reason: 'not a Snom file', level: 'debug', file: fileName };
  const mac = snomFileMac(file);
  const ua = parseSnomUserAgent(request.userAgent);
  const mismatch = userAgentMismatch(file, ua);
  if (mismatch) return { status: 403, reason: mismatch, level: 'warn', file: fileName, ...(mac ? { mac } : {}) };

  const phoneType = snomFilePhoneType(file) ?? ua?.phoneType;
  const about: FileFacts = { file: fileName, mac, phoneType };

  if (file.kind === 'model-container') {
    // Everything a device needs is in its own settings file; the model container exists because the phone asks.
    return fileReply(renderSettingFiles([]), about, file.kind);
  }

  const device = await context.lookup(file.mac);
  // Unauthorised, the firmware file answers 200 for every MAC (issue 16): the device's own firmware when its URL
  // carries no credentials (such a URL counts as public), else a firmware file naming none, the same one an
  // unknown MAC gets. A URL with credentials goes out only where the settings would (digest on `a/`, or open).
  if (file.kind === 'firmware' && request.secrets.kind !== 'granted') {
    const url = device?.firmware?.url;
    const body = url !== undefined && !hasUrlCredentials(url) ? renderFirmwareSettings({ url }) : undefined;
    return fileReply(body ?? NO_FIRMWARE, about, file.kind, device !== undefined && body !== undefined ? true : undefined);
  }
  // The inventory model as Snom's files know it (a Gigaset P-series model is the Snom model it runs).
  const inventoryModel = device?.model === undefined ? undefined : context.modelAs?.('snom', device.model) ?? device.model;
  if (device && file.kind === 'device-container' && inventoryModel && !sameSnomModel(inventoryModel, file.phoneType)) {
    context.logger.warn({ mac: file.mac, phoneType: file.phoneType, inventoryModel: device.model }, 'phone type differs from the inventory model');
  }
  const settingsUrl = fileUrl(request.base, target.scope, { kind: 'settings', mac: file.mac });

  if (!device) {
    const refusal = refuseUnknown(context.unknownDevices, file.mac, fileName);
    if (refusal) return refusal;
    switch (file.kind) {
      case 'device-container':
        return fileReply(renderSettingFiles([settingsUrl]), about, file.kind, false);
      case 'settings':
        return fileReply(renderBootstrapSettings(context.defaults()), about, 'bootstrap', false);
      case 'firmware':
        return { status: 404, reason: 'no firmware for an unknown device', level: 'debug', mac: file.mac, file: fileName };
    }
  }

  switch (file.kind) {
    case 'device-container':
      return fileReply(renderSettingFiles([settingsUrl]), about, file.kind, true);
    case 'settings': {
      const access = request.secrets;
      if (access.kind === 'withheld') {
        if (access.answer === 'refuse') return { status: 403, reason: access.reason, level: 'warn', mac: file.mac, file: fileName };
        // The same secret-free file an unknown device gets: it keeps PnP on, so the phone can come back with a token.
        return fileReply(renderBootstrapSettings(context.defaults()), about, 'bootstrap', true);
      }
      // Links the phone keeps after provisioning never carry a token: it expires. The firmware file is fetched
      // unscoped, unless its URL holds credentials: then from where the settings are re-fetched (the
      // authenticated route once credentials go out).
      const firmwareUrl = device.firmware?.url
        ? fileUrl(request.base, hasUrlCredentials(device.firmware.url) ? access.settingServerScope : [], { kind: 'firmware', mac: file.mac })
        : undefined;
      const links: SnomLinks = { settingServer: vendorDirectoryUrl(request.base, target.vendor, access.settingServerScope) };
      if (firmwareUrl) links.firmwareUrl = firmwareUrl;
      if (access.httpClient) links.httpClient = access.httpClient;
      return fileReply(renderSettings(device, links), about, file.kind, true, true);
    }
    case 'firmware': {
      const body = device.firmware?.url ? renderFirmwareSettings(device.firmware) : undefined;
      if (body === undefined) return { status: 404, reason: 'no firmware configured', level: 'debug', mac: file.mac, file: fileName };
      return fileReply(body, about, file.kind, true, hasUrlCredentials(device.firmware?.url ?? ''));
    }
  }
}

function fileUrl(base: string, scope: ProvisioningScope, file: SnomFile): string {
  return `${vendorDirectoryUrl(base, 'snom', scope)}${snomFileName(file)}`;
}

/** A firmware file naming no image: what an unauthorised request for a MAC without a public firmware URL gets. */
const NO_FIRMWARE = '<?xml version="1.0" encoding="utf-8"?>\n<firmware-settings/>\n';

/** The file asked for, and by what phone type. */
interface FileFacts {
  file: string;
  mac: string | undefined;
  phoneType: string | undefined;
}

/**
 * A file to send, and what it was. Built by assignment in one order: object spreads with optional keys took V8's
 * slow paths, on every file served.
 */
function fileReply(body: string, about: FileFacts, kind: ServedFileKind, known?: boolean, secret = false): ProvisioningReply {
  const served: Served = { vendor: 'snom', kind, file: about.file };
  if (about.mac) served.mac = about.mac;
  if (about.phoneType) served.phoneType = about.phoneType;
  if (known !== undefined) served.known = known;
  return { status: 200, body, secret, served };
}

function refuseUnknown(policy: UnknownDevicePolicy, mac: string, file: string): ProvisioningReply | undefined {
  switch (policy) {
    case 'bootstrap': return undefined;
    case 'ignore': return { status: 404, reason: 'unknown device ignored', level: 'info', mac, file };
    case 'reject': return { status: 404, reason: 'unknown device rejected', level: 'warn', mac, file };
  }
}

/** Why the User-Agent contradicts the requested file, or `undefined` when it does not (or says nothing). */
function userAgentMismatch(file: SnomFile, ua: SnomUserAgent | undefined): string | undefined {
  if (!ua) return undefined;
  const mac = snomFileMac(file);
  if (ua.mac && mac && ua.mac !== mac) return 'User-Agent MAC differs from the requested file';
  const phoneType = snomFilePhoneType(file);
  if (phoneType && !sameSnomModel(ua.phoneType ?? ua.model, phoneType)) return 'User-Agent model differs from the requested file';
  return undefined;
}
