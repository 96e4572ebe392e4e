/** Bounds a lookup that may hang (a PBX API, a database): the phone gets 503 instead of a stuck connection. */

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/** Runs `work` and settles with its result, or rejects with DeadlineExceededError after `ms` milliseconds. */
export function withDeadline<T>(work: () => Promise<T> | T, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceededError(`${what} took longer than ${ms} ms`)), ms);
    Promise.resolve()
      .then(work)
      .then(
        (value) => { clearTimeout(timer); resolve(value); },
        (err: unknown) => { clearTimeout(timer); reject(err); },
      );
  });
}
