/**
 * Connections to MCP servers, pooled per server: one MCP client per server, opened on first use
 * and kept; a changed configuration (the row's `updated_at`) opens a new one. When a server drops
 * (its process exits, the HTTP server restarts and forgets the session, the socket breaks), the
 * next operation finds the client closed or failing at the transport level, drops it and tries
 * once more on a fresh connection; an answer from the server (a JSON-RPC error, a tool error) is
 * never retried, so a call is not run twice. Every operation has the tool deadline
 * (`LETTA_TOOL_TIMEOUT_SECONDS`); past it the connection is closed (a stdio server is killed) and
 * the next call reconnects.
 *
 * Streamable HTTP and SSE go through the server's outbound client (address policy checked per URL
 * and at connect time, redirects not followed blindly). Stdio runs `command` on the host, so it is
 * refused unless the operator set `LETTA_MCP_STDIO=1`; the child gets only the configured `env`
 * plus the SDK's safe defaults (HOME, LOGNAME, PATH, SHELL, TERM, USER), never the server's own
 * environment. The SDK is loaded with the first connection.
 *
 * @example
 * const pool = new McpConnections({ timeoutMs: 30_000, stdioAllowed: false, fetch: outbound.fetch });
 * const tools = await pool.listTools(server);
 * const result = await pool.callTool(server, 'echo', { text: 'hi' });
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LettaError } from '../../../errors.js';
import type { McpServerRecord } from '../../../store/records.js';
import type { McpCallResult } from './mcp-result.js';

/** A tool as an MCP server lists it. */
export interface McpToolInfo {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown> | undefined;
  annotations?: Record<string, unknown> | undefined;
}

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface McpConnectionsConfig {
  /** Deadline of one operation (connect included). */
  timeoutMs: number;
  /** `LETTA_MCP_STDIO=1`: stdio servers may be started. */
  stdioAllowed: boolean;
  /** The checked outbound fetch (src/net). */
  fetch: FetchLike;
}

interface Connection {
  client: Client;
  fingerprint: string;
  closed: boolean;
  stderr: string[];
}

const STDERR_KEEP = 20;

export class McpConnections {
  private readonly pool = new Map<string, Promise<Connection>>();

  constructor(readonly config: McpConnectionsConfig) {}

  /** The server's tools (every page). */
  listTools(server: McpServerRecord): Promise<McpToolInfo[]> {
    return this.withConnection(server, 'list tools', async (client, timeout) => {
      const out: McpToolInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout });
        out.push(...(page.tools as McpToolInfo[]));
        cursor = page.nextCursor;
      } while (cursor && out.length < 10_000);
      return out;
    });
  }

  /** Calls the tool; the result as the server gave it (`isError` results are results too). */
  callTool(server: McpServerRecord, name: string, args: Record<string, unknown>): Promise<McpCallResult> {
    return this.withConnection(
      server,
      `call '${name}'`,
      async (client, timeout) =>
        (await client.callTool({ name, arguments: args }, undefined, { timeout })) as McpCallResult,
    );
  }

  /** Closes the server's connection (after an update or a delete). */
  async drop(serverId: string): Promise<void> {
    const pending = this.pool.get(serverId);
    this.pool.delete(serverId);
    if (pending) await closeQuietly(pending);
  }

  /** Drops the server's pooled connection if it is still `conn` (not a newer one). */
  private async dropIf(serverId: string, conn: Connection): Promise<void> {
    const pooled = this.pool.get(serverId);
    if (pooled && (await pooled.catch(() => undefined)) === conn) await this.drop(serverId);
    else await closeQuietly(Promise.resolve(conn));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pool.keys()].map((id) => this.drop(id)));
  }

  private async withConnection<T>(
    server: McpServerRecord,
    what: string,
    op: (client: Client, timeout: number) => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + this.config.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const left = () => Math.max(1, deadline - Date.now());
      let conn: Connection | undefined;
      try {
        conn = await withDeadline(this.connection(server), left(), () => this.drop(server.id));
        return await withDeadline(op(conn.client, left()), left(), () => this.drop(server.id));
      } catch (err) {
        const broken = conn !== undefined && (conn.closed || transportFailure(err) || timedOut(err));
        if (conn && broken) await this.dropIf(server.id, conn);
        if (broken && attempt === 0 && !(err instanceof Timeout) && !timedOut(err)) continue;
        throw describe(err, server, what, this.config.timeoutMs, conn?.stderr);
      }
    }
  }

  private connection(server: McpServerRecord): Promise<Connection> {
    const fingerprint = `${server.updated_at}|${server.server_type}`;
    const pooled = this.pool.get(server.id);
    if (pooled) {
      return pooled.then((c) => {
        if (!c.closed && c.fingerprint === fingerprint) return c;
        if (this.pool.get(server.id) === pooled) this.pool.delete(server.id);
        void closeQuietly(pooled);
        return this.connection(server);
      });
    }
    const opening = this.open(server, fingerprint);
    this.pool.set(server.id, opening);
    opening.catch(() => {
      if (this.pool.get(server.id) === opening) this.pool.delete(server.id);
    });
    return opening;
  }

  private async open(server: McpServerRecord, fingerprint: string): Promise<Connection> {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const conn: Connection = {
      client: new Client({ name: 'letta-ts', version: '1.0.0' }),
      fingerprint,
      closed: false,
      stderr: [],
    };
    const transport = await this.transport(server, conn);
    conn.client.onclose = () => {
      conn.closed = true;
    };
    conn.client.onerror = () => {};
    try {
      await conn.client.connect(transport, { timeout: this.config.timeoutMs });
    } catch (err) {
      conn.closed = true;
      await conn.client.close().catch(() => {});
      throw err;
    }
    return conn;
  }

  private async transport(server: McpServerRecord, conn: Connection): Promise<Transport> {
    if (server.server_type === 'stdio') {
      if (!this.config.stdioAllowed) throw stdioDisabled();
      const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
      const t = new StdioClientTransport({
        command: server.command ?? '',
        args: server.args ?? [],
        env: server.env ?? {},
        stderr: 'pipe',
      });
      t.stderr?.on('data', (chunk: Buffer) => {
        conn.stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (conn.stderr.length > STDERR_KEEP) conn.stderr.splice(0, conn.stderr.length - STDERR_KEEP);
      });
      return t;
    }
    const url = new URL(server.server_url ?? '');
    const headers = requestHeaders(server);
    const options = { fetch: this.config.fetch, requestInit: { headers } };
    if (server.server_type === 'sse') {
      const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
      return new SSEClientTransport(url, options);
    }
    const { StreamableHTTPClientTransport } = await import(
      '@modelcontextprotocol/sdk/client/streamableHttp.js'
    );
    return new StreamableHTTPClientTransport(url, options);
  }
}

