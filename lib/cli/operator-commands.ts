/**
 * The operator commands' command-line surface (commander): names, options, help texts. Each action hands over to
 * one function and sets the exit code it returns; a CliError becomes one line on stderr and its exit code.
 */
import type { Command } from 'commander';
import { CliError, type CliEnvironment } from './cli-context.js';
import { emptyEditReport } from './devices/edit-report.js';
import type { AddOptions } from './devices/devices-edit.js';
import type { ListOptions } from './devices/devices-view.js';

// Each command's module is imported when it runs: a command starts without loading what only others need.
const render = () => import('./render.js');
const view = () => import('./devices/devices-view.js');
const editing = () => import('./devices/devices-edit.js');
const importing = () => import('./devices/devices-import.js');
const exporting = () => import('./devices/devices-export.js');
const enrolment = () => import('./devices/devices-enrolment.js');
const events = () => import('./events.js');
const probe = () => import('./probe.js');
const resync = () => import('./resync.js');

type Run = (where: CliEnvironment) => Promise<number>;

/**
 * What each command prints under `--json` when it fails before its own report: its keys, empty or null, so a
 * script reads the same fields either way (`ok: false` and `error` say what happened). `events --json` prints
 * records one per line; its failure is one line `{"ok":false,"error":...}`.
 */
export const JSON_FAILURE_SHAPES: Readonly<Record<string, () => object>> = {
  'check': () => ({ config: { file: null, problems: [] }, inventory: null }),
  'render': () => ({ mac: null, base: null, known: null, files: [] }),
  'devices list': () => ({ devices: [] }),
  'devices show': () => ({ mac: null, inInventory: null, entry: null, line: null, state: null, enrolment: null }),
  'devices add': () => emptyEditReport(),
  'devices set': () => emptyEditReport(),
  'devices remove': () => emptyEditReport(),
  'devices import': () => emptyEditReport(),
  'devices reopen': () => ({ file: null, reopened: [] }),
  'probe': () => ({
    verdict: null, message: null, tokenOffered: null, enrolled: false, device: null, rateLimited: null, subscribe: null, responses: [], notifies: [], fetch: null,
  }),
  'resync': () => ({ reboot: null, dryRun: null, results: [] }),
  'events': () => ({}),
};

/** A failure under --json: the command's shape with `ok: false` and the message in `error`. */
export function jsonFailure(command: string, message: string): object {
  return Object.assign(JSON_FAILURE_SHAPES[command]?.() ?? {}, { ok: false, error: message });
}

/** Runs a command, turning a CliError into its message on stderr and its exit code (and a JSON report under --json). */
export async function runCommand(run: Run, json?: { command: string; enabled: boolean | undefined }): Promise<void> {
  const where = { env: process.env, cwd: process.cwd() };
  try {
    process.exitCode = await run(where);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`drachtio-pnp: ${err.message}\n`);
    if (json?.enabled) {
      const report = jsonFailure(json.command, err.message);
      process.stdout.write(json.command === 'events' ? `${JSON.stringify(report)}\n` : `${JSON.stringify(report, null, 2)}\n`);
    }
    process.exitCode = err.exitCode;
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML configuration file (as for serve)')
    .option('-i, --inventory <file>', 'inventory file (instead of the configured one)');
}

function withState(cmd: Command): Command {
  return common(cmd).option('--state <file>', 'event log (instead of state.file from the configuration)');
}

