/**
 * `drachtio-pnp probe`: behave like a phone booting on this segment, and say plainly what happened. It sends a PnP
 * SUBSCRIBE (a given MAC, vendor, model) to 224.0.1.75:5060 or a given address, from a chosen local address and
 * port, retransmitting as a phone does; prints every final response and NOTIFY (a second responder on the LAN
 * shows up as a second source); answers the NOTIFY; and with `--fetch` fetches the settings the way a Snom phone
 * does and summarises them, secrets masked.
 *
 * A probe claims a real device's MAC, so it must not use up that device's one-time enrolment (enrolment.ts): by
 * default `--fetch` fetches what is public (the containers, and the device's settings file without the token: the
 * secret-free bootstrap), never the settings under the NOTIFY's token, which would enrol the MAC and leave the real
 * phone refused. `--enrol` fetches as the phone does, and says that it enrolled the device. With `--config` the
 * verdict also says whether the device is in the inventory, whether it already enrolled, and whether the service
 * rate-limited the probe's address.
 *
 * Verdicts (exit 0 for `url`, `reachable`, `bootstrap`, `provisioned`): `no-answer`, `refused`, `no-notify`, `url`,
 * `fetch-failed`, `reachable` (public files fetched, the token left unused), `bootstrap` (no token was offered: an
 * unknown or already enrolled device), `provisioned` (settings with an identity fetched).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { normalizeMac } from '../mac.js';
import { FALLBACK_VENDOR, isSecretRawSetting, vendorOfPhoneType } from '../vendors/registry.js';
import { CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, printReport } from './cli-context.js';
import { carriesToken, fetchLikeSnom, identities, maskedSettings, type SnomFetch } from './probe-fetch.js';
import { probeContext, type ProbeContext } from './probe-context.js';
import { buildNotifyAnswer, buildProbeSubscribe, header, parseSipMessage, type SipMessage } from './probe-sip.js';

export interface ProbeOptions {
  mac: string;
  /** The Event `vendor`; default: the vendor whose phone type `model` is, else the registry's fallback (Snom). */
  vendor?: string;
  /** The phone type the probe claims (`snomD735`): Event `model` and the file names it asks for. */
  model: string;
  version: string;
  /** `host[:port]`; default 224.0.1.75:5060. */
  to: string;
  /** `address[:port]` to send from; default: the address the route to the target uses, any free port. */
  local?: string;
  /** Seconds to wait for the answer and the NOTIFY. */
  timeout: string;
  fetch: boolean;
  /** Fetch the settings under the token as the phone would, enrolling the device. */
  enrol: boolean;
  /** The service's configuration: lets the verdict name the device's inventory and enrolment state. */
  config?: string;
  inventory?: string;
  state?: string;
  showSecrets: boolean;
  json: boolean;
}

export type ProbeVerdict = 'no-answer' | 'refused' | 'no-notify' | 'url' | 'fetch-failed' | 'reachable' | 'bootstrap' | 'provisioned';

/** The verdicts that exit 0: the service answered as it should for this device. */
const GOOD: ReadonlySet<ProbeVerdict> = new Set(['url', 'reachable', 'bootstrap', 'provisioned']);

interface Received {
  from: string;
  ms: number;
  message: SipMessage;
}

/** After the first NOTIFY (or refusal), how long to keep listening for a rival responder. */
const RIVAL_WINDOW_MS = 500;
const PNP_GROUP = '224.0.1.75';

