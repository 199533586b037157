/**
 * The tools of the tests' own MCP server (low-level `Server` class, plain JSON schemas), shared by
 * the HTTP server (test/support/mcp-test-server.ts) and the stdio program (mcp-stdio-server.mjs).
 * `echo`, `add`, `fail` (an MCP error result), `slow` (sleeps `ms`), `env_probe` (reads the
 * server's environment), `auth_probe` (the request's Authorization / X-Api-Key headers), `crash`
 * (answers, then exits: a stdio server that dies).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const TOOLS = [
  {
    name: 'echo',
    description: 'Echo the text back.',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', description: 'What to echo.' } },
      required: ['text'],
    },
  },
  {
    name: 'add',
    description: 'Add two numbers.',
    inputSchema: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    },
  },
  { name: 'fail', description: 'Always fails.', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'slow',
    description: 'Sleeps.',
    inputSchema: { type: 'object', properties: { ms: { type: 'number' } }, required: ['ms'] },
  },
  {
    name: 'env_probe',
    description: "Reads one of the server's environment variables.",
    inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  },
  { name: 'auth_probe', description: 'The auth headers seen.', inputSchema: { type: 'object', properties: {} } },
  { name: 'crash', description: 'Answers, then the process exits.', inputSchema: { type: 'object', properties: {} } },
];

const text = (t) => ({ content: [{ type: 'text', text: t }] });

/** A new MCP server (one per session); `label` tells instances apart. */
export function createMcpServer(label = 'test') {
  const server = new Server({ name: `letta-test-${label}`, version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const a = req.params.arguments ?? {};
    switch (req.params.name) {
      case 'echo':
        return text(`echo: ${a.text}`);
      case 'add':
        return text(String(Number(a.a) + Number(a.b)));
      case 'fail':
        return { ...text('the tool failed on purpose'), isError: true };
      case 'slow':
        await new Promise((r) => setTimeout(r, Number(a.ms)));
        return text('done');
      case 'env_probe':
        return text(String(process.env[String(a.name)] ?? '<unset>'));
      case 'auth_probe': {
        const h = extra.requestInfo?.headers ?? {};
        return text(`authorization=${h.authorization ?? ''} x-api-key=${h['x-api-key'] ?? ''}`);
      }
      case 'crash':
        setTimeout(() => process.exit(1), 50);
        return text('bye');
      default:
        throw new Error(`unknown tool ${req.params.name}`);
    }
  });
  return server;
}
