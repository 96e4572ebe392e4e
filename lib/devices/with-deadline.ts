import type { Device } from './device.js';
import type { DeviceDirectory } from './directory.js';

/**
 * A directory lookup that always settles, and in time: a backend that hangs or throws must never hold up the
 * answer to a phone (Panasonic waits at most 5 s for its NOTIFY) nor anyone else's.
 */
export type DeadlineLookup =
  | { outcome: 'found'; device: Device }
  | { outcome: 'unknown' }
  | { outcome: 'timeout'; timeoutMs: number }
  | { outcome: 'error'; error: unknown };

/** What the responder needs of a lookup: whether the device is known, and why not when it could not be told. */
export type KnownCheck = Exclude<DeadlineLookup, { outcome: 'found' }> | { outcome: 'found' };

const FOUND: KnownCheck = Object.freeze({ outcome: 'found' });
const UNKNOWN: KnownCheck = Object.freeze({ outcome: 'unknown' });

/**
 * Whether `mac` is known: at once from a directory that can tell from memory (`knows`), otherwise through
 * lookupWithDeadline. Never rejects, never throws: a throwing `knows` is an `error`.
 */
export function checkKnown(directory: DeviceDirectory, mac: string, timeoutMs: number): KnownCheck | Promise<KnownCheck> {
  if (typeof directory.knows === 'function') {
    try {
      return directory.knows(mac) ? FOUND : UNKNOWN;
    } catch (error) {
      return { outcome: 'error', error };
    }
  }
  return lookupWithDeadline(directory, mac, timeoutMs);
}

/** A running lookup's deadline. */
interface Waiter {
  readonly timeoutMs: number;
  /** performance.now() when the lookup started. */
  readonly started: number;
  readonly expire: () => void;
  settled: boolean;
  /** Its timer, once armed (see armDeadlines). */
  timer: NodeJS.Timeout | undefined;
}

/**
 * Lookups started in this turn of the event loop, whose timers are not armed yet. The inventory answers at once (an
 * already resolved promise), so most lookups settle before the turn ends: they never get a timer. A timer per
 * lookup (setTimeout, then clearTimeout) cost several times the lookup itself. What is still running when the
 * turn ends gets its timer then, for what is left of its time.
 */
let starting: Waiter[] = [];
let startingUnsettled = 0;
let arming: NodeJS.Immediate | undefined;

function armDeadlines(): void {
  const waiters = starting;
  starting = [];
  startingUnsettled = 0;
  arming = undefined;
  const now = performance.now();
  for (const w of waiters) {
    if (!w.settled) w.timer = setTimeout(w.expire, Math.max(0, w.timeoutMs - (now - w.started)));
  }
}

/**
 * Looks `mac` up with a deadline. Never rejects: a throw (synchronous or not) becomes `error`, a lookup still
 * running after `timeoutMs` becomes `timeout` (its late result or failure is then ignored).
 */
export function lookupWithDeadline(directory: DeviceDirectory, mac: string, timeoutMs: number): Promise<DeadlineLookup> {
  return new Promise<DeadlineLookup>((resolve) => {
    let pending: Promise<Device | undefined>;
    try {
      pending = Promise.resolve(directory.lookup(mac));
    } catch (error) {
      resolve({ outcome: 'error', error });
      return;
    }
    const waiter: Waiter = {
      timeoutMs,
      started: performance.now(),
      expire: () => settle({ outcome: 'timeout', timeoutMs }),
      settled: false,
      timer: undefined,
    };
    const settle = (result: DeadlineLookup): void => {
      if (waiter.settled) return;
      waiter.settled = true;
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      else if (--startingUnsettled === 0 && arming !== undefined) {
        // Nothing of this turn is still running: no timer to arm, nothing left scheduled.
        clearImmediate(arming);
        arming = undefined;
        starting = [];
      }
      resolve(result);
    };
    starting.push(waiter);
    startingUnsettled++;
    arming ??= setImmediate(armDeadlines);
    pending.then(
      (device) => settle(device === undefined ? { outcome: 'unknown' } : { outcome: 'found', device }),
      (error: unknown) => settle({ outcome: 'error', error }),
    );
  });
}
