/**
 * Traces (OpenTelemetry), off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set. A base module: any
 * layer may wrap work in {@link span}. When tracing is off, `span` calls its function and nothing
 * else happens: no `@opentelemetry` package is imported (they load with `import()` in
 * {@link startTelemetry}, which `letta server` calls only when the variable is set).
 *
 * Spans nest through an AsyncLocalStorage of this module (the SDK's context manager is not used):
 * a span started inside another's function is its child. {@link enterSpan} opens a span for the
 * rest of the current async function (a step of a run's loop); the next `enterSpan` at the same
 * level ends it, and so does the end of the enclosing {@link span}.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger.js';

/** Attribute values a span carries. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** The part of an OpenTelemetry span this module uses. */
interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(err: Error): unknown;
  end(): void;
}

interface Tracing {
  start(name: string, attrs: SpanAttributes, parent: OtelSpan | undefined): OtelSpan;
  shutdown(): Promise<void>;
}

/** A span in progress, as this module tracks it. */
export interface Frame {
  span: OtelSpan;
  /** Where the next span opened by `enterSpan` from within this frame hangs. */
  parent: Frame | undefined;
  /** Opened by `enterSpan`: a later `enterSpan` at the same level replaces it. */
  entered: boolean;
  /** Entered spans still open under this one, ended with it. */
  open: Frame[];
  ended: boolean;
}

const ERROR = 2; // SpanStatusCode.ERROR
let tracing: Tracing | undefined;
const current = new AsyncLocalStorage<Frame>();

/** Whether spans are being recorded (after {@link startTelemetry} with an endpoint). */
export function tracingOn(): boolean {
  return tracing !== undefined;
}

/**
 * Runs `fn` in a span named `name` (a child of the current one); `fn` may add attributes with
 * `set`. Just `fn(noop)` when tracing is off.
 */
export function span<T>(
  name: string,
  attrs: SpanAttributes,
  fn: (set: (attrs: SpanAttributes) => void) => Promise<T>,
): Promise<T> {
  if (!tracing) return fn(noop);
  const frame = open(name, attrs, current.getStore());
  const set = (more: SpanAttributes) => setAttributes(frame, more);
  return current.run(frame, async () => {
    try {
      return await fn(set);
    } catch (err) {
      fail(frame, err);
      throw err;
    } finally {
      close(frame);
    }
  });
}

/**
 * Opens a span for the rest of the calling async function (its later awaits included) and returns
 * its `end`; a following `enterSpan` from the same place ends it first, the enclosing span's end
 * ends it at the latest. A no-op when tracing is off.
 */
export function enterSpan(name: string, attrs: SpanAttributes): () => void {
  if (!tracing) return noop;
  let base = current.getStore();
  while (base?.entered) {
    close(base);
    base = base.parent;
  }
  const frame = open(name, attrs, base, true);
  base?.open.push(frame);
  current.enterWith(frame);
  return () => close(frame);
}

/**
 * Starts a span that a caller ends itself (an HTTP request: hooks open and close it); `root`: a
 * trace of its own, not a child of the current span.
 */
export function startSpan(name: string, attrs: SpanAttributes, root = false): Frame | undefined {
  return tracing ? open(name, attrs, root ? undefined : current.getStore()) : undefined;
}

/** Runs `fn` (and what it starts) with `frame` as the current span. */
export function withFrame<T>(frame: Frame | undefined, fn: () => T): T {
  return frame ? current.run(frame, fn) : fn();
}

/** Ends a span from {@link startSpan}, with more attributes. */
export function endSpan(frame: Frame | undefined, attrs: SpanAttributes = {}, error = false): void {
  if (!frame) return;
  setAttributes(frame, attrs);
  if (error) frame.span.setStatus({ code: ERROR });
  close(frame);
}

function open(name: string, attrs: SpanAttributes, under: Frame | undefined, entered = false): Frame {
  let parent = under;
  while (parent?.entered && parent.ended) parent = parent.parent;
  const span = (tracing as Tracing).start(name, attrs, parent?.span);
  return { span, parent, entered, open: [], ended: false };
}

function setAttributes(frame: Frame, attrs: SpanAttributes): void {
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) frame.span.setAttribute(k, v);
}

function fail(frame: Frame, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  frame.span.recordException(e);
  frame.span.setStatus({ code: ERROR, message: e.message });
}

function close(frame: Frame): void {
  if (frame.ended) return;
  frame.ended = true;
  for (const child of frame.open) close(child);
  frame.span.end();
}

function noop(): void {}

/**
 * Starts tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
 * set: spans go by OTLP over HTTP (JSON) in batches, as the `OTEL_*` variables configure
 * (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`, …). Returns the shutdown that flushes them,
 * or undefined when tracing stays off.
 */
export async function startTelemetry(
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<(() => Promise<void>) | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  if (tracing) return () => tracing?.shutdown() ?? Promise.resolve();
  const [api, sdk, otlp, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new sdk.BasicTracerProvider({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'letta-ts' })),
    spanProcessors: [new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter())],
  });
  const tracer = provider.getTracer('letta-ts');
  tracing = {
    start(name, attrs, parent) {
      const ctx = parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent as never) : api.ROOT_CONTEXT;
      const clean: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = v;
      return tracer.startSpan(name, { attributes: clean }, ctx);
    },
    async shutdown() {
      tracing = undefined;
      await provider.shutdown();
    },
  };
  const where = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  log.info({ endpoint: where }, 'tracing: OpenTelemetry spans go to the OTLP endpoint');
  return () => tracing?.shutdown() ?? Promise.resolve();
}
