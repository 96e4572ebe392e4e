/**
 * The real drachtio-srf 5.0.29, typed through a small local interface (its shipped typings lack
 * `res.send` callbacks, `Srf.Dialog`'s constructor and `Dialog#request`), plus the PnP answer of drachtio.md:
 * `res.send(200, {Expires: 0, Contact})`, then a hand-built Dialog and one terminating NOTIFY.
 */
import Srf from 'drachtio-srf';
import type { DrachtioTestServer } from './drachtio-test-server.js';

export interface SrfMessage {
  get(name: string): string | undefined;
  readonly body: string;
}

export interface SrfRequest extends SrfMessage {
  readonly method: string;
  readonly uri: string;
}

export interface SrfResponse {
  send(status: number, opts: { headers?: Record<string, string> },
    callback?: (err: unknown, sent: SrfMessage) => void): void;
}

export interface SrfDialog {
  readonly id: string;
  request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number }>;
}

export interface SrfSentRequest {
  on(event: 'response', fn: (res: { status: number; get(name: string): string | undefined }) => void): void;
}

export interface SrfApp {
  connect(opts: { host: string; port: number; secret: string; enablePing?: boolean; pingInterval?: number }): void;
  on(event: 'connect', fn: (err: Error | null, hostport?: string, version?: string) => void): this;
  on(event: 'error' | 'close' | 'reconnecting', fn: (...args: unknown[]) => void): this;
  use(method: string, fn: (req: SrfRequest, res: SrfResponse, next: () => void) => void): void;
  request(uri: string, opts: { method: string; headers: Record<string, string>; body?: string },
    callback: (err: unknown, req: SrfSentRequest) => void): void;
  addDialog(dialog: SrfDialog): void;
  disconnect(): void;
  readonly _dialogs: Map<string, unknown>;
}

interface SrfModule {
  new (): SrfApp;
  readonly Dialog: new (srf: SrfApp, type: 'uas', opts: { req: SrfRequest; res: SrfResponse; sent: SrfMessage }) => SrfDialog;
}

export const SrfClass = Srf as unknown as SrfModule;

/** A connected app; `close()` disconnects it whatever its state. */
export interface TestApp {
  readonly srf: SrfApp;
  readonly connectErrors: Error[];
  readonly events: string[];
  close(): void;
}

/**
 * Creates an srf app, lets `setup` install middleware (so `route|..` goes out after authenticate), connects
 * and resolves on the first successful `connect` (or, with `expectFailure`, on the first failed one).
 */
export async function connectApp(server: DrachtioTestServer, opts: {
  secret?: string; setup?: (srf: SrfApp) => void; enablePing?: boolean; expectFailure?: boolean;
} = {}): Promise<TestApp> {
  const srf = new SrfClass();
  const connectErrors: Error[] = [];
  const events: string[] = [];
  // Without an error listener a refused reconnect would throw (drachtio.md "Connection").
  srf.on('error', () => events.push('error'));
  srf.on('close', () => events.push('close'));
  srf.on('reconnecting', () => events.push('reconnecting'));
  opts.setup?.(srf);
  const app: TestApp = {
    srf, connectErrors, events,
    close: () => {
      try {
        srf.disconnect();
      } catch {
        // disconnect() asserts when not connected; it has already stopped the reconnect loop by then.
      }
    },
  };
  await new Promise<void>((resolve) => {
    srf.on('connect', (err) => {
      events.push(err ? 'connect-error' : 'connect');
      if (err) connectErrors.push(err);
      if (!err || opts.expectFailure) resolve();
    });
    srf.connect({
      host: server.host, port: server.adminPort, secret: opts.secret ?? 'cymru',
      ...(opts.enablePing ? { enablePing: true, pingInterval: 5000 } : {}),
    });
  });
  return app;
}

export interface PnpOutcome {
  handled: number;
  notifyStatuses: number[];
  notifyErrors: Array<Error & { code?: string }>;
  dialogs: SrfDialog[];
  requests: SrfRequest[];
}

/**
 * srf.use('subscribe') middleware doing what drachtio.md recommends. `useSrfRequest` sends the NOTIFY with
 * srf.request outside the dialog instead (flow 02, to show why the product does not).
 */
export function pnpAnswer(srf: SrfApp, server: DrachtioTestServer, opts: {
  url?: string; delayMs?: number; useSrfRequest?: boolean; status?: number; notifyHeaders?: Record<string, string>;
} = {}): { outcome: PnpOutcome; handler: (req: SrfRequest, res: SrfResponse) => void } {
  const outcome: PnpOutcome = { handled: 0, notifyStatuses: [], notifyErrors: [], dialogs: [], requests: [] };
  const url = opts.url ?? 'http://127.0.0.1:8080/provisioning/{mac}.xml';
  const contact = `<sip:${server.host}:${server.sipPort}>`;
  const handler = (req: SrfRequest, res: SrfResponse): void => {
    outcome.handled++;
    outcome.requests.push(req);
    const answer = (): void => res.send(opts.status ?? 200, { headers: { Expires: '0', Contact: contact } }, (err, sent) => {
      if (err || (opts.status ?? 200) >= 300) return;
      const headers = opts.notifyHeaders ?? {
        Event: req.get('Event') ?? '', 'Subscription-State': 'terminated;reason=timeout',
        'Content-Type': 'application/url', Contact: sent.get('Contact') ?? contact,
      };
      if (opts.useSrfRequest) {
        const target = /<([^>]+)>/.exec(req.get('Contact') ?? '')?.[1] ?? '';
        srf.request(target, {
          method: 'NOTIFY',
          headers: { 'Call-ID': req.get('Call-ID') ?? '', From: sent.get('To') ?? '', To: req.get('From') ?? '', ...headers },
          body: url,
        }, (e, sentReq) => {
          if (e) return void outcome.notifyErrors.push(e as Error);
          sentReq.on('response', (r) => outcome.notifyStatuses.push(r.status));
        });
        return;
      }
      const dialog = new SrfClass.Dialog(srf, 'uas', { req, res, sent });
      srf.addDialog(dialog);
      outcome.dialogs.push(dialog);
      dialog.request({ method: 'NOTIFY', headers, body: url }).then(
        (r) => outcome.notifyStatuses.push(r.status),
        (e: unknown) => outcome.notifyErrors.push(e as Error),
      );
    });
    if (opts.delayMs) setTimeout(answer, opts.delayMs);
    else answer();
  };
  return { outcome, handler };
}
