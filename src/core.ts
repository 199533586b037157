/**
 * The core: one object holding the store, the providers and the services, shared by both APIs
 * and the CLI. Nothing in here knows about HTTP.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import { OutboundClient, OutboundPolicy } from './net/index.js';
import { ConversationGate } from './runtime/conversation-gate.js';
import { createProviderRegistry, type ProviderRegistry } from './runtime/llm/index.js';
import { RunChannels } from './runtime/run-channel.js';
import { recoverOrphanRuns, startRunSweeper } from './runtime/run-recovery.js';
import { warmTokenizer } from './runtime/tokens.js';
import { McpConnections } from './runtime/tools/mcp/mcp-connections.js';
import { sandboxConfigFromEnv, ToolSandbox } from './runtime/tools/sandbox/tool-sandbox.js';
import { Turns } from './runtime/turn.js';
import { AgentFileService } from './services/agent-files/index.js';
import { AgentService } from './services/agent-service.js';
import { ApiKeyService } from './services/api-key-service.js';
import { ArchivalService } from './services/archival-service.js';
import { ArchiveService } from './services/archive-service.js';
import { BlockService } from './services/block-service.js';
import { CallbackService } from './services/callback-service.js';
import { ContextMaintenanceService } from './services/context-maintenance-service.js';
import { ContextWindowService } from './services/context-window-service.js';
import { ConversationService } from './services/conversation-service.js';
import { CustomToolService } from './services/custom-tool-service.js';
import {
  AgentFileViews,
  FileIngest,
  FolderService,
  folderFileSearch,
  JobService,
  UploadService,
} from './services/folders/index.js';
import { McpServerService } from './services/mcp-server-service.js';
import { MessageHistory } from './services/message-history.js';
import { MessageSearch } from './services/message-search.js';
import { MessageService } from './services/message-service.js';
import { Readiness } from './services/readiness.js';
import { RunService } from './services/run-service.js';
import type { Services } from './services/services.js';
import { ToolService } from './services/tool-service.js';
import { type DatabaseHandle, migrateToLatest, openDatabase, Store } from './store/index.js';
import { newIndexState } from './store/passage-repository.js';
import { pingDatabase } from './store/ping.js';
import { acquireProcessLock } from './store/process-lock.js';
import { openRunSignals, type RunSignals } from './store/run-signals.js';

/**
 * Everything the process holds: the {@link Services} (also as `services`, which is what the HTTP
 * layer is handed), and what only the composition root and the CLI touch: the database, the store,
 * the outbound client, this process's identity and its close hooks.
 */
export interface Core extends Services {
  /** What routes receive: the services without the store (`buildApp(core.services)`). */
  services: Services;
  database: DatabaseHandle;
  store: Store;
  /** The checked HTTP client for every destination a caller names (see `src/net`). */
  outbound: OutboundClient;
  /** Run events and cancels between processes (LISTEN/NOTIFY on PostgreSQL). */
  signals: RunSignals;
  /** The background worker of file uploads (tests wait on it: `ingest.drain()`). */
  ingest: FileIngest;
  /** This process's identity, recorded as the owner of the runs it executes. */
  instanceId: string;
  /** Hooks run by {@link closeCore} (stop timers, drain runs) before the database closes. */
  onClose: Array<() => Promise<void> | void>;
}

export interface CoreOptions {
  env?: NodeJS.ProcessEnv;
  /** Skip applying migrations (tests of the migrate command). */
  skipMigrations?: boolean;
  /**
   * This process is the server for this database (the CLI's `letta server`): on SQLite, take the
   * file's process lock (a second server on the same file refuses to start) and fail the runs a
   * previous process left active.
   */
  exclusive?: boolean;
  /**
   * Do not load the tokenizer now: the caller calls `warmTokenizer()` once it listens, so the
   * tables (a third of a second) do not delay the first answer. Counts are estimated until then.
   */
  deferTokenizer?: boolean;
}

/** A readiness probe's `SELECT 1` must answer within this (Kubernetes probes time out at 1 s). */
const READINESS_PROBE_TIMEOUT_MS = 500;

