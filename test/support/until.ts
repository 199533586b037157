/** Polling for tests that wait on another process or a background task (no timed assertions). */

/**
 * Calls `fn` until it returns a truthy value and returns that; throws `timed out waiting for
 * <what>` after `ms`.
 *
 * @example
 * const run = await until(async () => (await getRun(id)).status === 'failed' && run, 30_000, 'the run to fail');
 */
export async function until<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
