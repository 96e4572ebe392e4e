/**
 * Device state several instances share (docs/shared-state.md): each instance hands every change of a device's state
 * (and the history record behind it) to the shared store, off the hot path; it reads the others' devices back from
 * it, so that the API, `devices summary` and the rollout page of any instance show the devices provisioned through
 * every instance. Redis implements it in `drachtio-pnp/store` (RedisDeviceStates); the main entry knows only this.
 */
import type { DeviceState } from './device-state.js';
import type { HistoryQuery } from './event-log-reader.js';
import type { HistoryRecord, StateRecord } from './state-record.js';

export type DeviceView = 'shared' | 'local';

/** A history record read from the shared stream, with the instance that recorded it (its store instance id). */
export type SharedHistoryRecord = HistoryRecord & { instance: string };

export interface SharedDeviceStates {
  /**
   * Queues a device's new state and the history record that made it (none: the state only, as at start); never
   * throws, never waits (sent in batches).
   */
  push(device: DeviceState, record?: StateRecord): void;
  /**
   * Every device's latest state in the shared store, as last read (it is read again every second or so); undefined
   * while the store cannot be read: the view is then this instance's own.
   */
  devices(): ReadonlyMap<string, DeviceState> | undefined;
  /** `shared` while {@link devices} is current, `local` while the store cannot be read. */
  readonly view: DeviceView;
  /**
   * Every instance's history, filtered and limited as the event log's (`/api/events`, `drachtio-pnp events`),
   * oldest first; rejects when the shared store cannot be read (the caller then reads its own event log).
   */
  history?(query: HistoryQuery): Promise<SharedHistoryRecord[]>;
  /**
   * Calls `listener` with the devices whose shared state changed at a read (another instance's changes, and this
   * instance's own coming back), so live views (the rollout page's stream) show every instance's changes.
   */
  onRead?(listener: (changed: readonly DeviceState[]) => void): void;
  close(): Promise<void>;
}

/** The newer of two states of one device (by `lastSeen`; the local one on a tie). */
export function newerState(local: DeviceState | undefined, shared: DeviceState | undefined): DeviceState | undefined {
  if (local === undefined) return shared;
  if (shared === undefined) return local;
  return Date.parse(shared.lastSeen) > Date.parse(local.lastSeen) ? shared : local;
}
