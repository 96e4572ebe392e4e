/**
 * Recognising a Snom phone from what its PnP SUBSCRIBE says. Besides `vendor="snom"` the Snom firmware
 * lineage ships under other names: the published Snom PnP trace carries `vendor="OEM";model="OEM"`, and such
 * phones take the same provisioning files, so they count as Snom.
 */

export interface SnomHints {
  /** `vendor` parameter of the Event header. */
  vendor?: string;
  userAgent?: string;
}

const SNOM_NAME = /^snom\b/i;
const OEM = /^oem$/i;
const SNOM_USER_AGENT = /(?:^|[^a-z])snom/i;

/** True for `vendor="snom"` (any case), for the OEM lineage, or, without a vendor, for a Snom User-Agent. */
export function isSnomLineage(hints: SnomHints): boolean {
  const vendor = hints.vendor?.trim();
  if (vendor !== undefined && vendor !== '') return SNOM_NAME.test(vendor) || OEM.test(vendor);
  return hints.userAgent !== undefined && SNOM_USER_AGENT.test(hints.userAgent);
}
