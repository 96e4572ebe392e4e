/** Small helpers for the plain objects the inventory builds. */

/** A copy without the keys whose value is `undefined`, so resolved devices carry only what was said. */
export function definedOnly<T extends object>(obj: T): T {
  // A loop, not fromEntries(entries().filter()): this runs several times per device of a 100,000-device file.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const v = (obj as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}

/** Freezes a value and everything inside it (Maps excepted): loaded devices are shared by every request. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
