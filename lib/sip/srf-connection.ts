import { EventEmitter } from 'node:events';
import { callMethod, propOf, toError } from './unknown-object.js';

/**
 * The connection half of the drachtio-srf adapter: connect an Srf instance to drachtio-server with typed
 * events, and disconnect it safely in any state. drachtio-srf's own `disconnect()` throws while not connected
 * and cannot stop a pending reconnect; without an `error` listener a refused connection kills the process.
 */

export interface DrachtioTarget {
  host: string;
  port: number;
  secret: string;
  /** Seconds between admin-connection pings; 0 or absent turns pinging off. drachtio-srf allows 5 to 300. */
  pingSeconds?: number;
  /** Upper bound of the reconnect back-off, in seconds (drachtio-srf's default grows without bound). */
  reconnectMaxSeconds?: number;
}

export interface ConnectedInfo {
  /** drachtio-server's SIP addresses, e.g. `tcp/127.0.0.1:5060,udp/127.0.0.1:5060`. */
  hostport: string;
  serverVersion?: string;
  localHostports?: string;
}

export interface ConnectionHandlers {
  onConnect?(info: ConnectedInfo): void;
  /** drachtio-server refused us (wrong secret); drachtio-srf keeps retrying. */
  onConnectFailed?(error: Error): void;
  /** A socket error (refused, reset, ...). Always handled here, so it never crashes the process. */
  onError?(error: Error): void;
  onReconnecting?(info: { delayMs?: number; attempt?: number }): void;
  onClose?(): void;
}

export interface SrfConnection {
  /** True between a successful authentication and the next close. */
  readonly connected: boolean;
  /** Ends the connection and any reconnect attempt. Safe in every state, idempotent; never throws. */
  disconnect(): void;
}

/**
 * Connects `srf` to drachtio-server (inbound mode) and reports its events through `handlers`.
 *
 * @example
 * const srf = new Srf();
 * srf.use('subscribe', pnpResponder({ directory, publicUrl: 'http://192.0.2.10:8080' }));
 * const connection = connectSrf(srf, { host: '127.0.0.1', port: 9022, secret: 'cymru' }, {
 *   onConnect: ({ hostport }) => logger.info({ hostport }, 'connected to drachtio-server'),
 *   onError: (err) => logger.warn({ err }, 'drachtio connection error'),
 * });
 * // later: connection.disconnect();
 */
export function connectSrf(srf: unknown, target: DrachtioTarget, handlers: ConnectionHandlers = {}): SrfConnection {
  if (!(srf instanceof EventEmitter)) throw new TypeError('connectSrf: srf must be a drachtio-srf Srf instance');
  const ping = target.pingSeconds ?? 0;
  if (!(ping === 0 || (ping >= 5 && ping <= 300))) {
    throw new TypeError('connectSrf: pingSeconds must be 0 (off) or between 5 and 300');
  }
  let connected = false;
  let closing = false;

  srf.on('connect', (err: unknown, hostport: unknown, serverVersion: unknown, localHostports: unknown) => {
    if (err) {
      connected = false;
      if (!closing) handlers.onConnectFailed?.(toError(err, 'failed to authenticate to drachtio-server'));
      return;
    }
    connected = true;
    if (closing) {
      endConnected(srf);
      return;
    }
    const info: ConnectedInfo = { hostport: typeof hostport === 'string' ? hostport : '' };
    if (typeof serverVersion === 'string') info.serverVersion = serverVersion;
    if (typeof localHostports === 'string') info.localHostports = localHostports;
    handlers.onConnect?.(info);
  });
  srf.on('error', (err: unknown) => {
    if (!closing) handlers.onError?.(toError(err, 'drachtio connection error'));
  });
  srf.on('reconnecting', (opts: unknown) => {
    if (closing) return;
    const delay = propOf(opts, 'delay');
    const attempt = propOf(opts, 'attempt');
    handlers.onReconnecting?.({
      ...(typeof delay === 'number' ? { delayMs: delay } : {}),
      ...(typeof attempt === 'number' ? { attempt } : {}),
    });
  });
  srf.on('close', () => {
    connected = false;
    if (!closing) handlers.onClose?.();
  });

  const options: Record<string, unknown> = { host: target.host, port: target.port, secret: target.secret };
  if (ping > 0) Object.assign(options, { enablePing: true, pingInterval: ping * 1000 });
  if (target.reconnectMaxSeconds !== undefined) options['reconnect'] = { retryMaxDelay: target.reconnectMaxSeconds * 1000 };
  callMethod(srf, 'connect', options);

  return {
    get connected() {
      return connected;
    },
    disconnect() {
      if (closing) return;
      closing = true;
      if (connected) endConnected(srf);
      else stopReconnecting(srf);
      connected = false;
    },
  };
}

function endConnected(srf: unknown): void {
  try {
    callMethod(srf, 'disconnect');
  } catch {
    stopReconnecting(srf);
  }
}

/**
 * drachtio-srf has no public way to stop its reconnect loop while disconnected; its wire protocol object does
 * the retrying, and honours `closing` and the pending `retryTimer`. This reaches in, in this one place.
 */
function stopReconnecting(srf: unknown): void {
  const wire = propOf(propOf(propOf(srf, '_app'), 'client'), 'wp');
  if (typeof wire !== 'object' || wire === null) return;
  Reflect.set(wire, 'closing', true);
  const vars = propOf(wire, 'reconnectVars');
  if (typeof vars === 'object' && vars !== null) {
    const timer = propOf(vars, 'retryTimer');
    // The value came from setTimeout inside drachtio-srf.
    if (typeof timer === 'object' && timer !== null) clearTimeout(timer as NodeJS.Timeout);
    Reflect.set(vars, 'retryTimer', null);
  }
  const socket = propOf(wire, 'socket');
  if (socket !== undefined) {
    try {
      callMethod(socket, 'destroy');
    } catch {
      // not a socket: nothing to end
    }
  }
}
