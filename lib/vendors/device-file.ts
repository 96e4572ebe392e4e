/**
 * The answer every key/value vendor gives for its files, with the same security model as Snom's (router.ts):
 * - a model-wide or list file holds nothing of any device and is the same for every requester;
 * - the device file (the one `carriesSecrets`) gets a known device's settings only when the route's access gate
 *   granted them (token or digest); otherwise the secret-free bootstrap, the same for a known and an unknown MAC
 *   (PnP stays on, so the phone can come back with a token), or a refusal by the unknown-device policy.
 * Vendor folders give the renderers; this file never names a vendor.
 */
import type { Device, DeviceProfile, PhonebookEntry } from '../devices/device.js';
import type { UnknownDevicePolicy } from '../devices/directory.js';
import {
  vendorDirectoryUrl, type ProvisioningReply, type VendorFile, type VendorFileContext, type VendorFileRequest,
} from './vendor.js';

/** What a device file is told about re-provisioning: the folder to come back to, with its own credentials. */
export interface ReprovisionLinks {
  /** The vendor's folder on the authenticated route (`…/<vendor>/a/`), or unscoped under `security: open`. */
  settingServer: string;
  /** The device's own HTTP credentials for that route; absent under `security: open`. */
  httpClient?: { user: string; password: string };
  /**
   * The URL of the device's phone book file on the same route, with its HTTP credentials in it (a secret, like
   * everything in the device file); only for a vendor that serves one and a device that has entries.
   */
  phonebook?: string;
}

/** A vendor's phone book file: one per device, served with the device file's access, empty to anyone else. */
export interface PhonebookFile {
  /** Whether a requested file is the phone book. */
  isFile(file: VendorFile): boolean;
  /** Its name for a MAC, in the device's folder. */
  fileName(mac: string): string;
  /** Its body; an empty book (`[]`) for a device not known or not authorised. */
  render(entries: readonly PhonebookEntry[]): string;
}

export interface KeyValueVendor {
  id: string;
  contentType: string;
  /** A file shared by every phone (model-wide, boot list): its body, never with anything of a device. */
  sharedFile(file: VendorFile, defaults: DeviceProfile): string | undefined;
  /** The full settings of a known device, secrets included. */
  deviceFile(device: Device, links: ReprovisionLinks): string;
  /** The secret-free settings for a device not known or not authorised: PnP stays on. */
  bootstrapFile(defaults: DeviceProfile): string;
  /** Optional: a phone book file per device (whose `carriesSecrets` is true too: it is the device's). */
  phonebook?: PhonebookFile;
}

/** Answers one request for a key/value vendor's file. */
export async function answerKeyValueFile(
  vendor: KeyValueVendor, carriesSecrets: (file: VendorFile) => boolean, request: VendorFileRequest, context: VendorFileContext,
): Promise<ProvisioningReply> {
  const { target, fileName } = request;
  const { file } = target;
  const served = (body: string, kind: string, secret: boolean, known?: boolean): ProvisioningReply => {
    const reply: ProvisioningReply = { status: 200, body, secret, contentType: vendor.contentType, served: { vendor: vendor.id, kind, file: fileName } };
    if (file.mac !== undefined) reply.served.mac = file.mac;
    if (known !== undefined) reply.served.known = known;
    return reply;
  };
  if (!carriesSecrets(file) || file.mac === undefined) {
    const body = vendor.sharedFile(file, context.defaults());
    if (body === undefined) return { status: 404, reason: 'file not rendered for this vendor', level: 'debug', file: fileName };
    return served(body, file.kind, false);
  }
  // The phone book of a device not known or not authorised is empty, the same for every MAC. It keeps its own kind
  // (not `bootstrap`): fetching it says nothing about the phone's settings.
  const book = vendor.phonebook?.isFile(file) === true ? vendor.phonebook : undefined;
  const withheld = (known: boolean) => (book
    ? served(book.render([]), file.kind, false, known)
    : served(vendor.bootstrapFile(context.defaults()), 'bootstrap', false, known));
  const device = await context.lookup(file.mac);
  if (!device) return refuseUnknown(context.unknownDevices, file.mac, fileName) ?? withheld(false);
  const access = request.secrets;
  if (access.kind === 'withheld') {
    if (access.answer === 'refuse') return { status: 403, reason: access.reason, level: 'warn', mac: file.mac, file: fileName };
    return withheld(true);
  }
  if (book) return served(book.render(device.phonebook), file.kind, true, true);
  const links: ReprovisionLinks = { settingServer: vendorDirectoryUrl(request.base, target.vendor, access.settingServerScope) };
  if (access.httpClient) links.httpClient = access.httpClient;
  if (vendor.phonebook && device.phonebook.length > 0) {
    links.phonebook = withCredentials(`${links.settingServer}${vendor.phonebook.fileName(device.mac)}`, access.httpClient);
  }
  return served(vendor.deviceFile(device, links), file.kind, true, true);
}

/** `https://host/…` with `user:password@` put in (each percent-encoded), for a phone that takes credentials only so. */
export function withCredentials(url: string, credentials: { user: string; password: string } | undefined): string {
  if (credentials === undefined) return url;
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(credentials.user);
  parsed.password = encodeURIComponent(credentials.password);
  return parsed.href;
}

function refuseUnknown(policy: UnknownDevicePolicy, mac: string, file: string): ProvisioningReply | undefined {
  switch (policy) {
    case 'bootstrap': return undefined;
    case 'ignore': return { status: 404, reason: 'unknown device ignored', level: 'info', mac, file };
    case 'reject': return { status: 404, reason: 'unknown device rejected', level: 'warn', mac, file };
  }
}

/** `host[:port]` split, for vendors that keep the port apart; a port in `registrar` wins over `port`. */
export function hostAndPort(registrar: string, port: number | undefined): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(registrar);
  if (!m?.[1]) return { host: registrar, port };
  return { host: m[1], port: m[2] === undefined ? port : Number(m[2]) };
}

export { hasUrlCredentials } from './url-credentials.js';