export async function runProbe(opts: ProbeOptions): Promise<number> {
  const mac = normalizeMac(opts.mac);
  if (!mac) throw new CliError(`--mac: not a MAC address: ${JSON.stringify(opts.mac)}`, EXIT_USAGE);
  const target = hostPort(opts.to, 5060, '--to');
  const local = opts.local === undefined ? undefined : hostPort(opts.local, 0, '--local');
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 120_000) throw new CliError('--timeout: seconds, up to 120', EXIT_USAGE);
  if (opts.enrol && !opts.fetch) throw new CliError('--enrol goes with --fetch (it fetches the settings under the token)', EXIT_USAGE);
  if (opts.fetch && vendorOfPhoneType(opts.model) === undefined) throw new CliError(`--fetch fetches as a Snom phone: --model must be a Snom phone type (snomD735), not ${JSON.stringify(opts.model)}`, EXIT_USAGE);

  const vendor = opts.vendor ?? vendorOfPhoneType(opts.model)?.id ?? FALLBACK_VENDOR.id;
  const family = isIP(target.host) === 6 ? 'udp6' : 'udp4';
  const selfAddress = local?.host ?? await routeAddress(family, target);
  const socket = createSocket({ type: family, reuseAddr: false });
  const received: Received[] = [];
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const userAgent = `${opts.model}/${opts.version} (drachtio-pnp probe)`;
  try {
    await bind(socket, local?.port ?? 0, selfAddress);
    if (target.host === PNP_GROUP || isMulticast(target.host)) {
      socket.setMulticastTTL(1);
      if (local) socket.setMulticastInterface(local.host);
    }
    const self = { address: selfAddress, port: socket.address().port };
    const subscribe = buildProbeSubscribe({
      mac, vendor, model: opts.model, version: opts.version, userAgent, uriHost: target.host === PNP_GROUP ? PNP_GROUP : 'intern.snom.de',
    }, self);
    let firstNotifyAt: number | undefined;
    let refusedAt: number | undefined;
    let finalSeen = false;
    socket.on('message', (buffer: Buffer, rinfo: RemoteInfo) => {
      const message = parseSipMessage(buffer);
      if (!message || header(message, 'call-id') !== subscribe.callId) return;
      received.push({ from: `${rinfo.address}:${rinfo.port}`, ms: elapsed(), message });
      if (message.kind === 'response' && (message.status ?? 0) >= 200) finalSeen = true;
      // A final error means no NOTIFY will follow.
      if (message.kind === 'response' && (message.status ?? 0) >= 300) refusedAt ??= elapsed();
      if (message.kind === 'request' && message.method === 'NOTIFY') {
        firstNotifyAt ??= elapsed();
        socket.send(buildNotifyAnswer(message, userAgent), rinfo.port, rinfo.address);
      }
    });

    // Send, and retransmit as a phone does over UDP (RFC 3261 timer E) until a final response arrives.
    const send = () => socket.send(subscribe.text, target.port, target.host);
    send();
    let interval = 500;
    let nextSend = interval;
    while (elapsed() < timeoutMs) {
      const settledAt = firstNotifyAt ?? refusedAt;
      if (settledAt !== undefined && elapsed() - settledAt >= RIVAL_WINDOW_MS) break;
      await sleep(25);
      if (!finalSeen && elapsed() >= nextSend) {
        send();
        interval = Math.min(interval * 2, 4000);
        nextSend += interval;
      }
    }
    const report = await conclude(received, { ...opts, mac, vendor }, { to: `${target.host}:${target.port}`, from: `${self.address}:${self.port}`, timeoutMs }, userAgent);
    const context = await probeContext(opts, mac, { since: startedAt, address: self.address });
    explain(report, context, mac);
    print(report, opts);
    return GOOD.has(report.verdict) ? EXIT_OK : EXIT_PROBLEM;
  } finally {
    socket.close();
  }
}

