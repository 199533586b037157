#!/usr/bin/env node
/** The tests' MCP server over stdio: `node test/support/mcp-stdio-server.mjs`. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from './mcp-tools.mjs';

await createMcpServer('stdio').connect(new StdioServerTransport());
