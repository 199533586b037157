/**
 * Server configuration: flags beat environment variables beat defaults. Resolved once at start;
 * nothing else reads `process.env` for server settings.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LettaError } from './errors.js';
import { DEFAULT_HNSW, type HnswSettings } from './hnsw-settings.js';
import { parseLimits, type RequestLimits } from './limits.js';
import { type OutboundAllow, parseOutboundAllow } from './net/address-policy.js';

export interface RateLimitConfig {
  max: number;
  windowMs: number;
  /** As written by the user, e.g. `100/minute`. */
  text: string;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** `false`: no CORS headers; `true`: any origin; a list: only those origins. */
  cors: boolean | string[];
  auth: boolean;
  secure: boolean;
  docs: boolean;
  home: string;
  sqlitePath: string;
  pgUri: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of this deployment's keys in Redis (LETTA_REDIS_PREFIX, default `letta-rate-limit:`). */
  redisPrefix: string;
  apiKey: string | undefined;
  serverPassword: string | undefined;
  rateLimit: RateLimitConfig | undefined;
  bodyLimit: number;
  /** Largest agent file `POST /v1/agents/import` takes (LETTA_AGENT_FILE_LIMIT, default 50mb). */
  agentFileLimit: number;
  /** Largest file `POST /v1/folders/{id}/upload` takes (LETTA_FILE_UPLOAD_LIMIT, default 100mb). */
  fileUploadLimit: number;
  sslCert: string | undefined;
  sslKey: string | undefined;
  logLevel: string;
  defaultLlmHandle: string | undefined;
  defaultEmbeddingHandle: string | undefined;
  /** How long a send waits for a busy conversation before 409 CONVERSATION_BUSY. */
  conversationWaitMs: number;
  keepaliveMs: number;
  maxBatchSize: number;
  /** How long a conversation claim outlives its last renewal (crash recovery; LETTA_RUN_LEASE_MS). */
  runLeaseMs: number;
  /** Context window for agents without `context_window_limit` (LETTA_DEFAULT_CONTEXT_WINDOW). */
  defaultContextWindow: number;
  /**
   * `--trust-proxy` (LETTA_TRUST_PROXY): take the client address from `X-Forwarded-For`.
   * `true` trusts every hop, a number that many hops, a list only those proxy addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** A client must send its request headers within this time (LETTA_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** ... and its whole request within this time (LETTA_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** A socket idle this long is closed (LETTA_IDLE_TIMEOUT_MS; streams send keepalives). */
  connectionTimeoutMs: number;
  /** SQLite WAL size that triggers a truncating checkpoint (LETTA_SQLITE_WAL_CHECKPOINT_MB). */
  sqliteWalCheckpointBytes: number;
  /**
   * PostgreSQL archival search (pgvector HNSW): LETTA_HNSW_M, LETTA_HNSW_EF_CONSTRUCTION (apply to
   * indexes built afterwards), LETTA_HNSW_EF_SEARCH, LETTA_HNSW_BUILD_MEMORY,
   * LETTA_HNSW_BUILD_WORKERS. Defaults measured in bench/RESULTS.md (archival section).
   */
  hnsw: HnswSettings;
  /** Destinations callers may point the server at despite the address policy (LETTA_OUTBOUND_ALLOW). */
  outboundAllow: OutboundAllow;
  /** Extra `Host` names served without --auth (`--allowed-hosts`, LETTA_ALLOWED_HOSTS; `*`: any). */
  allowedHosts: string[];
  /** What one request may make the server do (src/limits.ts; README, "Limits"). */
  limits: RequestLimits;
}

/** The flags `letta server` accepts (commander's parsed options). */
export interface ServerFlags {
  host?: string;
  port?: string;
  cors?: boolean | string;
  auth?: boolean;
  secure?: boolean;
  docs?: boolean;
  pgUri?: string;
  redisUrl?: string;
  rateLimit?: string;
  bodyLimit?: string;
  sslCert?: string;
  sslKey?: string;
  logLevel?: string;
  trustProxy?: boolean | string;
  allowedHosts?: string;
  outboundAllow?: string;
}

