/**
 * The model's grep pattern runs in a worker with a deadline: a pattern that backtracks for
 * minutes ends as a tool error after the deadline, and the server's event loop keeps running
 * meanwhile.
 */
import { describe, expect, it } from 'vitest';
import { ToolError } from '../src/runtime/tools/memory-edits.js';
import { matchLines } from '../src/runtime/tools/regex-in-worker.js';

describe('regular expressions from the model', () => {
  it('finds the matching lines of each text, case-insensitively', async () => {
    expect(await matchLines('err(or)?', [['ok', 'ERROR here', 'err'], [], ['none']], 5_000)).toEqual([
      [1, 2],
      [],
      [],
    ]);
  });

  it('stops a catastrophic pattern at the deadline without stalling the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    const slow = matchLines('(a+)+$', [[`${'a'.repeat(40)}!`]], 600);
    await expect(slow).rejects.toBeInstanceOf(ToolError);
    await expect(slow).rejects.toThrow(/took longer than 0.6 s/);
    clearInterval(timer);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ticks).toBeGreaterThan(10); // the loop ran while the pattern backtracked
  });
});
