/**
 * A real server on a fresh database, the scripted model behind it and the official TypeScript
 * client pointed at it: what the V1 tool tests share.
 */
import Letta from '@letta-ai/letta-client';
import type { DialectName } from '../../src/store/index.js';
import { type FakeLlm, startFakeLlm } from './fake-llm.js';
import { startTestServer, type TestServer } from './server.js';

export interface V1Server {
  llm: FakeLlm;
  server: TestServer;
  client: Letta;
  close(): Promise<void>;
}

/** One sandbox worker, no retries of model calls; `env` adds or overrides settings. */
export async function startV1Server(
  dialect: DialectName,
  env: Record<string, string> = {},
): Promise<V1Server> {
  const llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
  const server = await startTestServer(dialect, {
    env: {
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: llm.url,
      LETTA_LLM_MAX_RETRIES: '0',
      LETTA_TOOL_WORKERS: '1',
      ...env,
    },
  });
  const client = new Letta({ baseURL: server.baseUrl, apiKey: 'test', maxRetries: 0, timeout: 120_000 });
  return {
    llm,
    server,
    client,
    close: async () => {
      await server.close();
      await llm.close();
    },
  };
}