interface ProbeReport {
  verdict: ProbeVerdict;
  message: string;
  /** Whether the NOTIFY URL carried a PnP token (null: no NOTIFY). */
  tokenOffered: boolean | null;
  /** Whether this probe enrolled the device (fetched its settings under the token). */
  enrolled: boolean;
  /** What the service's files say about the device, with --config (null without). */
  device: ProbeContext['device'] | null;
  /** Whether the service recorded this probe's SUBSCRIBE as over the per-source limit (null: not known, no --config). */
  rateLimited: boolean | null;
  subscribe: { to: string; from: string; mac: string; vendor: string; model: string; version: string };
  responses: Array<{ from: string; ms: number; status: number; reason: string; text: string }>;
  notifies: Array<{ from: string; ms: number; url: string; contentType?: string; subscriptionState?: string; text: string }>;
  fetch: {
    steps: SnomFetch['steps'];
    settings: Record<string, string>;
    identities: ReturnType<typeof identities>;
    functionKeys: number;
    phonebookEntries: number;
    firmwareImage?: string;
  } | null;
}

async function conclude(
  received: Received[], opts: ProbeOptions & { mac: string; vendor: string }, sent: { to: string; from: string; timeoutMs: number }, userAgent: string,
): Promise<ProbeReport> {
  const hide = (s: string) => (opts.showSecrets ? s : hideToken(s));
  const responses = received.filter((r) => r.message.kind === 'response' && (r.message.status ?? 0) >= 200)
    .map((r) => ({ from: r.from, ms: r.ms, status: r.message.status ?? 0, reason: r.message.reason ?? '', text: r.message.text }));
  const notifies = received.filter((r) => r.message.kind === 'request' && r.message.method === 'NOTIFY').map((r) => ({
    from: r.from, ms: r.ms, url: r.message.body.trim(), text: hide(r.message.text),
    ...optional('contentType', header(r.message, 'content-type')),
    ...optional('subscriptionState', header(r.message, 'subscription-state')),
  }));
  const report: ProbeReport = {
    verdict: 'no-answer', message: '', tokenOffered: null, enrolled: false, device: null, rateLimited: null, fetch: null,
    subscribe: { ...sent, mac: opts.mac, vendor: opts.vendor, model: opts.model, version: opts.version },
    responses, notifies: notifies.map((n) => ({ ...n, url: hide(n.url) })),
  };
  const seconds = `${sent.timeoutMs / 1000} s`;
  const rivals = new Set([...responses.map((r) => r.from.replace(/:\d+$/, '')), ...notifies.map((n) => n.from.replace(/:\d+$/, ''))]);
  const rivalNote = rivals.size > 1 ? ` (${rivals.size} responders answered: ${[...rivals].join(', ')}; phones take the first answer)` : '';
  const notify = notifies[0];
  if (!notify) {
    const refused = responses.find((r) => r.status >= 300);
    if (responses.length === 0) {
      const hint = sent.to.startsWith(`${PNP_GROUP}:`)
        ? 'is drachtio-server joined to 224.0.1.75 on this segment (ip maddr show; an IGMP querier on the VLAN)? try its unicast address with --to'
        : 'is drachtio-server listening there, and the PnP service connected to it (GET /healthz)?';
      const limit = 'or is this address over the service\'s per-source SUBSCRIBE limit (10 at once, 20 a minute by default; the service logs pnp: rate-limited ip=<address>)? --config tells';
      report.message = `no answer: nothing answered the SUBSCRIBE to ${sent.to} within ${seconds} (${hint} ${limit})`;
    } else if (refused) {
      report.verdict = 'refused';
      report.message = `refused: ${refused.from} answered ${refused.status} ${refused.reason}`.trimEnd();
    } else {
      report.verdict = 'no-notify';
      report.message = `answered ${responses[0]?.status ?? ''} by ${responses[0]?.from ?? ''}, but no NOTIFY with a URL came within ${seconds}`;
    }
    return report;
  }
  report.verdict = 'url';
  report.tokenOffered = carriesToken(notify.url);
  report.message = `answer with URL: ${hide(notify.url)} (from ${notify.from})${rivalNote}`;
  // The vendor whose phone type --model names (checked before sending): its file names and secret settings.
  const played = vendorOfPhoneType(opts.model);
  if (!opts.fetch || played === undefined) return report;

  const fetched = await fetchLikeSnom(notify.url, {
    vendor: played,
    tokenSettings: opts.enrol ? 'enrol' : 'public',
    mac: opts.mac, phoneType: opts.model, timeoutMs: Math.max(2000, sent.timeoutMs),
    userAgent: `Mozilla/4.0 (compatible; ${opts.model}-SIP ${opts.version} ${opts.mac}) ${userAgent}`,
  });
  const steps = fetched.steps.map((s) => ({ ...s, url: hide(s.url) }));
  report.fetch = {
    steps,
    settings: opts.showSecrets ? Object.fromEntries(fetched.settings) : maskedSettings(fetched.settings, (name) => isSecretRawSetting(played.id, name)),
    identities: identities(fetched.settings),
    functionKeys: fetched.functionKeys,
    phonebookEntries: fetched.phonebookEntries,
    ...optional('firmwareImage', fetched.firmwareImage),
  };
  const gotSettings = steps.some((s) => s.status === 200 && (s.root === 'settings' || s.root === 'phone-settings'));
  const withheld = steps.some((s) => s.skipped !== undefined);
  if (!gotSettings) {
    const failed = steps.find((s) => s.skipped === undefined && (s.status !== 200 || s.error));
    report.verdict = 'fetch-failed';
    report.message = `URL fetch failed: ${failed ? `GET ${failed.url} -> ${failed.error ?? failed.status}` : 'no settings file was listed'}`;
  } else if (withheld) {
    report.verdict = 'reachable';
    report.message = `answer with URL and a PnP token (${opts.mac} may still enrol); fetched what is public (${steps.filter((s) => s.status === 200).length} files, ` +
      `${fetched.settings.size} settings of the secret-free bootstrap), not the settings under the token: the device's enrolment is as it was ` +
      `(--enrol fetches them as the phone would and enrols ${opts.mac}; the real phone then needs devices reopen)${rivalNote}`;
  } else if (report.fetch.identities.length === 0) {
    report.verdict = 'bootstrap';
    report.message = `answer with URL, settings fetched: ${fetched.settings.size} settings, no identity: the secret-free bootstrap${report.tokenOffered ? '' : `, since the NOTIFY carried no token: the service treats ${opts.mac} as unknown, or it already enrolled (a deployed phone re-provisions with its HTTP credentials; devices reopen ${opts.mac} lets a reset phone enrol again)`}${rivalNote}`;
  } else {
    report.verdict = 'provisioned';
    report.enrolled = opts.enrol && report.tokenOffered === true;
    const ids = report.fetch.identities.map((i) => `${i.user}@${i.host}${i.password ? '' : ' (no password)'}`);
    report.message = `answer with URL, settings fetched: ${fetched.settings.size} settings, identities ${ids.join(', ')}${rivalNote}` +
      (report.enrolled ? `; this probe enrolled ${opts.mac}: the real phone gets no token at its next PnP (devices reopen ${opts.mac} before it boots)` : '');
  }
  return report;
}