/** The headers sent with every request: the custom headers, then the auth header with its token. */
export function requestHeaders(server: McpServerRecord): Record<string, string> {
  const headers: Record<string, string> = { ...(server.custom_headers ?? {}) };
  if (server.auth_token) {
    const name = server.auth_header || 'Authorization';
    const bearer = name.toLowerCase() === 'authorization' && !/^\w+\s/.test(server.auth_token);
    headers[name] = bearer ? `Bearer ${server.auth_token}` : server.auth_token;
  }
  return headers;
}

export function stdioDisabled(): LettaError {
  return new LettaError(
    'MCP_STDIO_DISABLED',
    'stdio MCP servers run a program on the server host; the operator enables them with LETTA_MCP_STDIO=1',
  );
}

class Timeout extends Error {}

function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onTimeout();
      reject(new Timeout());
    }, ms);
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}

/** The SDK's McpError codes: -32000 ConnectionClosed, -32001 RequestTimeout. */
function mcpCode(err: unknown): number | undefined {
  const e = err as { name?: unknown; code?: unknown };
  return e && e.name === 'McpError' && typeof e.code === 'number' ? e.code : undefined;
}

function timedOut(err: unknown): boolean {
  return mcpCode(err) === -32001;
}

/**
 * The connection broke rather than the server answering: a closed connection, a network error,
 * an HTTP status from the transport (404 for a session a restarted server forgot).
 */
function transportFailure(err: unknown): boolean {
  if (err instanceof LettaError || err instanceof Timeout || timedOut(err)) return false;
  const code = mcpCode(err);
  if (code !== undefined) return code === -32000;
  return true;
}

function describe(
  err: unknown,
  server: McpServerRecord,
  what: string,
  timeoutMs: number,
  stderr: string[] | undefined,
): LettaError {
  const found = findLettaError(err);
  if (found) return found;
  const name = `MCP server '${server.server_name}'`;
  if (err instanceof Timeout || timedOut(err))
    return new LettaError('MCP_SERVER_ERROR', `${name} did not ${what} within ${timeoutMs / 1000} s`);
  const cause = err instanceof Error ? err.message : String(err);
  const tail = stderr && stderr.length > 0 ? `\n${stderr.slice(-6).join('\n')}` : '';
  return new LettaError('MCP_SERVER_ERROR', `${name} could not ${what}: ${cause}${tail}`);
}

function findLettaError(err: unknown): LettaError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof LettaError) return e;
  }
  return undefined;
}

async function closeQuietly(pending: Promise<Connection>): Promise<void> {
  try {
    const c = await pending;
    c.closed = true;
    await c.client.close();
  } catch {
    // Already failed or closed.
  }
}
