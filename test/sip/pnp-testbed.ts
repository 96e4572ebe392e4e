import Srf from 'drachtio-srf';
import { badEventResponder } from '../../lib/sip/bad-event-responder.js';
import type { PnpExchangeEvent, PnpResponderOptions } from '../../lib/sip/responder-options.js';
import { pnpResponder, type SrfMiddleware } from '../../lib/sip/responder.js';
import { countSrfDialogs } from '../../lib/sip/srf-adapter.js';
import { connectSrf, type SrfConnection } from '../../lib/sip/srf-connection.js';
import { captureLogger } from '../support/capture-logger.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone, type Target } from '../support/fake-phone.js';

export interface Testbed {
  server: DrachtioTestServer;
  srf: Srf;
  connection: SrfConnection;
  /** Where phones send their SUBSCRIBEs (the emulated drachtio-server's SIP socket). */
  target: Target;
  events: PnpExchangeEvent[];
  logs: ReturnType<typeof captureLogger>;
  phone(options?: Parameters<typeof FakePhone.start>[0]): Promise<FakePhone>;
  /** Dialog objects drachtio-srf keeps. */
  srfDialogs(): number;
  /** True when drachtio-srf waits for nothing from drachtio-server (no pending requests or transactions). */
  srfIdle(): boolean;
  close(): Promise<void>;
}

/**
 * A real drachtio-srf app with `before` middleware, the PnP responder, `extra` middleware, then the 489 chain end, connected
 * to the in-process drachtio-server emulation.
 */
export async function startTestbed(
  options: Partial<PnpResponderOptions> = {},
  setup: { timerScale?: number; before?: SrfMiddleware[]; extra?: SrfMiddleware[]; recordFrames?: boolean } = {},
): Promise<Testbed> {
  const server = await DrachtioTestServer.start({ timerScale: setup.timerScale ?? 0.01, recordFrames: setup.recordFrames ?? false });
  const logs = captureLogger('debug');
  const events: PnpExchangeEvent[] = [];
  const srf = new Srf();
  for (const middleware of setup.before ?? []) srf.use('subscribe', middleware);
  srf.use('subscribe', pnpResponder({
    directory: { lookup: async () => undefined, defaults: () => ({}) },
    publicUrl: 'http://192.0.2.10:8080',
    logger: logs.logger,
    onEvent: (e) => events.push(e),
    ...options,
  }));
  for (const middleware of setup.extra ?? []) srf.use('subscribe', middleware);
  srf.use('subscribe', badEventResponder({ logger: logs.logger }));

  const phones: FakePhone[] = [];
  const bed: Testbed = {
    server, srf, events, logs,
    connection: { connected: false, disconnect: () => undefined },
    target: { host: '127.0.0.1', port: server.sipPort },
    async phone(phoneOptions) {
      const phone = await FakePhone.start(phoneOptions);
      phones.push(phone);
      return phone;
    },
    srfDialogs: () => countSrfDialogs(srf),
    srfIdle: () => Reflect.get(srf, 'idle') === true,
    async close() {
      bed.connection.disconnect();
      await Promise.all(phones.map((p) => p.close()));
      await server.stop();
    },
  };
  await new Promise<void>((resolve, reject) => {
    bed.connection = connectSrf(srf, { host: '127.0.0.1', port: server.adminPort, secret: 'cymru' }, {
      onConnect: () => resolve(),
      onConnectFailed: reject,
    });
  });
  await server.waitFor(() => server.stats().routes.includes('subscribe'));
  return bed;
}
