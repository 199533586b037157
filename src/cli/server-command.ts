/**
 * `letta server`: resolve the configuration (flags beat env beat defaults), open and migrate the
 * database, build the app, listen, print one line saying where. On SIGTERM/SIGINT: readiness
 * fails and answers say `Connection: close` (draining), stop accepting, answer every request
 * that reached the server, close idle connections (`app.close()`, see `http/drain.ts`), close the
 * core, exit 0. A second signal, or a drain longer than {@link SHUTDOWN_TIMEOUT_MS}, exits at once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resolveConfig, type ServerConfig, type ServerFlags } from '../config.js';
import { type Core, closeCore, createCore } from '../core.js';
import { buildApp, httpsOptions } from '../http/app.js';
import { createLogger } from '../logger.js';
import { warmTokenizer } from '../runtime/tokens.js';
import { startTelemetry } from '../telemetry.js';

export const SHUTDOWN_TIMEOUT_MS = 30_000;

/** A user-facing startup failure: printed as one line, exit code 1. */
export class StartupError extends Error {}

/** Runs the server until a shutdown signal; resolves with the exit code. */
export async function runServer(flags: ServerFlags): Promise<number> {
  const config = resolveConfig(flags, process.env);
  httpsOptions(config); // fail on unreadable TLS files before touching the database
  const log = createLogger(config.logLevel);
  // Only with OTEL_EXPORTER_OTLP_ENDPOINT set: otherwise no OpenTelemetry module loads.
  const stopTelemetry = await startTelemetry(process.env, log);
  // exclusive: this process is the server for the database (SQLite file lock; orphaned runs of a
  // killed predecessor are failed at start, then swept).
  const core = await createCore(config, log, { exclusive: true, deferTokenizer: true });
  prewarmSandbox(core);
  let app: FastifyInstance;
  // Ask OpenAI-compatible endpoints what they serve while the app builds (model checks at agent
  // creation, the default model, the console's model list); announced when it takes a while.
  const discovery = discoverModels(core);
  try {
    await checkCredentials(core);
    app = await buildApp(core.services);
    await listen(app, config);
  } catch (err) {
    await closeCore(core).catch(() => {});
    await stopTelemetry?.().catch(() => {});
    throw err;
  }
  const url = baseUrl(app, config);
  const models = await discovery;
  // One write, so whoever waits for the listening line also sees the lines after it.
  let banner = `letta-ts listening on ${url} (${core.database.dialect.name}: ${core.database.location})\n`;
  banner += `letta-ts console: ${url}/console  API docs: ${url}/docs\n`;
  if (models) banner += `letta-ts models: ${models}\n`;
  if (config.docs) {
    const file = join(process.cwd(), 'openapi.json');
    writeFileSync(file, `${JSON.stringify(app.swagger(), null, 2)}\n`);
    banner += `letta-ts API docs at ${url}/docs (OpenAPI spec: ${url}/openapi.json, written to ${file})\n`;
  }
  process.stdout.write(banner);
  if (core.providers.providers.length === 0) log.warn(NO_PROVIDER_WARNING);
  // The tokenizer tables load once the server answers (counts are estimated until then).
  setImmediate(() => void warmTokenizer());
  if (config.apiKey && config.apiKey.length < 16 && (config.auth || config.secure)) {
    log.warn('LETTA_API_KEY is shorter than 16 characters: use a long random key');
  }
  return waitForShutdown(app, core, stopTelemetry);
}

/**
 * Loads the Python sandbox's workers now, in the background while the app builds, so the first
 * tool call is warm (a worker restored from the cached memory snapshot is ready in about a
 * second); with `auto`, only when there is Python to run (each warm worker holds ~100 MiB).
 */
function prewarmSandbox(core: Core): void {
  const sandbox = core.customTools.sandbox;
  if (sandbox.config.prewarm === 'never') return;
  void (async () => {
    const wanted =
      sandbox.config.prewarm === 'always' || (await core.store.tools.pythonInUse().catch(() => true));
    if (wanted) await sandbox.warm();
  })().catch(() => undefined);
}

