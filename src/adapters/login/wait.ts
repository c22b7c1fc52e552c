/**
 * Resolves with the first candidate that fulfils, or undefined when `ms` pass or every
 * candidate has failed. Failures of the losing waits are expected (they time out or
 * the page moves on) and are swallowed.
 */
export function firstOf<T>(candidates: Array<Promise<T>>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    let pending = candidates.length;
    const timer = setTimeout(() => resolve(undefined), ms);
    const done = (value: T | undefined): void => {
      clearTimeout(timer);
      resolve(value);
    };
    for (const candidate of candidates) {
      candidate.then(done, () => {
        pending -= 1;
        if (pending === 0) done(undefined);
      });
    }
    if (pending === 0) done(undefined);
  });
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  settled: boolean;
}

export function deferred<T>(): Deferred<T> {
  let resolveFn!: (value: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((resolve) => {
      resolveFn = resolve;
    }),
    resolve(value: T) {
      if (d.settled) return;
      d.settled = true;
      resolveFn(value);
    },
    settled: false,
  };
  return d;
}
