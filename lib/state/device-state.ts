/**
 * What is known about one phone from the history: its last SUBSCRIBE, the NOTIFY that answered it, the files it
 * fetched, and whether the sequence completed. How a record changes it: apply-record.ts.
 *
 * Status, from the phone's point of view:
 *   ignored       its SUBSCRIBE got no answer (access rules, no URL, unknown-device policy `ignore`, bad Contact)
 *   rejected      its SUBSCRIBE got a final error (unknown-device policy `reject`)
 *   failed        the 200 or the NOTIFY could not be sent, or the phone refused the NOTIFY
 *   answered      its SUBSCRIBE got the 200; the NOTIFY's outcome is not known (yet)
 *   notified      it accepted the NOTIFY but has not fetched its settings since
 *   bootstrapped  it fetched the secret-free bootstrap settings (unknown to the directory, or no token)
 *   provisioned   it fetched its own settings file (under a token, by digest or basic, or openly in `open` mode)
 * `completed` says whether the device received its account settings since its last SUBSCRIBE: never for the
 * bootstrap, whoever fetched it.
 *
 * What anyone on the LAN can do without proof must not rewrite what an authorised exchange established:
 *   - a public file (bootstrap, containers: no `via`) never marks a device completed, and changes neither the
 *     status nor the phone's model and firmware once the device has completed;
 *   - a SUBSCRIBE for an enrolled device (`enrolled`: no token went out, so nothing proves it came from the phone)
 *     does not move `address`, where `resync` sends its NOTIFY, and, with the NOTIFY that answers it, leaves a
 *     completed device's status alone. The address follows the phone when it fetches its settings with its
 *     credentials from the address that SUBSCRIBE came from.
 */
import { z } from 'zod';
import { mac, port, subscribeFacts, text, time } from './record-fields.js';

export const PROVISIONING_STATUSES = ['ignored', 'rejected', 'failed', 'answered', 'notified', 'bootstrapped', 'provisioned'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];


export const deviceStateSchema = z.object({
  mac,
  /** Whether the directory knew the phone at its last exchange or file. */
  known: z.boolean().optional(),
  firstSeen: time,
  lastSeen: time,
  status: z.enum(PROVISIONING_STATUSES),
  completed: z.boolean(),
  /** How the settings were last authorised: `token` (PnP), `digest`/`basic` (the phone's credentials), `open`. */
  settingsVia: z.enum(['open', 'token', 'digest', 'basic']).optional(),
  /** Where the phone's SIP came from last: where a check-sync NOTIFY is sent. */
  address: z.object({ ip: text(64), port }).optional(),
  subscribe: z.object({
    at: time,
    ...subscribeFacts,
    reason: text(200).optional(),
    /** Sent for an enrolled device: its source is not proof of the phone's address. */
    enrolled: z.boolean().optional(),
  }).optional(),
  notify: z.object({
    at: time,
    ok: z.boolean(),
    status: z.number().int().optional(),
    ms: z.number().min(0).optional(),
    url: text(2048).optional(),
    reason: text(200).optional(),
  }).optional(),
  file: z.object({ at: time, ip: text(64), file: text(128), kind: text(32), status: z.number().int() }).optional(),
  /** When the account settings (or, before them, the bootstrap) were last fetched. */
  settingsAt: time.optional(),
  /** The phone as its HTTP User-Agent describes it. */
  phone: z.object({ model: text(32).optional(), firmware: text(64).optional(), userAgent: text(256).optional() }).optional(),
});

export type DeviceState = z.infer<typeof deviceStateSchema>;
