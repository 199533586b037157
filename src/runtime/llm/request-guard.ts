/**
 * One model request's cancellation plumbing: a private AbortController linked to the caller's
 * signal (so the SDKs never pile listeners onto a long-lived run signal), an optional deadline
 * until the response starts (retries included: `LETTA_LLM_REQUEST_TIMEOUT_SECONDS` means the
 * whole wait, not each attempt's), and an optional idle timer for streams that aborts the request
 * when no chunk arrives for too long.
 *
 * Invariant: `dispose()` runs in a `finally` for every request, which removes the listener and
 * clears the timer; the timer is `unref`ed so it never keeps the process alive.
 */
import { LettaError } from '../../errors.js';
import type { ChatResult, ChatStreamEvent } from './types.js';

/** Cancellation state for one provider request. */
export class RequestGuard {
  /** Pass this to the SDK; it aborts when the caller aborts or the idle timer fires. */
  readonly signal: AbortSignal;
  /** True once the idle timer has aborted the request. */
  timedOut = false;
  /** True once the deadline passed before the response started. */
  deadlineExceeded = false;
  #deadline: NodeJS.Timeout | undefined;
  readonly #controller = new AbortController();
  readonly #outer: AbortSignal | undefined;
  readonly #idleMs: number;
  #timer: NodeJS.Timeout | undefined;
  readonly #onOuterAbort = (): void => this.#controller.abort(this.#outer?.reason);

  /**
   * @param outer the caller's signal, if any
   * @param idleMs stream idle timeout; 0 disables the timer
   * @param deadlineMs time allowed until the response starts (`started()`), every retry
   *   included; 0 disables it
   * @example
   * const guard = new RequestGuard(req.signal, 300_000, 60_000);
   * try { for await (const c of stream) { guard.started(); guard.touch(); } } finally { guard.dispose(); }
   */
  constructor(outer: AbortSignal | undefined, idleMs = 0, deadlineMs = 0) {
    this.signal = this.#controller.signal;
    this.#outer = outer;
    this.#idleMs = idleMs;
    if (deadlineMs > 0) {
      this.#deadline = setTimeout(() => {
        this.deadlineExceeded = true;
        this.#controller.abort(new Error('model request deadline'));
      }, deadlineMs);
      this.#deadline.unref();
    }
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

  /** The response has started (a first chunk arrived): the deadline no longer applies. */
  started(): void {
    if (!this.#deadline) return;
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  /** True when the caller's signal has aborted. */
  get callerAborted(): boolean {
    return this.#outer?.aborted ?? false;
  }

  /** Stops the timer and unlinks from the caller's signal. Idempotent. */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = undefined;
    this.#timer = undefined;
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}

/** Turns one provider's stream chunks into {@link ChatStreamEvent}s. */
export interface StreamAccumulator<C> {
  push(chunk: C): Iterable<ChatStreamEvent>;
  /** The provider said the model finished (a finish reason, `message_stop`). */
  readonly finished: boolean;
  result(): ChatResult;
}

/**
 * A provider's stream under its guard, the same for every provider: the first chunk starts the
 * response (ending the deadline), every chunk resets the idle timer, and a stream that ends
 * quietly before the model finished (the caller aborted, the idle timer fired, a truncated
 * body) is an error, like any failure, which `fail` maps. Yields the events, then one `done`;
 * the guard is disposed however it ends.
 */
export async function* guardedStream<C>(
  guard: RequestGuard,
  provider: string,
  chunks: AsyncIterable<C>,
  acc: StreamAccumulator<C>,
  fail: (err: unknown) => Error,
): AsyncGenerator<ChatStreamEvent> {
  try {
    guard.touch();
    for await (const chunk of chunks) {
      guard.started();
      guard.touch();
      for (const event of acc.push(chunk)) yield event;
    }
    if (guard.callerAborted || guard.timedOut || !acc.finished)
      throw new LettaError(
        'LLM_ERROR',
        `LLM provider '${provider}' ended the stream before the model finished`,
      );
  } catch (err) {
    throw fail(err);
  } finally {
    guard.dispose();
  }
  yield { type: 'done', result: acc.result() };
}