/** Opens the database, applies migrations and wires the services. */
export async function createCore(
  config: ServerConfig,
  log: Logger,
  options: CoreOptions = {},
): Promise<Core> {
  const unlock = options.exclusive && !config.pgUri ? acquireProcessLock(config.sqlitePath) : undefined;
  const database = await openDatabase({
    pgUri: config.pgUri,
    sqlitePath: config.sqlitePath,
    walCheckpointBytes: config.sqliteWalCheckpointBytes,
    onCheckpointBlocked: (reason) =>
      log.warn(
        { reason },
        'SQLite WAL checkpoint could not finish; retrying (the log keeps growing meanwhile)',
      ),
    onConnectionLost: (err) =>
      log.warn(
        { err: err.message },
        'PostgreSQL connection lost; statements on it fail with 503 until it is back',
      ),
  }).catch((err: unknown) => {
    unlock?.();
    throw err;
  });
  try {
    if (!options.deferTokenizer) await warmTokenizer();
    if (!options.skipMigrations) {
      const report = await migrateToLatest(database);
      if (report.applied.length > 0) log.info({ applied: report.applied }, 'database migrated');
    }
    const store = new Store(database.db, database.dialect, newIndexState(config.hnsw));
    await store.organizations.ensureDefault();
    const providers = createProviderRegistry(options.env ?? process.env);
    const blocks = new BlockService(store, config.limits);
    const tools = new ToolService(store);
    const sandbox = new ToolSandbox({
      ...sandboxConfigFromEnv(options.env ?? process.env, config.outboundAllow),
      cacheDir: join(config.home, 'cache'),
    });
    const customTools = new CustomToolService(store, tools, sandbox);
    const outbound = new OutboundClient(new OutboundPolicy(config.outboundAllow));
    const mcp = new McpConnections({
      timeoutMs: sandbox.config.timeoutMs,
      stdioAllowed: (options.env ?? process.env).LETTA_MCP_STDIO === '1',
      fetch: outbound.fetch,
    });
    const conversations = new ConversationService(store);
    const agents = new AgentService(store, blocks, tools, conversations, {
      defaultLlmHandle: () => config.defaultLlmHandle ?? providers.defaultChatHandle(),
      defaultEmbeddingHandle: config.defaultEmbeddingHandle,
      checkModel: (model) => providers.checkChatModel(model),
      normalizeModel: (model) => normalizeModel(providers, model),
    });
    const agentFiles = new AgentFileService({
      store,
      blocks,
      tools,
      conversations,
      providers,
      defaults: {
        defaultLlmHandle: () => config.defaultLlmHandle ?? providers.defaultChatHandle(),
        defaultEmbeddingHandle: config.defaultEmbeddingHandle,
        checkModel: (model) => providers.checkChatModel(model),
        normalizeModel: (model) => normalizeModel(providers, model),
      },
      getAgent: (ctx, idOrName) => agents.get(ctx, idOrName),
    });
    const instanceId = `letta-${randomUUID()}`;
    const gate = new ConversationGate(store, config.runLeaseMs);
    const channels = new RunChannels();
    const archival = new ArchivalService(store, providers, log, config.limits);
    const callbacks = new CallbackService(store, outbound, log);
    const signals = await openRunSignals(config.pgUri, (err) =>
      log.warn({ err: err.message }, 'run signal connection (LISTEN) lost; reconnecting'),
    );
    const turns = new Turns({
      store,
      gate,
      channels,
      log,
      instanceId,
      conversationWaitMs: config.conversationWaitMs,
      defaultContextWindow: config.defaultContextWindow,
      archival: archival.tools,
      files: folderFileSearch(store, archival),
      sandbox,
      mcp,
      signals,
    });
    const messages = new MessageService({
      store,
      conversations,
      providers,
      turns,
      callbacks,
      defaultModel: () => config.defaultLlmHandle ?? providers.defaultChatHandle(),
    });
    const folders = new FolderService(store, tools, providers, config.defaultEmbeddingHandle);
    const ingest = new FileIngest(
      store,
      archival,
      log,
      join(config.home, 'uploads'),
      instanceId,
      config.runLeaseMs,
    );
    const onClose: Core['onClose'] = [];
    if (unlock) onClose.push(unlock);
    onClose.push(() => gate.close());
    onClose.push(() => outbound.close());
    if (options.exclusive || database.dialect.sharedByProcesses) {
      const failed = await recoverOrphanRuns(store, options.exclusive === true);
      if (failed > 0) log.warn({ failed }, 'marked runs of a stopped process as failed');
      const sweeper = startRunSweeper(store, config.conversationWaitMs, config.runLeaseMs, log);
      onClose.push(() => clearInterval(sweeper));
      // Upload jobs a stopped process left: all of them on a single-process SQLite server, those
      // not renewed for a lease on PostgreSQL.
      const staleBefore = options.exclusive
        ? undefined
        : new Date(Date.now() - config.runLeaseMs).toISOString();
      const jobs = await ingest.recover(staleBefore);
      if (jobs.resumed + jobs.failed > 0) log.warn(jobs, 'took over upload jobs of a stopped process');
    }
    onClose.push(() => signals.close());
    onClose.push(() => messages.drain(10_000));
    onClose.push(() => ingest.drain());
    onClose.push(() => archival.drain());
    onClose.push(() => sandbox.close());
    onClose.push(() => mcp.close());
    const services: Services = {
      config,
      log,
      providers,
      agents,
      agentFiles,
      blocks,
      tools,
      customTools,
      mcpServers: new McpServerService(store, tools, mcp, outbound, log),
      conversations,
      messages,
      history: new MessageHistory(store),
      runs: new RunService(store, signals),
      contextWindows: new ContextWindowService({
        store,
        conversations,
        providers,
        defaultContextWindow: config.defaultContextWindow,
      }),
      contextMaintenance: new ContextMaintenanceService({
        store,
        gate,
        providers,
        defaultModel: () => config.defaultLlmHandle ?? providers.defaultChatHandle(),
        defaultContextWindow: config.defaultContextWindow,
      }),
      messageSearch: new MessageSearch(store),
      archival,
      archives: new ArchiveService(store, archival, providers, config.defaultEmbeddingHandle),
      folders,
      uploads: new UploadService(store, folders, ingest),
      jobs: new JobService(store),
      agentFileViews: new AgentFileViews(store),
      apiKeys: new ApiKeyService(store),
      callbacks,
      channels,
      readiness: new Readiness(() => pingDatabase(database.db, READINESS_PROBE_TIMEOUT_MS)),
    };
    return { ...services, services, database, store, outbound, signals, ingest, instanceId, onClose };
  } catch (err) {
    await database.close().catch(() => {});
    unlock?.();
    throw err;
  }
}

/** Runs the close hooks in reverse order, then closes the database. */
export async function closeCore(core: Core): Promise<void> {
  for (const hook of core.onClose.splice(0).reverse()) {
    try {
      await hook();
    } catch (err) {
      core.log.error({ err }, 'error while closing');
    }
  }
  await core.database.close();
}

function normalizeModel(providers: ProviderRegistry, model: string): string {
  if (model.includes('/')) return model;
  try {
    return providers.resolve(model).handle;
  } catch {
    return model;
  }
}
