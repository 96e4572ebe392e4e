/**
 * `drachtio-pnp render <mac>`: the files a phone would be served, exactly as the route serves them: the same
 * directory (inventory, or the HTTP lookup in front of it), the same base URL, the same answer function (the
 * vendor module's, through the registry), the same unknown-device policy. Secrets are masked unless
 * `--show-secrets`. The vendor: `--vendor`, else the inventory's `vendor`, else the model catalogue, else the MAC
 * prefix, else Snom.
 */
import { networkInterfaces } from 'node:os';
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { boundedDirectory, DirectoryUnavailableError } from '../http/bounded-directory.js';
import { silentLogger } from '../log/logger.js';
import type { Device } from '../devices/device.js';
import { baseFromPublicUrl, parseProvisioningPath, targetFileName, targetMac, type ProvisioningTarget } from '../provisioning-urls.js';
import { guessPublicUrl } from '../service/public-url.js';
import { isSecretRawSetting, VENDOR_MODULES, vendorForDevice, vendorModule, vendorOfPhoneType } from '../vendors/registry.js';
import type { VendorModule } from '../vendors/vendor.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, macArgument, printReport, warn, type CliEnvironment, type CommonOptions,
} from './cli-context.js';
import { openCliDirectory } from './cli-directory.js';
import { maskSecretKeyLines, maskSecrets, maskSecretValues } from './mask-secrets.js';
import { previewAccess, type PreviewAccess } from './render-access.js';

export interface RenderOptions extends CommonOptions {
  mac: string;
  /** One file by name (`snomD735-000413A11FA7.htm`, `000413A11FA7.xml`, ...); default: every file of the device. */
  file?: string;
  /** Phone type for the containers when the inventory states no model, e.g. `snomD735`. */
  phoneType?: string;
  /** The vendor whose files to show when the inventory names none (`yealink`, ...). */
  vendor?: string;
  showSecrets: boolean;
  json: boolean;
}

export interface RenderedFile {
  file: string;
  kind: string;
  status: number;
  /** Whether the directory knows the device (absent for the model container). */
  known?: boolean;
  /** Whether the file as served holds secrets. */
  secret?: boolean;
  /** How many values were masked. */
  masked?: number;
  body?: string;
  /** Why it is not served (for a refusal). */
  reason?: string;
}

export async function runRender(opts: RenderOptions, where: CliEnvironment): Promise<number> {
  const mac = macArgument(opts.mac);
  const named = opts.vendor === undefined ? undefined : vendorModule(opts.vendor);
  if (opts.vendor !== undefined && named === undefined) {
    throw new CliError(`not a vendor we render: ${JSON.stringify(opts.vendor)} (${VENDOR_MODULES.map((m) => m.id).join(', ')})`, EXIT_USAGE);
  }
  const phoneTypeVendor = opts.phoneType === undefined ? undefined : vendorOfPhoneType(opts.phoneType);
  if (opts.phoneType !== undefined && phoneTypeVendor === undefined) {
    throw new CliError(`not a Snom phone type: ${JSON.stringify(opts.phoneType)} (e.g. snomD735, snom715, snom320)`, EXIT_USAGE);
  }
  const loaded = await cliConfig(opts, where);
  const { directory, close } = await openCliDirectory(loaded, opts, where);
  try {
    const device = await directory.lookup(mac).catch(() => undefined);
    const base = baseFor(loaded);
    const vendor = named ?? phoneTypeVendor ?? vendorForDevice(mac, device);
    const model = opts.phoneType ?? device?.model;
    const targets = opts.file ? [oneFile(vendor, opts.file, mac)] : deviceFiles(vendor, mac, model, device);
    if (!opts.file && !model) {
      warn(vendor.isPhoneType !== undefined
        ? 'no model in the inventory: containers not shown (give --phone-type snomD735 to see them)'
        : 'no model in the inventory: model-wide files not shown');
    }
    const { access, note } = await previewAccess(loaded, mac);
    if (note) warn(note);
    const rendered: RenderedFile[] = [];
    const secrets = secretValues(device, access.httpClient?.password);
    for (const target of targets) rendered.push(await renderOne(vendor, target, base, directory, loaded, access, opts.showSecrets, secrets));

    const known = rendered.find((r) => r.known !== undefined)?.known;
    if (known === false) warn(`${mac} is not in the inventory: it gets what unknown devices get (pnp.unknownDevices: ${loaded.config.pnp.unknownDevices})`);
    if (opts.json) {
      printReport({ mac, base, known, files: rendered });
    } else if (opts.file) {
      const only = rendered[0];
      if (only?.body !== undefined) process.stdout.write(only.body);
    } else {
      for (const r of rendered) {
        process.stdout.write(`==> ${r.file} (${r.kind}${r.masked ? `, ${r.masked} secret(s) masked` : ''}) <==\n`);
        process.stdout.write(r.body ?? `not served: ${r.status} (${r.reason ?? 'refused'})\n`);
      }
    }
    const refused = rendered.filter((r) => r.status !== 200);
    if (refused.length > 0 && !opts.json) for (const r of refused) warn(`${r.file}: not served, ${r.status} (${r.reason ?? 'refused'})`);
    return refused.length > 0 ? EXIT_PROBLEM : EXIT_OK;
  } finally {
    await close();
  }
}

