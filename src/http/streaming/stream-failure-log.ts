/**
 * A streamed send answers 200 before the run ends, so the error handler never sees a failure
 * that happens mid-stream: this logs it the way the error handler logs a non-streamed one
 * (`warn`, "request failed", with code and detail, for server-side faults).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { RunHandle } from '../../services/message-service.js';

/**
 * Logs the run's error once it ends, if it failed with a 5xx error.
 *
 * @example
 * logStreamFailure(req.log, handle); // {"level":40,"code":"LLM_ERROR","detail":"…","msg":"request failed"}
 */
export function logStreamFailure(log: FastifyBaseLogger, handle: RunHandle): void {
  handle.done.then(
    (result) => {
      const err = result.error;
      if (err && err.status >= 500) {
        log.warn(
          { code: err.code, detail: err.message, run_id: handle.run.id, streamed: true },
          'request failed',
        );
      }
    },
    () => {},
  );
}
