/**
 * Re-provisioning without a reboot: an out-of-dialog `NOTIFY` with `Event: check-sync;reboot=false` (or `true`)
 * makes a phone fetch its settings again (snom-provisioning.md). Sent through drachtio-srf's `srf.request`; a
 * NOTIFY outside any dialog creates no dialog in drachtio-server, so nothing is left behind (drachtio.md: the
 * leak it describes is the SUBSCRIBE dialog, which does not exist here). Only this module and the other srf-*
 * adapters touch drachtio-srf.
 */
import { callMethod, propOf, toError } from './unknown-object.js';

export interface CheckSyncResult {
  /** The final response, when one came: the phone's, or drachtio-server's own (see `from`). */
  status?: number;
  reason?: string;
  /**
   * The address the response came from. drachtio-server reports a response it made itself (its 408 when the phone
   * never answered, its 503 when it could not send to the phone) with an empty address (wire recording 05).
   */
  from?: string;
  /** Why there is no final response: not sent, or none within the deadline. */
  error?: string;
}

/** The request for one phone: the Request-URI and the headers. */
export function checkSyncRequest(address: { ip: string; port: number }, reboot: boolean): { uri: string; headers: Record<string, string> } {
  const host = address.ip.includes(':') ? `[${address.ip}]` : address.ip;
  return { uri: `sip:${host}:${address.port}`, headers: { Event: `check-sync;reboot=${reboot ? 'true' : 'false'}` } };
}

/** Sends one check-sync NOTIFY through a connected Srf and resolves with its final response; never rejects. */
export function sendCheckSync(srf: unknown, address: { ip: string; port: number }, opts: { reboot: boolean; timeoutMs: number }): Promise<CheckSyncResult> {
  const { uri, headers } = checkSyncRequest(address, opts.reboot);
  return new Promise<CheckSyncResult>((resolve) => {
    let settled = false;
    const settle = (result: CheckSyncResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => settle({ error: `no final response within ${opts.timeoutMs} ms` }), opts.timeoutMs);
    try {
      callMethod(srf, 'request', uri, { method: 'NOTIFY', headers }, (err: unknown, req: unknown) => {
        if (err) return settle({ error: toError(err, 'NOTIFY not sent').message });
        callMethod(req, 'on', 'response', (res: unknown) => {
          const status = propOf(res, 'status');
          const reason = propOf(res, 'reason');
          const from = propOf(res, 'source_address');
          if (typeof status === 'number' && status >= 200) {
            settle({ status, ...(typeof reason === 'string' ? { reason } : {}), from: typeof from === 'string' ? from : '' });
          }
        });
      });
    } catch (err) {
      settle({ error: toError(err, 'NOTIFY not sent').message });
    }
  });
}
