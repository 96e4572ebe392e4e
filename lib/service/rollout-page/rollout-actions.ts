/**
 * What the rollout page's buttons do in the running service, through the same code the CLI uses: the enrolment
 * register's `reopen` (as `devices reopen`), the inventory edit of `devices add` (lib/inventory/edit: under the
 * edit lock, the entry is spliced in, the result must load, the file is replaced atomically), and
 * the check-sync NOTIFY of `resync`, sent over the service's own drachtio connection.
 */
import { ConcurrentEditError } from '../../inventory/edit/atomic-write.js';
import type { JsonObject } from '../../inventory/edit/device-entries.js';
import { fieldValue, parseFieldPath, setField } from '../../inventory/edit/flat-fields.js';
import { EditLockBusyError, EditLockLostError, editFileLocked } from '../../inventory/edit/locked-edit.js';
import { addDevices } from '../../inventory/edit/splice-devices.js';
import type { EnrolmentRegister } from '../../security/enrolment-register.js';
import { sendCheckSync } from '../../sip/check-sync.js';
import { ActionError, type RolloutActions } from './rollout-router.js';

export interface RolloutActionDeps {
  /** The inventory file; without one, nothing can be added. */
  inventoryFile?: string;
  /** Reads the inventory again after an edit, so the page shows the device at once. */
  reloadInventory: () => Promise<void>;
  enrolment?: EnrolmentRegister;
  reopenHours: number;
  /** The service's drachtio-srf, once connected. */
  srf: unknown;
  drachtioConnected: () => boolean;
  resyncTimeoutMs?: number;
}

export function rolloutActions(deps: RolloutActionDeps): RolloutActions {
  const actions: RolloutActions = {
    async resync(mac, address) {
      if (!deps.drachtioConnected()) throw new ActionError('drachtio-server is not connected: no NOTIFY can be sent now', 503);
      const r = await sendCheckSync(deps.srf, address, { reboot: false, timeoutMs: deps.resyncTimeoutMs ?? 5000 });
      const where = `${address.ip}:${address.port}`;
      if (r.status !== undefined && r.status >= 200 && r.status < 300) return `${mac} (${where}) accepted the check-sync: it fetches its settings now`;
      if (r.status === 408 || r.status === undefined) throw new ActionError(`${mac} (${where}): no answer${r.error ? ` (${r.error})` : ''}`, 502);
      throw new ActionError(`${mac} (${where}) answered ${r.status}${r.reason ? ` ${r.reason}` : ''}`, 502);
    },
  };
  const { enrolment, inventoryFile } = deps;
  if (enrolment) {
    actions.enrolmentStatus = (mac) => enrolment.status(mac);
    actions.reopen = async (mac) => {
      const until = Date.now() + Math.round(deps.reopenHours * 3_600_000);
      enrolment.reopen(mac, until, 'ui');
      // Done only once the register has it: Redis acknowledged it (shared), or it is on file (fsync'd). An operator's
      // edit is applied or refused, never shown as done while it may be lost.
      const stored = await (enrolment.written(mac) ?? true);
      if (!stored) {
        const shared = enrolment.sharedAt;
        throw new ActionError(shared !== undefined
          ? `${mac}: not reopened: the shared enrolment register at ${shared} did not acknowledge it (unreachable or too slow); try again`
          : `${mac}: not reopened: the enrolment register's file could not be written (see the log); it holds in this process only until it is written`, 503);
      }
      return `${mac} may enrol by PnP until ${new Date(until).toISOString()}`;
    };
  }
  if (inventoryFile !== undefined) {
    actions.add = async (mac, given) => {
      const fields: JsonObject = {};
      for (const [name, value] of Object.entries(given)) {
        const path = parseFieldPath(name);
        if (!path) throw new ActionError(`${name}: not a field`);
        setField(fields, path, fieldValue(path, value));
      }
      try {
        await editFileLocked(inventoryFile, (text) => {
          const outcome = addDevices(text, [{ mac, fields }], { source: inventoryFile });
          if (!outcome.ok) {
            const problems = outcome.stage === 'before'
              ? ['the inventory has problems; fix them first']
              : outcome.problems.map((p) => p.message);
            throw new ActionError(`not added: ${problems.slice(0, 5).join('; ')}`, 422);
          }
          return { text: outcome.text, result: undefined };
        }, { waitMs: 5000 });
      } catch (err) {
        if (err instanceof ConcurrentEditError || err instanceof EditLockBusyError || err instanceof EditLockLostError) {
          throw new ActionError(err.message, 409);
        }
        throw err;
      }
      await deps.reloadInventory();
      return `${mac} added to the inventory`;
    };
  }
  return actions;
}
