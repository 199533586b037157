/**
 * Process metrics in Prometheus format: memory, CPU, event-loop lag and GC (prom-client's
 * defaults) and the runs this process ended, by status and stop reason, with their durations.
 * prom-client is loaded on the first scrape, so a server nobody scrapes pays nothing for it.
 */
type PromClient = typeof import('prom-client');

export interface RunMetrics {
  runEnded(status: string, stopReason: string, seconds: number): void;
}

let registry:
  | Promise<{ client: PromClient; register: import('prom-client').Registry; observe: RunMetrics }>
  | undefined;

export function loadMetrics() {
  registry ??= import('prom-client').then((client) => {
    const register = new client.Registry();
    client.collectDefaultMetrics({ register, prefix: 'letta_' });
    const runs = new client.Counter({
      name: 'letta_runs_total',
      help: 'Runs ended by this process, by status and stop reason.',
      labelNames: ['status', 'stop_reason'],
      registers: [register],
    });
    const duration = new client.Histogram({
      name: 'letta_run_duration_seconds',
      help: 'Run duration from creation to end.',
      labelNames: ['status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [register],
    });
    const observe: RunMetrics = {
      runEnded(status, stopReason, seconds) {
        runs.inc({ status, stop_reason: stopReason });
        duration.observe({ status }, seconds);
      },
    };
    return { client, register, observe };
  });
  return registry;
}

/** Counts a run's end, once metrics have been scraped at least once (cheap no-op before). */
export const runMetrics: RunMetrics = {
  runEnded(status, stopReason, seconds) {
    if (!registry) return;
    void registry.then((r) => r.observe.runEnded(status, stopReason, seconds));
  },
};
