/**
 * One model request's cancellation plumbing: a private AbortController linked to the caller's
 * signal (so the SDKs never pile listeners onto a long-lived run signal), plus an optional idle
 * timer for streams that aborts the request when no chunk arrives for too long.
 *
 * Invariant: `dispose()` runs in a `finally` for every request, which removes the listener and
 * clears the timer; the timer is `unref`ed so it never keeps the process alive.
 */

/** Cancellation state for one provider request. */
export class RequestGuard {
  /** Pass this to the SDK; it aborts when the caller aborts or the idle timer fires. */
  readonly signal: AbortSignal;
  /** True once the idle timer has aborted the request. */
  timedOut = false;
  readonly #controller = new AbortController();
  readonly #outer: AbortSignal | undefined;
  readonly #idleMs: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #onOuterAbort = (): void => this.#controller.abort(this.#outer?.reason);

  /**
   * @param outer the caller's signal, if any
   * @param idleMs stream idle timeout; 0 disables the timer
   * @example
   * const guard = new RequestGuard(req.signal, 300_000);
   * try { for await (const c of stream) guard.touch(); } finally { guard.dispose(); }
   */
  constructor(outer: AbortSignal | undefined, idleMs = 0) {
    this.signal = this.#controller.signal;
    this.#outer = outer;
    this.#idleMs = idleMs;
    if (!outer) return;
    if (outer.aborted) this.#controller.abort(outer.reason);
    else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  /** Marks activity: starts the idle timer on the first call and restarts it on later ones. */
  touch(): void {
    if (this.#idleMs <= 0) return;
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new Error('stream idle timeout'));
    }, this.#idleMs);
    this.#timer.unref();
  }

  /** True when the caller's signal has aborted. */
  get callerAborted(): boolean {
    return this.#outer?.aborted ?? false;
  }

  /** Stops the timer and unlinks from the caller's signal. Idempotent. */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}
