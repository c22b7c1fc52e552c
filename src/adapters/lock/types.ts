/**
 * The single-login lock: at most one Kite login at a time, across the worker, manual
 * refreshes and (with a shared back end) several machines. A lock whose holder died is
 * taken over; a lease that could not be kept is reported by `release()`.
 */
export interface LockLease {
  /** Gives the lock back. Safe to call more than once. */
  release(): Promise<void>;
}

export interface LockAcquireOptions {
  /** How long to wait for another holder before giving up with LOCK_TIMEOUT. */
  waitMs: number;
  signal?: AbortSignal | undefined;
}

export interface LoginLock {
  /** A short description for messages, e.g. `file:data/refresh.lock`. */
  readonly name: string;
  acquire(options: LockAcquireOptions): Promise<LockLease>;
}
