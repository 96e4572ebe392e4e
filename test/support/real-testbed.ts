/**
 * The end-to-end suite's drachtio-server: the real binary started by the suite (test/support/real-drachtio.ts) when
 * `drachtio` is on PATH, or an external one named by DRACHTIO_E2E (host:port of its admin port; DRACHTIO_E2E_SIP the
 * address phones send to, DRACHTIO_E2E_SECRET its secret). Without either, `skipReason` says why the suite skips.
 *
 * `connectApp` puts a drachtio-srf app with the PnP responder on it (as test/sip/pnp-testbed.ts does on the wire
 * test server); one app at a time, since drachtio-server shares a verb's requests between the apps that route it.
 */
import Srf from 'drachtio-srf';
import { badEventResponder } from '../../lib/sip/bad-event-responder.js';
import type { PnpExchangeEvent, PnpResponderOptions } from '../../lib/sip/responder-options.js';
import { pnpResponder } from '../../lib/sip/responder.js';
import { countSrfDialogs } from '../../lib/sip/srf-adapter.js';
import { connectSrf, type SrfConnection } from '../../lib/sip/srf-connection.js';
import { captureLogger } from './capture-logger.js';
import { FakePhone, type Target } from './fake-phone.js';
import { findDrachtio, RealDrachtio } from './real-drachtio.js';

function hostPort(value: string, defaultPort: number): Target {
  const m = /^(.*?)(?::(\d+))?$/.exec(value);
  return { host: m?.[1] || '127.0.0.1', port: m?.[2] ? Number(m[2]) : defaultPort };
}

const external = process.env.DRACHTIO_E2E;

/** Why the suite cannot run here, or undefined. */
export const skipReason: string | undefined = external || findDrachtio()
  ? undefined
  : 'no drachtio on PATH (build it from source, see docs/real-drachtio.md) and DRACHTIO_E2E not set';

export interface E2eDrachtio {
  admin: Target;
  sip: Target;
  secret: string;
  /** The process when the suite started it; undefined for an external server (no restarts then). */
  process: RealDrachtio | undefined;
  stop(): Promise<void>;
}

/** Starts drachtio (or names the external one). */
export async function startE2eDrachtio(): Promise<E2eDrachtio> {
  if (external) {
    const admin = hostPort(external, 9022);
    return {
      admin, sip: hostPort(process.env.DRACHTIO_E2E_SIP ?? `${admin.host}:5060`, 5060),
      secret: process.env.DRACHTIO_E2E_SECRET ?? 'cymru', process: undefined, stop: async () => undefined,
    };
  }
  const server = await RealDrachtio.start();
  return {
    admin: { host: server.adminHost, port: server.adminPort },
    sip: { host: '127.0.0.1', port: server.sipPort },
    secret: server.secret,
    process: server,
    stop: () => server.stop(),
  };
}

export interface RealApp {
  srf: Srf;
  connection: SrfConnection;
  events: PnpExchangeEvent[];
  logs: ReturnType<typeof captureLogger>;
  phone(options?: Parameters<typeof FakePhone.start>[0]): Promise<FakePhone>;
  /** Waits until the responder reported an event that matches. */
  waitForEvent(match: (e: PnpExchangeEvent) => boolean, timeoutMs?: number): Promise<PnpExchangeEvent>;
  /** Dialog objects drachtio-srf keeps. */
  srfDialogs(): number;
  /** True when drachtio-srf waits for nothing from drachtio-server. */
  srfIdle(): boolean;
  close(): Promise<void>;
}

/** A drachtio-srf app: the responder with `options`, then the 489 chain end, connected to `drachtio`. */
export async function connectApp(drachtio: E2eDrachtio, options: Partial<PnpResponderOptions> = {}): Promise<RealApp> {
  const logs = captureLogger('debug');
  const events: PnpExchangeEvent[] = [];
  const srf = new Srf();
  srf.use('subscribe', pnpResponder({
    directory: { lookup: async () => undefined, defaults: () => ({}) },
    publicUrl: 'http://192.0.2.10:8080',
    logger: logs.logger,
    onEvent: (e) => events.push(e),
    ...options,
  }));
  srf.use('subscribe', badEventResponder({ logger: logs.logger }));
  const phones: FakePhone[] = [];
  let connection: SrfConnection = { connected: false, disconnect: () => undefined };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected to drachtio at ${drachtio.admin.host}:${drachtio.admin.port}`)), 10_000);
    connection = connectSrf(srf, { ...drachtio.admin, secret: drachtio.secret }, {
      onConnect: () => {
        clearTimeout(timer);
        resolve();
      },
      onConnectFailed: reject,
    });
  });
  // The route is sent right after authentication; give drachtio-server its turn to record it.
  await sleep(100);
  return {
    srf, connection, events, logs,
    async phone(phoneOptions) {
      const phone = await FakePhone.start(phoneOptions);
      phones.push(phone);
      return phone;
    },
    async waitForEvent(match, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no such responder event within ${timeoutMs} ms; got ${JSON.stringify(events)}`);
        await sleep(20);
      }
    },
    srfDialogs: () => countSrfDialogs(srf),
    srfIdle: () => Reflect.get(srf, 'idle') === true,
    async close() {
      connection.disconnect();
      await Promise.all(phones.map((p) => p.close()));
      // Let drachtio-server see the connection go before the next app routes SUBSCRIBE.
      await sleep(100);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `ok` until it holds. */
export async function until(ok: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}