export function registerOperatorCommands(program: Command): void {
  common(program.command('render')
    .description('show the files a phone is served, exactly as the route serves them (secrets masked)')
    .argument('<mac>', 'the phone\'s MAC, any notation')
    .option('-f, --file <name>', 'one file only: snomD735.htm, snomD735-<MAC>.htm, <MAC>.xml, <MAC>-firmware.xml (or another vendor\'s name)')
    .option('--phone-type <type>', 'phone type for the containers when the inventory names no model, e.g. snomD735')
    .option('--vendor <id>', 'the vendor whose files to show when the inventory names none: snom, yealink, grandstream, fanvil, gigaset')
    .option('--show-secrets', 'show passwords and other secrets instead of ********')
    .option('--json', 'print {ok, error, mac, base, known, files: [{file, kind, status, body, ...}]}'))
    .action((mac: string, o: { config?: string; inventory?: string; file?: string; phoneType?: string; vendor?: string; showSecrets?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await render()).runRender({ ...o, mac, showSecrets: Boolean(o.showSecrets), json: Boolean(o.json) }, w), { command: 'render', enabled: o.json }));

  const devices = program.command('devices').description('list, show and edit the devices (inventory and what phones did)');

  withState(devices.command('list')
    .description('inventory devices with their provisioning state, and phones seen that the inventory does not know')
    .option('--booted-since <when>', 'last SUBSCRIBE at or after: 15m, 1h, 2d, or a date')
    .option('--seen-since <when>', 'any activity at or after')
    .option('--incomplete', 'no account settings received since the last SUBSCRIBE (never seen included; the bootstrap does not count)')
    .option('--never-seen', 'in the inventory, never seen')
    .option('--unknown', 'seen, not in the inventory')
    .option('--refused', 'SUBSCRIBE refused or unanswered, or NOTIFY failed')
    .option('--status <status>', 'not-provisioned, pnp-answered, settings-fetched, re-provisioned, refused (or a state: ignored, rejected, failed, answered, notified, bootstrapped, provisioned)')
    .option('--group <group>', 'inventory group')
    .option('--json', 'print {ok, error, devices: [{mac, inInventory, model, group, description, status, completed, at, reason, address, phoneModel, firmware, lastSeen, state}]}'))
    .action((o: ListOptions) => runCommand(async (w) => (await view()).runDevicesList({ ...o, json: Boolean(o.json) }, w), { command: 'devices list', enabled: o.json }));

  withState(devices.command('summary')
    .description('counts by status: the same numbers as /api/summary and the rollout page')
    .option('--json', 'print {devices, inventory, unknown, neverSeen, completed, incomplete, byStatus}'))
    .action((o: { config?: string; inventory?: string; state?: string; json?: boolean }) =>
      runCommand(async (w) => (await view()).runDevicesSummary({ ...o, json: Boolean(o.json) }, w)));

  withState(devices.command('show')
    .description('one device: its inventory entry as written (secrets masked) and its provisioning state')
    .argument('<mac>', 'the phone\'s MAC, any notation')
    .option('--show-secrets', 'show secrets instead of ********')
    .option('--enrolment <file>', 'enrolment register (instead of the configured one)')
    .option('--json', 'print {ok, error, mac, inInventory, entry, line, state, enrolment}'))
    .action((mac: string, o: { config?: string; inventory?: string; state?: string; enrolment?: string; showSecrets?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await view()).runDevicesShow({ ...o, mac, showSecrets: Boolean(o.showSecrets), json: Boolean(o.json) }, w), { command: 'devices show', enabled: o.json }));

  common(devices.command('add')
    .description('add a device to the inventory (validated, comments and layout kept, written atomically)')
    .argument('<mac>', 'the phone\'s MAC, any notation')
    .option('--model <model>', 'model, e.g. D735')
    .option('--group <group>', 'inventory group')
    .option('--description <text>', 'free text: desk, person')
    .option('--user <user>', 'SIP user of the first account (accounts.0.user; accounts count from 0)')
    .option('--auth-user <user>', 'authentication user of the first account (accounts.0.authUser)')
    .option('--password <password>', 'SIP password of the first account (accounts.0.password)')
    .option('--display-name <name>', 'display name of the first account (accounts.0.displayName)')
    .option('--registrar <host>', 'registrar of the first account, host[:port] (accounts.0.registrar)')
    .option('--set <path=value>', 'any field, repeatable: accounts.1.user=2002 (the second account), keepPnp=true, snom.call_waiting=off', collect)
    .option('--replace', 'replace the entry when the MAC is already there')
    .option('--dry-run', 'validate only, write nothing')
    .option('--json', 'print {ok, error, file, dryRun, stage, added, replaced, removed, warnings, problems: [{message, macs, lines}], errors} (docs/rollout.md)'))
    .action((mac: string, o: Omit<AddOptions, 'mac'>) =>
      runCommand(async (w) => (await editing()).runDevicesAdd({ ...o, mac, replace: Boolean(o.replace), dryRun: Boolean(o.dryRun), json: Boolean(o.json) }, w), { command: 'devices add', enabled: o.json }));

  common(devices.command('set')
    .description('change fields of one device in the inventory, keeping the others (path= removes a field); validated, written atomically')
    .argument('<mac>', 'the phone\'s MAC, any notation')
    .argument('<path=value...>', 'fields: description="Desk 12", user=2002 (first account), accounts.1.user=2003 (second account), keepPnp=true')
    .option('--dry-run', 'validate only, write nothing')
    .option('--json', 'print {ok, error, file, dryRun, stage, added, replaced, removed, warnings, problems: [{message, macs, lines}], errors} (docs/rollout.md)'))
    .action((mac: string, pairs: string[], o: { config?: string; inventory?: string; dryRun?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await editing()).runDevicesSet({ ...o, mac, pairs, dryRun: Boolean(o.dryRun), json: Boolean(o.json) }, w), { command: 'devices set', enabled: o.json }));

  common(devices.command('remove')
    .description('remove devices (and the comment lines directly above each) from the inventory')
    .argument('<mac...>', 'MACs, any notation')
    .option('--dry-run', 'validate only, write nothing')
    .option('--json', 'print {ok, error, file, dryRun, stage, added, replaced, removed, warnings, problems: [{message, macs, lines}], errors} (docs/rollout.md)'))
    .action((macs: string[], o: { config?: string; inventory?: string; dryRun?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await editing()).runDevicesRemove({ ...o, macs, dryRun: Boolean(o.dryRun), json: Boolean(o.json) }, w), { command: 'devices remove', enabled: o.json }));

  common(devices.command('import')
    .description('add devices from a CSV file with a header row (mac, model, group, description, user, password, ... or field paths)')
    .argument('<csv>', 'the CSV file')
    .option('--replace', 'replace entries whose MAC is already in the inventory')
    .option('--skip-bad', 'import the good rows even when some are bad (exit code 1 all the same)')
    .option('--dry-run', 'validate only, write nothing')
    .option('--json', 'print {ok, error, file, dryRun, stage, added, replaced, removed, warnings, problems: [{message, macs, lines}], errors} (docs/rollout.md)'))
    .action((csv: string, o: { config?: string; inventory?: string; replace?: boolean; skipBad?: boolean; dryRun?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await importing()).runDevicesImport({
        ...o, csv, replace: Boolean(o.replace), skipBad: Boolean(o.skipBad), dryRun: Boolean(o.dryRun), json: Boolean(o.json),
      }, w), { command: 'devices import', enabled: o.json }));

  common(devices.command('reopen')
    .description('let devices receive their secrets by PnP once more (after a factory reset or a phone swap); the running service sees it at once')
    .argument('[mac...]', 'MACs, any notation')
    .option('--all-missing', 'every device held because the enrolment register was lost (see docs/security.md)')
    .option('--hours <hours>', 'how long the device may enrol (default security.enrolment.reopenHours, 24)')
    .option('--enrolment <file>', 'enrolment register (instead of the configured one), e.g. the file a plugin host gives EnrolmentRegister.open()')
    .option('--create', 'start the register when the file does not exist (otherwise that is an error)')
    .option('--json', 'print {ok, error, file, reopened: [{mac, was, until}]}'))
    .action((macs: string[], o: { config?: string; inventory?: string; hours?: string; enrolment?: string; allMissing?: boolean; create?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await enrolment()).runDevicesReopen({ ...o, macs, allMissing: Boolean(o.allMissing), create: Boolean(o.create), json: Boolean(o.json) }, w), { command: 'devices reopen', enabled: o.json }));

  common(devices.command('export')
    .description('the device entries as written, as CSV (what import reads) or JSON ({"devices": [...]})')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--group <group>', 'only this group')
    .option('--with-secrets', 'include passwords and other secrets'))
    .action((o: { config?: string; inventory?: string; format: string; group?: string; withSecrets?: boolean }) =>
      runCommand(async (w) => (await exporting()).runDevicesExport({ ...o, withSecrets: Boolean(o.withSecrets) }, w)));

  program.command('probe')
    .description('behave like a booting phone: send a PnP SUBSCRIBE, show the answer and the NOTIFY, optionally fetch the settings; say plainly what worked')
    .requiredOption('--mac <mac>', 'the MAC the probe claims, e.g. 000413A11FA7 (an inventory device, or an unknown one)')
    .option('--vendor <vendor>', 'Event vendor parameter (default: the vendor whose phone type --model names)')
    .option('--model <phoneType>', 'Event model parameter and the phone type for --fetch', 'snomD735')
    .option('--version <firmware>', 'Event version parameter', '10.1.33.33')
    .option('--to <address[:port]>', 'where to send the SUBSCRIBE', '224.0.1.75:5060')
    .option('--local <address[:port]>', 'send from this address (and port); for multicast also the interface')
    .option('--timeout <seconds>', 'how long to wait for the answer and the NOTIFY', '5')
    .option('--fetch', 'fetch as a Snom phone does, what is public only: a device\'s settings under its PnP token are left alone, so its enrolment stays as it was')
    .option('--enrol', 'with --fetch: fetch the settings under the token as the phone would; this enrols the MAC (the real phone then needs devices reopen)')
    .option('-c, --config <file>', 'the service\'s configuration: the verdict then says whether the device is in the inventory, enrolled, or the probe was rate-limited')
    .option('-i, --inventory <file>', 'inventory file (instead of the configured one)')
    .option('--state <file>', 'event log (instead of state.file from the configuration)')
    .option('--show-secrets', 'show the token in the URL and the secrets in the settings')
    .option('--json', 'print {ok, error, verdict, message, tokenOffered, enrolled, device, rateLimited, subscribe, responses, notifies, fetch}')
    .action((o: {
      mac: string; vendor?: string; model: string; version: string; to: string; local?: string; timeout: string; fetch?: boolean; enrol?: boolean;
      config?: string; inventory?: string; state?: string; showSecrets?: boolean; json?: boolean;
    }) =>
      runCommand(async () => (await probe()).runProbe({
        ...o, fetch: Boolean(o.fetch), enrol: Boolean(o.enrol), showSecrets: Boolean(o.showSecrets), json: Boolean(o.json),
      }), { command: 'probe', enabled: o.json }));

  withState(program.command('resync')
    .description('make phones fetch their settings now: a check-sync NOTIFY to each phone\'s last known address, through drachtio-server')
    .argument('[mac...]', 'MACs, any notation')
    .option('--all', 'every device of the inventory')
    .option('--group <group>', 'every device of this inventory group')
    .option('--reboot', 'check-sync;reboot=true: the phone reboots (default reboot=false)')
    .option('--timeout <seconds>', 'how long to wait for each phone\'s answer', '5')
    .option('--dry-run', 'list the phones and addresses, send nothing')
    .option('--json', 'print {ok, error, reboot, dryRun, results: [{mac, address, outcome, status, reason, answeredBy}]}'))
    .action((macs: string[], o: { config?: string; inventory?: string; state?: string; all?: boolean; group?: string; reboot?: boolean; timeout: string; dryRun?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await resync()).runResync({
        ...o, macs, all: Boolean(o.all), reboot: Boolean(o.reboot), dryRun: Boolean(o.dryRun), json: Boolean(o.json),
      }, w), { command: 'resync', enabled: o.json }));

  withState(program.command('events')
    .description('the provisioning history: SUBSCRIBEs, NOTIFYs and files served, oldest first')
    .option('--mac <mac>', 'one device')
    .option('--since <when>', 'at or after: 15m, 1h, 2d, or a date')
    .option('--limit <n>', 'only the last n records')
    .option('-f, --follow', 'keep printing records as they are written (Ctrl-C ends)')
    .option('--json', 'one JSON object per line (a failure: one line {"ok":false,"error":...})'))
    .action((o: { config?: string; inventory?: string; state?: string; mac?: string; since?: string; limit?: string; follow?: boolean; json?: boolean }) =>
      runCommand(async (w) => (await events()).runEvents({ ...o, follow: Boolean(o.follow), json: Boolean(o.json) }, w), { command: 'events', enabled: o.json }));
}