export function resolveConfig(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const home = env.LETTA_HOME || join(homedir(), '.letta');
  const port = parsePort(flags.port ?? env.LETTA_PORT ?? '8283');
  const corsText = flags.cors ?? env.LETTA_CORS;
  return {
    host: flags.host ?? env.LETTA_HOST ?? '127.0.0.1',
    port,
    cors: parseCors(corsText),
    auth: flags.auth ?? truthy(env.LETTA_AUTH),
    secure: flags.secure ?? truthy(env.LETTA_SERVER_SECURE),
    docs: flags.docs ?? false,
    home,
    sqlitePath: env.LETTA_SQLITE_PATH || join(home, 'letta.db'),
    pgUri: flags.pgUri || env.LETTA_PG_URI || undefined,
    redisUrl: flags.redisUrl || env.LETTA_REDIS_URL || undefined,
    redisPrefix: env.LETTA_REDIS_PREFIX || 'letta-rate-limit:',
    apiKey: env.LETTA_API_KEY || undefined,
    serverPassword: env.LETTA_SERVER_PASSWORD || undefined,
    rateLimit: parseRateLimit(flags.rateLimit ?? env.LETTA_RATE_LIMIT),
    bodyLimit: parseSize(flags.bodyLimit ?? env.LETTA_BODY_LIMIT ?? '1mb'),
    agentFileLimit: parseSize(env.LETTA_AGENT_FILE_LIMIT ?? '50mb'),
    fileUploadLimit: parseSize(env.LETTA_FILE_UPLOAD_LIMIT ?? '100mb'),
    sslCert: flags.sslCert ?? env.LETTA_SSL_CERT,
    sslKey: flags.sslKey ?? env.LETTA_SSL_KEY,
    logLevel: flags.logLevel ?? env.LETTA_LOG_LEVEL ?? 'info',
    defaultLlmHandle: env.LETTA_DEFAULT_LLM_HANDLE || undefined,
    defaultEmbeddingHandle: env.LETTA_DEFAULT_EMBEDDING_HANDLE || undefined,
    conversationWaitMs: parseIntSetting('LETTA_CONVERSATION_WAIT_MS', env.LETTA_CONVERSATION_WAIT_MS, 30_000),
    keepaliveMs: parseIntSetting('LETTA_KEEPALIVE_INTERVAL', env.LETTA_KEEPALIVE_INTERVAL, 20) * 1000,
    maxBatchSize: parseIntSetting('LETTA_MAX_BATCH_SIZE', env.LETTA_MAX_BATCH_SIZE, 100),
    runLeaseMs: Math.max(parseIntSetting('LETTA_RUN_LEASE_MS', env.LETTA_RUN_LEASE_MS, 30_000), 300),
    defaultContextWindow: parseIntSetting(
      'LETTA_DEFAULT_CONTEXT_WINDOW',
      env.LETTA_DEFAULT_CONTEXT_WINDOW,
      32_000,
    ),
    trustProxy: parseTrustProxy(flags.trustProxy ?? env.LETTA_TRUST_PROXY),
    headersTimeoutMs: parseIntSetting('LETTA_HEADERS_TIMEOUT_MS', env.LETTA_HEADERS_TIMEOUT_MS, 10_000),
    requestTimeoutMs: parseIntSetting('LETTA_REQUEST_TIMEOUT_MS', env.LETTA_REQUEST_TIMEOUT_MS, 60_000),
    connectionTimeoutMs: parseIntSetting('LETTA_IDLE_TIMEOUT_MS', env.LETTA_IDLE_TIMEOUT_MS, 600_000),
    sqliteWalCheckpointBytes:
      Math.max(parseIntSetting('LETTA_SQLITE_WAL_CHECKPOINT_MB', env.LETTA_SQLITE_WAL_CHECKPOINT_MB, 32), 1) *
      1024 *
      1024,
    hnsw: parseHnsw(env),
    outboundAllow: parseOutboundAllow(flags.outboundAllow ?? env.LETTA_OUTBOUND_ALLOW),
    allowedHosts: parseAllowedHosts(flags.allowedHosts ?? env.LETTA_ALLOWED_HOSTS),
    limits: parseLimits(env),
  };
}

