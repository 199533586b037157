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

export const SHUTDOWN_TIMEOUT_MS = 30_000;

/** A user-facing startup failure: printed as one line, exit code 1. */
export class StartupError extends Error {}

/** Runs the server until a shutdown signal; resolves with the exit code. */
export async function runServer(flags: ServerFlags): Promise<number> {
  const config = resolveConfig(flags, process.env);
  httpsOptions(config); // fail on unreadable TLS files before touching the database
  const log = createLogger(config.logLevel);
  // exclusive: this process is the server for the database (SQLite file lock; orphaned runs of a
  // killed predecessor are failed at start, then swept).
  const core = await createCore(config, log, { exclusive: true, deferTokenizer: true });
  let app: FastifyInstance;
  try {
    await checkCredentials(core);
    app = await buildApp(core);
    await listen(app, config);
  } catch (err) {
    await closeCore(core).catch(() => {});
    throw err;
  }
  const url = baseUrl(app, config);
  // One write, so whoever waits for the listening line also sees the docs line.
  let banner = `letta-ts listening on ${url} (${core.database.dialect}: ${core.database.location})\n`;
  if (config.docs) {
    const file = join(process.cwd(), 'openapi.json');
    writeFileSync(file, `${JSON.stringify(app.swagger(), null, 2)}\n`);
    banner += `letta-ts API docs at ${url}/docs (OpenAPI spec: ${url}/openapi.json, written to ${file})\n`;
  }
  process.stdout.write(banner);
  // The tokenizer tables load once the server answers (counts are estimated until then).
  setImmediate(() => void warmTokenizer());
  // Load the Python sandbox's workers now, in the background, so the first tool call is warm.
  if (core.customTools.sandbox.config.prewarm) setImmediate(() => void core.customTools.sandbox.warm());
  if (config.apiKey && config.apiKey.length < 16 && (config.auth || config.secure)) {
    log.warn('LETTA_API_KEY is shorter than 16 characters: use a long random key');
  }
  return waitForShutdown(app, core);
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

function waitForShutdown(app: FastifyInstance, core: Core): Promise<number> {
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
