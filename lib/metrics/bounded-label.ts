/**
 * Label values chosen by phones (a model name, a vendor parameter) must not grow the number of time series without
 * bound: the first `max` distinct values that look like names are kept, everything else becomes `other`.
 */
export class BoundedLabel {
  readonly #seen = new Set<string>();

  constructor(readonly max: number) {}

  value(raw: string | undefined): string {
    if (raw === undefined || raw === '') return 'none';
    // The common case, a value already kept, without the trim and the pattern.
    if (this.#seen.has(raw)) return raw;
    const v = raw.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/.test(v)) return 'other';
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= this.max) return 'other';
    this.#seen.add(v);
    return v;
  }
}
