import { problemCount } from '../inventory/errors.js';
import type { FileInventory } from '../inventory/file-inventory.js';
import type { DrachtioLinkState } from './drachtio-link.js';
import type { HealthReport } from './http-app.js';

/**
 * The service's health report (`/health`): `ok` while drachtio is connected and the inventory's last change
 * loaded, `degraded` otherwise, with what it waits for and the inventory's last problem. With the enrolment lock
 * on, how many devices are held because the register was lost (enrolment.ts), and what lets them enrol again.
 */
export function serviceHealth(
  link: DrachtioLinkState,
  inventory?: { file: FileInventory; source: string },
  enrolment?: { held(): readonly string[] },
  store?: { readonly shownUrl: string; readonly ready: boolean; readonly instanceId?: string },
  deviceView?: () => 'shared' | 'local' | undefined,
): () => HealthReport {
  let lastInventoryError: string | undefined;
  inventory?.file.onReload((result) => {
    lastInventoryError = result.ok ? undefined : `${problemCount(result.errors)} problem(s) in the last change; still serving version ${result.version}`;
  });
  return () => {
    const waitingFor = link.waitingFor();
    return {
      status: link.state === 'connected' && !lastInventoryError ? 'ok' : 'degraded',
      drachtio: {
        state: link.state,
        since: link.since.toISOString(),
        ...(link.server ? { server: link.server } : {}),
        ...(link.version ? { version: link.version } : {}),
        ...(waitingFor ? { waitingFor } : {}),
      },
      inventory: {
        devices: inventory ? inventory.file.inventory.devices.size : 0,
        ...(inventory ? { source: inventory.source, version: inventory.file.version } : {}),
        ...(lastInventoryError ? { lastError: lastInventoryError } : {}),
      },
      ...(enrolment ? { enrolment: enrolmentHealth(enrolment.held().length) } : {}),
      ...(store ? { store: storeHealth(store, deviceView?.()) } : {}),
    };
  };
}

function enrolmentHealth(held: number): NonNullable<HealthReport['enrolment']> {
  return held === 0 ? { held } : {
    held,
    warning: `${held} device(s) get no PnP token: their enrolment was lost with the register (drachtio-pnp devices reopen --all-missing)`,
  };
}

function storeHealth(store: { readonly shownUrl: string; readonly ready: boolean; readonly instanceId?: string }, deviceView: 'shared' | 'local' | undefined): NonNullable<HealthReport['store']> {
  // The instance's name in the shared history (`/api/events`' `instance`), so an operator can tell whose event it is.
  const view = { ...(store.instanceId === undefined ? {} : { instance: store.instanceId }), ...(deviceView === undefined ? {} : { deviceView }) };
  return store.ready ? { url: store.shownUrl, state: 'connected', ...view } : {
    url: store.shownUrl,
    state: 'unreachable',
    ...view,
    warning: 'shared store unreachable: SUBSCRIBEs are answered without a claim; with the enrolment lock on, no PnP token is issued and no settings are served under one (503) until it is back; credentials (digest) still work',
  };
}
