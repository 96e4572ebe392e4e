/**
 * The shared enrolment register checked against this instance's device state (docs/shared-state.md, "Holds"), as
 * the file register is at start (holdLostEnrolments): a register that lost its data (Redis restarted without
 * persistence, flushed, replaced) forgot which devices enrolled, and would let anyone enrol them again. So at start
 * and whenever the connection to Redis comes back, the instance reads the register's generation; when it is new (no
 * register was there at this start, or it changed since the last check), the devices this instance's device state
 * shows provisioned and the register does not know are held: no token until an operator reopens them.
 */
import type { Logger } from '../log/logger.js';
import type { SharedEnrolmentStore } from './shared-enrolment.js';

export type CheckedEnrolmentStore = SharedEnrolmentStore & Required<Pick<SharedEnrolmentStore, 'generation' | 'holdUnknown'>>;

export interface SharedRegisterCheck {
  /** Checks now (at start, and on each reconnect); never rejects (a failure is logged and checked again next time). */
  check(): Promise<void>;
  /** Devices this check held so far. */
  readonly heldHere: number;
}

/**
 * `onHeld`: told the MACs held by a check (the service reads them into its register's cache, so `/healthz` counts
 * them at once).
 */
export function sharedRegisterCheck(store: CheckedEnrolmentStore, provisioned: () => readonly string[], logger: Logger,
  options: { now?: () => number; onHeld?: (macs: readonly string[]) => Promise<void> } = {}): SharedRegisterCheck {
  const now = options.now ?? Date.now;
  /** The generation this instance checked last; undefined until the first check succeeded. */
  let known: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let heldHere = 0;

  async function once(): Promise<void> {
    const generation = await store.generation();
    const lost = known === undefined ? generation.created : generation.id !== known;
    if (lost) {
      const macs = provisioned();
      const reason = known === undefined
        ? 'the shared enrolment register was empty at start; the device state shows the device provisioned'
        : 'the shared enrolment register lost its data; the device state shows the device provisioned';
      const held = macs.length === 0 ? [] : await store.holdUnknown(macs, now(), reason);
      heldHere += held.length;
      if (held.length > 0) {
        logger.warn({ store: store.shownUrl, held: held.length, macs: held.slice(0, 20) },
          `shared enrolment register: ${held.length} device(s) this instance provisioned are held (the register did not know them): PnP gives them no token until an operator runs \`drachtio-pnp devices reopen --all-missing\``);
        await options.onHeld?.(held);
      }
    }
    // Only once the holds are in: a check that failed half-way is made again at the next reconnect.
    known = generation.id;
  }

  return {
    get heldHere() {
      return heldHere;
    },
    async check() {
      // A reconnect during a check: checked once more after it.
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          try {
            await once();
          } catch (err) {
            logger.warn({ store: store.shownUrl, reason: err instanceof Error ? err.message : String(err) },
              'shared enrolment register not checked against the device state: checked when the store is back');
          }
        } while (again);
      })();
      try {
        await running;
      } finally {
        running = undefined;
      }
    },
  };
}
