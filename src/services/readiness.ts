/**
 * Readiness, for load balancers and Kubernetes probes (liveness is `/health`): this process
 * should get new requests unless it is draining (a shutdown signal came) or its database does
 * not answer. The database is asked at most once per `cacheMs` (probes from many balancers do
 * not hammer it) and one probe at a time; a probe that takes longer than `timeoutMs` counts as
 * a failure.
 *
 * @example
 * const readiness = new Readiness(() => pingDatabase(db, 500));
 * const state = await readiness.check(); // { ready: true } | { ready: false, reason, detail }
 * readiness.startDraining(); // from now on every check is not ready
 */

export type ReadinessState =
  | { ready: true }
  | { ready: false; reason: 'draining' | 'database'; detail: string };

export interface ReadinessOptions {
  /** How long a probe result is reused (default 1000 ms). */
  cacheMs?: number;
}

export class Readiness {
  private drainingSince: number | undefined;
  private last: { at: number; error: string | undefined } | undefined;
  private inFlight: Promise<string | undefined> | undefined;
  private readonly cacheMs: number;

  /** `probe` resolves when the database answers and rejects (or times out) when it does not. */
  constructor(
    private readonly probe: () => Promise<void>,
    options: ReadinessOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
  }

  /** Whether a shutdown has begun: answers say `Connection: close`, readiness fails. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  async check(): Promise<ReadinessState> {
    if (this.draining) return { ready: false, reason: 'draining', detail: 'the server is shutting down' };
    const error = await this.databaseError();
    if (this.draining) return { ready: false, reason: 'draining', detail: 'the server is shutting down' };
    if (error !== undefined)
      return { ready: false, reason: 'database', detail: `database unreachable: ${error}` };
    return { ready: true };
  }

  /** The last probe's error (undefined when the database answered), probing again when stale. */
  private databaseError(): Promise<string | undefined> {
    const last = this.last;
    if (last && Date.now() - last.at < this.cacheMs) return Promise.resolve(last.error);
    this.inFlight ??= this.probe().then(
      () => this.remember(undefined),
      (err: unknown) => this.remember(err instanceof Error ? err.message : String(err)),
    );
    return this.inFlight;
  }

  private remember(error: string | undefined): string | undefined {
    this.last = { at: Date.now(), error };
    this.inFlight = undefined;
    return error;
  }
}
