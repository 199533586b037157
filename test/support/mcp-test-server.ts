/**
 * The tests' MCP server over HTTP on loopback: streamable HTTP (stateful sessions) at `/mcp` and
 * SSE at `/sse` (+ `/messages`). `stop()` closes it and drops every connection; `start()` listens
 * again on the same port (a fresh process as far as clients can tell: old sessions are unknown).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
// @ts-expect-error: a plain ESM module without types (shared with the stdio program)
import { createMcpServer } from './mcp-tools.mjs';

export interface McpTestServer {
  /** Streamable HTTP endpoint. */
  url: string;
  sseUrl: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startMcpTestServer(): Promise<McpTestServer> {
  let http: Server | undefined;
  let port = 0;
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const sse = new Map<string, SSEServerTransport>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/mcp') {
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? sessions.get(id) : undefined;
      if (!transport) {
        if (typeof id === 'string') {
          res.writeHead(404, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              jsonrpc: '2.0',
              error: { code: -32001, message: 'Session not found' },
              id: null,
            }),
          );
          return;
        }
        const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => {
            sessions.set(sid, t);
          },
        });
        await createMcpServer('http').connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res);
      return;
    }
    if (path === '/sse' && req.method === 'GET') {
      const t = new SSEServerTransport('/messages', res);
      sse.set(t.sessionId, t);
      res.on('close', () => sse.delete(t.sessionId));
      await createMcpServer('sse').connect(t);
      return;
    }
    if (path === '/messages' && req.method === 'POST') {
      const sid = new URL(req.url ?? '/', 'http://x').searchParams.get('sessionId') ?? '';
      const t = sse.get(sid);
      if (!t) {
        res.writeHead(404).end('unknown session');
        return;
      }
      await t.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  }

  async function start(): Promise<void> {
    http = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve) => http?.listen(port, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    const h = http;
    http = undefined;
    sessions.clear();
    sse.clear();
    if (!h) return;
    h.closeAllConnections();
    await new Promise<void>((resolve) => h.close(() => resolve()));
  }

  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}/mcp`;
    },
    get sseUrl() {
      return `http://127.0.0.1:${port}/sse`;
    },
    get port() {
      return port;
    },
    stop,
    start,
    close: stop,
  };
}
