/**
 * Field types the history records and the device state share, so a record and the state folded from it cannot
 * drift apart in what they accept.
 */
import { z } from 'zod';

export const text = (max: number) => z.string().max(max);
export const mac = z.string().regex(/^[0-9A-F]{12}$/);
export const time = z.iso.datetime();
export const port = z.number().int().min(0).max(65535);

/** What a SUBSCRIBE said and how it was answered (records add `known`, both add `reason` after). */
export const subscribeFacts = {
  ip: text(64),
  port,
  vendor: text(64).optional(),
  model: text(64).optional(),
  version: text(64).optional(),
  /** `answered`: a final response went out (`status`); `ignored`: deliberate silence (`reason`); `failed`: could not answer. */
  outcome: z.enum(['answered', 'ignored', 'failed']),
  status: z.number().int().optional(),
};