async function renderOne(
  vendor: VendorModule, target: ProvisioningTarget, base: string, directory: DeviceDirectory, loaded: LoadedConfig, access: PreviewAccess,
  showSecrets: boolean, secrets: readonly string[],
): Promise<RenderedFile> {
  const bounded = boundedDirectory(directory, loaded.config.pnp.lookupTimeoutMs);
  const fileName = targetFileName(target);
  // What a phone that follows its NOTIFY URL (with its provisioning token, when tokens are on) is given.
  const request = { target, fileName, base, secrets: access };
  let reply;
  try {
    reply = await vendor.answer(
      request,
      { lookup: bounded.lookup, defaults: bounded.defaults, unknownDevices: loaded.config.pnp.unknownDevices, logger: silentLogger },
    );
  } catch (err) {
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    return { file: fileName, kind: target.file.kind, status: 503, reason: `device directory unavailable: ${err.message}` };
  }
  if (reply.status !== 200) return { file: fileName, kind: target.file.kind, status: reply.status, reason: reply.reason };
  const masked = showSecrets ? { text: reply.body, masked: 0 } : maskFile(reply.body, secrets, (name) => isSecretRawSetting(vendor.id, name));
  return {
    file: reply.served.file, kind: reply.served.kind, status: 200,
    ...(reply.served.known === undefined ? {} : { known: reply.served.known }),
    secret: reply.secret, masked: masked.masked, body: masked.text,
  };
}

/** The base URL the service puts into files: the configured public URL, or the same guess the service makes. */
function baseFor(loaded: LoadedConfig): string {
  const { http } = loaded.config;
  const url = http.publicUrl ?? guessPublicUrl(networkInterfaces(), http.port, http.host).url;
  const base = baseFromPublicUrl(url);
  if (base === undefined) throw new CliError(`http.publicUrl is not usable: ${url}`, EXIT_PROBLEM);
  return base;
}

/**
 * Secrets out of a file of any vendor: elements the vendor calls secret and URL credentials (maskSecrets, for XML), then every
 * value that is one of the device's own secrets, wherever a format puts it (`key = value`, `<P34>..</P34>`,
 * `value=".."`).
 */
function maskFile(body: string, secrets: readonly string[], isSecret: (name: string) => boolean): { text: string; masked: number } {
  const byName = maskSecrets(body, isSecret);
  const byKey = maskSecretKeyLines(byName.text, isSecret);
  const byValue = maskSecretValues(byKey.text, secrets);
  return { text: byValue.text, masked: byName.masked + byKey.masked + byValue.masked };
}

/** The device's own secrets: account and web passwords, and its HTTP client password. */
function secretValues(device: Device | undefined, httpClientPassword: string | undefined): string[] {
  const out = [
    ...(device?.accounts ?? []).map((a) => a.password),
    device?.web?.password, device?.web?.adminPassword, httpClientPassword,
  ];
  return out.filter((s): s is string => s !== undefined && s !== '');
}

function oneFile(vendor: VendorModule, name: string, mac: string): ProvisioningTarget {
  const parsed = parseProvisioningPath(`/${vendor.id}/${name}`);
  if (parsed.outcome !== 'file') {
    const examples = vendor.deviceFiles(mac, vendor.models[0]?.name, undefined).map((f) => vendor.fileName(f)).join(', ');
    throw new CliError(`not a provisioning file name: ${JSON.stringify(name)} (e.g. ${examples})`, EXIT_USAGE);
  }
  const fileMac = targetMac(parsed.target);
  if (fileMac !== undefined && fileMac !== mac) throw new CliError(`${name} belongs to ${fileMac}, not to ${mac}`, EXIT_USAGE);
  return parsed.target;
}

/** The files a phone of the vendor asks for, in its order. */
function deviceFiles(vendor: VendorModule, mac: string, model: string | undefined, device: Device | undefined): ProvisioningTarget[] {
  return vendor.deviceFiles(mac, model, device).map((file) => ({ vendor: vendor.id, scope: [], file }));
}