/** Sharpens the verdict with what the service's own files say (with --config): inventory, enrolment, rate limit. */
function explain(report: ProbeReport, context: ProbeContext | undefined, mac: string): void {
  if (!context) return;
  report.device = context.device;
  report.rateLimited = context.rateLimited;
  const d = context.device;
  if (report.verdict === 'no-answer' && context.rateLimited) {
    report.message = `no answer: the service ignored this SUBSCRIBE because ${context.address} is over the per-source SUBSCRIBE limit ` +
      '(security.rateLimits.subscribe; default 10 at once, 20 a minute): wait a minute, probe less often, or from another address';
  } else if (report.verdict === 'bootstrap' && !report.tokenOffered) {
    const why = !d.inInventory ? `${mac} is not in the inventory (${d.inventory ?? 'no inventory'}): unknown devices get the bootstrap`
      : d.enrolment === 'enrolled' ? `${mac} is in the inventory and already enrolled${d.enrolledAt ? ` (${d.enrolledAt}${d.enrolledIp ? ` from ${d.enrolledIp}` : ''})` : ''}: PnP gives it no token; the deployed phone re-provisions with its HTTP credentials; after a factory reset: devices reopen ${mac}`
        : `${mac} is in the inventory (enrolment ${d.enrolment ?? 'unknown'}) but no token was offered: is this the service's address, and the inventory the one it serves?`;
    report.message = `answer with URL, the secret-free bootstrap only: ${why}`;
  }
}