/** Logged at start when no model provider is configured. */
export const NO_PROVIDER_WARNING =
  'No model provider is configured: agents cannot answer. Set OPENAI_API_KEY, OPENAI_BASE_URL (any ' +
  'OpenAI-compatible server; `letta dev-model` runs a scripted one), ANTHROPIC_API_KEY or OLLAMA_BASE_URL and restart';

/**
 * Refreshes the providers' model lists (3 s at most) and says what was found, in one line:
 * `openai at http://…/v1: 3 models, new agents default to openai/x`. Prints a notice when the
 * endpoints take more than 1.5 s.
 */
async function discoverModels(core: Core): Promise<string | undefined> {
  const { providers } = core;
  if (providers.providers.length === 0) return undefined;
  const notice = setTimeout(() => {
    const where = providers.providers.map((p) => p.endpoint).join(', ');
    process.stdout.write(`letta-ts: asking ${where} for its models (up to 3 s)…\n`);
  }, 1500);
  const reports = await providers.refresh({ timeoutMs: 3000 }).finally(() => clearTimeout(notice));
  const parts = providers.providers.map((p) => {
    const report = reports.find((r) => r.provider === p.name);
    const found = !report
      ? ''
      : report.ok
        ? `: ${report.models} models`
        : `: model list unavailable (${report.error ?? 'no answer'}), any model name accepted`;
    return `${p.name} at ${p.endpoint}${found}`;
  });
  const fallback = core.config.defaultLlmHandle ?? providers.defaultChatHandle();
  const tail = fallback
    ? `; agents created without a model use ${fallback}`
    : '; agents need a model (set LETTA_DEFAULT_LLM_HANDLE for a default)';
  return `${parts.join('; ')}${tail}`;
}

/**
 * `--auth`/`--secure` with no way in would lock everyone out: refuse unless LETTA_API_KEY,
 * LETTA_SERVER_PASSWORD or a stored (unrevoked) API key exists.
 */
async function checkCredentials(core: Core): Promise<void> {
  const { config } = core;
  if (!(config.auth || config.secure) || config.apiKey || config.serverPassword) return;
  if (await core.apiKeys.anyActive()) return;
  if (config.auth) {
    throw new StartupError(
      '--auth needs an API key: set LETTA_API_KEY (e.g. export LETTA_API_KEY=$(openssl rand -hex 32)) or create one with: letta keys create --org <name>',
    );
  }
  throw new StartupError(
    '--secure needs a password: set LETTA_SERVER_PASSWORD (or LETTA_API_KEY, or create a key with: letta keys create --org <name>)',
  );
}

async function listen(app: FastifyInstance, config: ServerConfig): Promise<void> {
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close().catch(() => {});
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new StartupError(`port ${config.port} is already in use on ${config.host}`);
    if (code === 'EACCES')
      throw new StartupError(`permission denied to listen on ${config.host}:${config.port}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new StartupError(`cannot listen on ${config.host}: no such local address`);
    }
    throw err;
  }
}

function baseUrl(app: FastifyInstance, config: ServerConfig): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.sslCert ? 'https' : 'http'}://${host}:${port}`;
}

function waitForShutdown(
  app: FastifyInstance,
  core: Core,
  stopTelemetry: (() => Promise<void>) | undefined,
): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        core.log.warn({ signal }, 'second signal: exiting without draining');
        process.exit(1);
      }
      stopping = true;
      core.readiness.startDraining();
      core.log.info({ signal }, 'shutting down: draining in-flight requests');
      const timer = setTimeout(() => {
        core.log.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000}s: exiting`);
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      void (async () => {
        let code = 0;
        try {
          await app.close();
          await closeCore(core);
          await stopTelemetry?.(); // the last spans go out
        } catch (err) {
          core.log.error({ err }, 'error during shutdown');
          code = 1;
        }
        clearTimeout(timer);
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve(code);
      })();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
