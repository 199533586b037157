/**
 * A core (store + services + runtime) on a fresh real database, wired to a scripted fake model.
 * For tests of the runtime below HTTP; HTTP tests use `server.ts`.
 */
import { pino } from 'pino';
import { resolveConfig } from '../../src/config.js';
import { type Core, closeCore, createCore } from '../../src/core.js';
import type { DialectName } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { type FakeLlm, type FakeLlmOptions, startFakeLlm } from './fake-llm.js';

export interface TestCore extends AsyncDisposable {
  core: Core;
  llm: FakeLlm;
  db: TestDatabase;
  close(): Promise<void>;
}

export async function createTestCore(
  dialect: DialectName,
  options: { llm?: FakeLlmOptions; env?: Record<string, string> } = {},
): Promise<TestCore> {
  const llm = await startFakeLlm(options.llm);
  const db = await createTestDatabase(dialect);
  const env = {
    ...db.env,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: llm.url,
    LETTA_LLM_MAX_RETRIES: '0',
    ...options.env,
  };
  const config = resolveConfig({}, env);
  const core = await createCore(config, pino({ level: process.env.LETTA_TEST_LOG ?? 'silent' }), { env });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await closeCore(core);
    await db.drop();
    await llm.close();
  };
  return { core, llm, db, close, [Symbol.asyncDispose]: close };
}