function print(report: ProbeReport, opts: ProbeOptions): void {
  if (opts.json) {
    printReport(report, GOOD.has(report.verdict));
    return;
  }
  const out: string[] = [];
  const s = report.subscribe;
  out.push(`SUBSCRIBE ${s.mac} (${s.vendor} ${s.model} ${s.version}) from ${s.from} to ${s.to}`);
  for (const r of report.responses) out.push(`<- ${r.status} ${r.reason} from ${r.from} after ${r.ms} ms`, indent(r.text));
  for (const n of report.notifies) out.push(`<- NOTIFY from ${n.from} after ${n.ms} ms (answered 200 OK)`, indent(n.text));
  if (report.fetch) {
    out.push('fetched as a Snom phone:');
    for (const step of report.fetch.steps) {
      out.push(step.skipped ? `  (${step.url}: ${step.skipped})` : `  GET ${step.url} -> ${step.error ?? step.status ?? '?'}${step.root ? ` <${step.root}>` : ''}`);
    }
    const f = report.fetch;
    if (f.identities.length > 0) for (const i of f.identities) out.push(`  identity ${i.idx}: ${i.user}@${i.host}${i.password ? ', password set' : ', no password'}`);
    for (const name of ['pnp_config', 'setting_server', 'http_client_user', 'http_client_pass', 'firmware_status']) {
      if (f.settings[name] !== undefined) out.push(`  ${name}: ${f.settings[name]}`);
    }
    out.push(`  ${Object.keys(f.settings).length} settings, ${f.functionKeys} function keys, ${f.phonebookEntries} phone book entries${f.firmwareImage ? `, firmware ${f.firmwareImage}` : ''}`);
  }
  out.push(`verdict: ${report.message}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function indent(text: string): string {
  return text.trimEnd().split(/\r?\n/).map((l) => `   | ${l}`).join('\n');
}

/** A provisioning token in a URL (`/t/<token>/`) shown as `/t/…/`. */
function hideToken(text: string): string {
  return text.replace(/\/t\/[A-Za-z0-9_-]{8,}\//g, '/t/…/');
}

function hostPort(text: string, defaultPort: number, flag: string): { host: string; port: number } {
  const m = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$|^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[3];
  const port = Number(m?.[2] ?? m?.[4] ?? defaultPort);
  if (!host || isIP(host) === 0 || port > 65535) throw new CliError(`${flag}: expected an IP address and optional port, e.g. 192.0.2.10:5060, got ${JSON.stringify(text)}`, EXIT_USAGE);
  return { host, port };
}

function isMulticast(host: string): boolean {
  const first = Number(host.split('.')[0]);
  return isIP(host) === 4 && first >= 224 && first <= 239;
}

/** The local address the system routes `target` from (a connected UDP socket sends nothing). */
async function routeAddress(family: 'udp4' | 'udp6', target: { host: string; port: number }): Promise<string> {
  const probe = createSocket(family);
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(target.port, target.host, () => resolve());
    });
    return probe.address().address;
  } catch (err) {
    throw new CliError(`no route to ${target.host} (${err instanceof Error ? err.message : String(err)}): give --local <address>`, EXIT_PROBLEM);
  } finally {
    probe.close();
  }
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => reject(new CliError(`cannot bind ${address}:${port}: ${err.message}`, EXIT_PROBLEM)));
    socket.bind(port, address, () => resolve());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
