/**
 * Regular expressions a model wrote, run off the event loop. A pattern can backtrack for minutes
 * (`(a+)+$` on a long line), and a JavaScript regex cannot be interrupted: run in the server's
 * thread it would stall every tenant. Here it runs in a short-lived worker thread that is
 * terminated past a deadline; the caller gets a clear error instead.
 *
 * @example
 * const hits = await matchLines('err(or)?', [['a', 'error here']], 2000); // [[1]]
 */
import { Worker } from 'node:worker_threads';
import { ToolError } from './memory-edits.js';

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.pattern, 'i');
const out = workerData.texts.map((lines) => {
  const hits = [];
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) hits.push(i);
  return hits;
});
parentPort.postMessage(out);
`;

/** For each list of lines, the indexes of those `pattern` matches (case-insensitive). */
export function matchLines(pattern: string, texts: string[][], timeoutMs: number): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, {
      eval: true,
      workerData: { pattern, texts },
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(
        new ToolError(
          `The pattern '${pattern.slice(0, 100)}' took longer than ${timeoutMs / 1000} s to run: use a simpler one`,
        ),
      );
    }, timeoutMs);
    worker.once('message', (hits: number[][]) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(hits);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(new ToolError(`The pattern could not run: ${err.message}`));
    });
  });
}
