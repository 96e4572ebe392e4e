/**
 * The enrolment register several instances share (docs/shared-state.md): what EnrolmentRegister.shared needs from the
 * store that keeps it. Redis implements it in `drachtio-pnp/store` (RedisEnrolmentStore); the main entry only knows
 * this interface, so one box never loads a Redis client.
 */
import type { EnrolmentRecord, EnrolmentState } from './enrolment.js';

/** The outcome of one record: whether it was applied, and the device's state in the store after it. */
export interface SharedEnrolmentResult {
  /** False for an enrolment refused because the device was enrolled (by another token) or held meanwhile. */
  applied: boolean;
  state: EnrolmentState | undefined;
}

export interface SharedEnrolmentStore {
  /** Where the register is, for log lines (never a password). */
  readonly shownUrl: string;
  /** A device's state; undefined for a device the register does not know. Rejects when the store cannot be asked. */
  read(mac: string): Promise<EnrolmentState | undefined>;
  /**
   * Applies records in order, atomically each. An `enrolled` record is a compare-and-set: applied only while the
   * device may enrol (open, reopened) or was enrolled by the same token. Resolves once the store acknowledged them
   * (and, when so configured, its replicas); rejects when it cannot be asked.
   */
  apply(records: readonly EnrolmentRecord[]): Promise<SharedEnrolmentResult[]>;
  /** Devices held now. Rejects when the store cannot be asked. */
  held(): Promise<string[]>;
  /**
   * The register's generation: a mark the store keeps beside the register, made by the first instance that finds
   * none. A store that lost its data (a restart without persistence, a flush) has a new one. Rejects when the store
   * cannot be asked.
   */
  generation?(): Promise<{ id: string; created: boolean }>;
  /**
   * Holds those of `macs` the register does not know at all (see enrolment.ts: no token until an operator reopens
   * them); resolves with the MACs it held. Rejects when the store cannot be asked.
   */
  holdUnknown?(macs: readonly string[], t: number, reason: string): Promise<string[]>;
}
