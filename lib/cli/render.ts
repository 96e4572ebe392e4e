/**
 * `drachtio-pnp render <mac>`: the files a phone would be served, exactly as the route serves them: the same
 * directory (inventory, or the HTTP lookup in front of it), the same base URL, the same answer function
 * (answerSnomFile), the same unknown-device policy. Secrets are masked unless `--show-secrets`.
 */
import { networkInterfaces } from 'node:os';
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { boundedDirectory, DirectoryUnavailableError } from '../http/bounded-directory.js';
import { silentLogger } from '../log/logger.js';
import { baseFromPublicUrl, parseProvisioningPath, type ProvisioningTarget } from '../provisioning-urls.js';
import { guessPublicUrl } from '../service/public-url.js';
import { snomFileName, type SnomFile } from '../vendors/snom/paths.js';
import { isSnomPhoneType, phoneTypeForModel } from '../vendors/snom/phone-types.js';
import { answerSnomFile } from '../vendors/snom/router.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, macArgument, printReport, warn, type CliEnvironment, type CommonOptions,
} from './cli-context.js';
import { openCliDirectory } from './cli-directory.js';
import { maskSecrets } from './mask-secrets.js';
import { previewAccess, type PreviewAccess } from './render-access.js';

export interface RenderOptions extends CommonOptions {
  mac: string;
  /** One file by name (`snomD735-000413A11FA7.htm`, `000413A11FA7.xml`, ...); default: every file of the device. */
  file?: string;
  /** Phone type for the containers when the inventory states no model, e.g. `snomD735`. */
  phoneType?: string;
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
  if (opts.phoneType !== undefined && !isSnomPhoneType(opts.phoneType)) {
    throw new CliError(`not a Snom phone type: ${JSON.stringify(opts.phoneType)} (e.g. snomD735, snom715, snom320)`, EXIT_USAGE);
  }
  const loaded = await cliConfig(opts, where);
  const { directory, close } = await openCliDirectory(loaded, opts, where);
  try {
    const device = await directory.lookup(mac).catch(() => undefined);
    const base = baseFor(loaded);
    const targets = opts.file ? [oneFile(opts.file, mac)] : deviceFiles(mac, opts.phoneType ?? (device?.model ? phoneTypeForModel(device.model) : undefined), device?.firmware?.url !== undefined);
    if (!opts.file && !opts.phoneType && !device?.model) {
      warn('no model in the inventory: containers not shown (give --phone-type snomD735 to see them)');
    }
    const { access, note } = await previewAccess(loaded, mac);
    if (note) warn(note);
    const rendered: RenderedFile[] = [];
    for (const target of targets) rendered.push(await renderOne(target, base, directory, loaded, access, opts.showSecrets));

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
  target: ProvisioningTarget, base: string, directory: DeviceDirectory, loaded: LoadedConfig, access: PreviewAccess, showSecrets: boolean,
): Promise<RenderedFile> {
  const bounded = boundedDirectory(directory, loaded.config.pnp.lookupTimeoutMs);
  const fileName = snomFileName(target.file);
  // What a phone that follows its NOTIFY URL (with its provisioning token, when tokens are on) is given.
  const request = { target, fileName, base, secrets: access };
  let reply;
  try {
    reply = await answerSnomFile(
      request,
      { lookup: bounded.lookup, defaults: bounded.defaults, unknownDevices: loaded.config.pnp.unknownDevices, logger: silentLogger },
    );
  } catch (err) {
    if (!(err instanceof DirectoryUnavailableError)) throw err;
    return { file: fileName, kind: target.file.kind, status: 503, reason: `device directory unavailable: ${err.message}` };
  }
  if (reply.status !== 200) return { file: fileName, kind: target.file.kind, status: reply.status, reason: reply.reason };
  const masked = showSecrets ? { text: reply.body, masked: 0 } : maskSecrets(reply.body);
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

function oneFile(name: string, mac: string): ProvisioningTarget {
  const parsed = parseProvisioningPath(`/snom/${name}`);
  if (parsed.outcome !== 'file') throw new CliError(`not a provisioning file name: ${JSON.stringify(name)} (e.g. snomD735.htm, snomD735-${mac}.htm, ${mac}.xml, ${mac}-firmware.xml)`, EXIT_USAGE);
  const fileMac = parsed.target.file.kind === 'model-container' ? undefined : parsed.target.file.mac;
  if (fileMac !== undefined && fileMac !== mac) throw new CliError(`${name} belongs to ${fileMac}, not to ${mac}`, EXIT_USAGE);
  return parsed.target;
}

/** The files a Snom phone given the directory URL asks for, in its order, and the firmware file when there is one. */
function deviceFiles(mac: string, phoneType: string | undefined, firmware: boolean): ProvisioningTarget[] {
  const files: SnomFile[] = [];
  if (phoneType) {
    files.push({ kind: 'model-container', phoneType }, { kind: 'device-container', phoneType, mac });
  }
  files.push({ kind: 'settings', mac });
  if (firmware) files.push({ kind: 'firmware', mac });
  return files.map((file) => ({ vendor: 'snom', scope: [], file }));
}
