/** The client's errors: the server's `{detail, code}` answers, and unreachable servers. */

/** The server answered with an error status: its `status`, catalog `code` and `detail`. */
export class LettaApiError extends Error {
  override readonly name = 'LettaApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** `METHOD url` of the request. */
    readonly request: string,
    /** The server's hint (seconds) on a 429. */
    readonly retryAfter?: number,
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

/** The server could not be reached (or the stream broke); the message names the URL. */
export class LettaConnectionError extends Error {
  override readonly name = 'LettaConnectionError';
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    const reason = (options?.cause as Error | undefined)?.message ?? 'connection failed';
    super(`Cannot reach ${url}: ${reason}`, options);
  }
}

/** The streamed run failed: thrown after the stream's last line, with the server's code. */
export class LettaStreamError extends Error {
  override readonly name = 'LettaStreamError';
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly runId: string | undefined,
  ) {
    super(`${code}: ${detail}`);
  }
}