/** HNSW settings from the environment, range-checked (pgvector's own limits). */
export function parseHnsw(env: NodeJS.ProcessEnv): HnswSettings {
  const int = (name: string, fallback: number, min: number, max: number) => {
    const n = parseIntSetting(name, env[name], fallback);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new LettaError(
        'BAD_REQUEST',
        `invalid ${name} '${env[name]}': expected an integer from ${min} to ${max}`,
      );
    return n;
  };
  const m = int('LETTA_HNSW_M', DEFAULT_HNSW.m, 2, 100);
  const efConstruction = int('LETTA_HNSW_EF_CONSTRUCTION', DEFAULT_HNSW.efConstruction, 4, 1000);
  if (efConstruction < 2 * m)
    throw new LettaError(
      'BAD_REQUEST',
      `invalid LETTA_HNSW_EF_CONSTRUCTION '${efConstruction}': must be at least twice LETTA_HNSW_M (${m})`,
    );
  const buildMemory = env.LETTA_HNSW_BUILD_MEMORY || DEFAULT_HNSW.buildMemory;
  if (!/^\d+\s*(kB|MB|GB|TB)$/.test(buildMemory))
    throw new LettaError(
      'BAD_REQUEST',
      `invalid LETTA_HNSW_BUILD_MEMORY '${buildMemory}': expected e.g. 512MB or 2GB`,
    );
  return {
    m,
    efConstruction,
    efSearch: int('LETTA_HNSW_EF_SEARCH', DEFAULT_HNSW.efSearch, 1, 1000),
    buildMemory,
    buildWorkers: int('LETTA_HNSW_BUILD_WORKERS', DEFAULT_HNSW.buildWorkers, 0, 64),
  };
}

/** `--allowed-hosts`: host names (`*.example.com` for subdomains) or `*` for any (IPs always pass). */
export function parseAllowedHosts(v: string | undefined): string[] {
  const hosts = (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
  for (const h of hosts) {
    if (h !== '*' && !/^(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(h) && !/^\[?[0-9a-f:.]+\]?$/.test(h))
      throw new LettaError('BAD_REQUEST', `invalid --allowed-hosts entry '${h}': expected a host name`);
  }
  return hosts;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v);
}

/** `--trust-proxy`: on/off, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
export function parseTrustProxy(v: boolean | string | undefined): boolean | number | string[] {
  if (v === undefined || v === false || v === '' || /^(0|false|no|off)$/i.test(String(v))) return false;
  if (v === true || /^(true|yes|on)$/i.test(v)) return true;
  if (/^\d+$/.test(v)) return Number(v);
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const a of list) {
    if (!/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(a) && !/^(loopback|linklocal|uniquelocal)$/.test(a)) {
      throw new LettaError(
        'BAD_REQUEST',
        `invalid --trust-proxy '${a}': expected true, a hop count or proxy addresses`,
      );
    }
  }
  return list;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new LettaError('BAD_REQUEST', `invalid port '${text}': expected an integer from 0 to 65535`);
  }
  return n;
}

function parseCors(v: boolean | string | undefined): boolean | string[] {
  if (v === undefined || v === false) return false;
  if (v === true || v === '' || v === '*' || v === 'true') return true;
  const origins = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o)) {
      throw new LettaError(
        'BAD_REQUEST',
        `invalid CORS origin '${o}': expected e.g. https://app.example.com`,
      );
    }
  }
  return origins;
}

const WINDOWS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000 };

export function parseRateLimit(v: string | undefined): RateLimitConfig | undefined {
  if (!v) return undefined;
  const m = /^(\d+)\s*\/\s*(second|minute|hour)s?$/.exec(v.trim());
  if (!m || Number(m[1]) < 1) {
    throw new LettaError(
      'BAD_REQUEST',
      `invalid rate limit '${v}': expected <n>/<second|minute|hour>, e.g. 60/minute`,
    );
  }
  return { max: Number(m[1]), windowMs: WINDOWS[m[2]!]!, text: v.trim() };
}

function parseSize(v: string): number {
  const m = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(v.trim());
  if (!m) throw new LettaError('BAD_REQUEST', `invalid body limit '${v}': expected e.g. 1mb or 512kb`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1;
  return Number(m[1]) * mult;
}

function parseIntSetting(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new LettaError('BAD_REQUEST', `invalid ${name} '${v}'`);
  return n;
}
