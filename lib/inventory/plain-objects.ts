/** Small helpers for the plain objects the inventory builds. */

/** A copy without the keys whose value is `undefined`, so resolved devices carry only what was said. */
export function definedOnly<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** Freezes a value and everything inside it (Maps excepted): loaded devices are shared by every request. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
