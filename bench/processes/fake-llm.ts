/**
 * The benchmark's model: the test suite's scripted OpenAI-compatible fake in its own process,
 * answering at once, recording nothing. Prints `{"url": …}` on its first stdout line.
 */
import { startFakeLlm } from '../../test/support/fake-llm.js';

const chunkDelayMs = Number(process.env.FAKE_LLM_CHUNK_DELAY_MS ?? 0);
const llm = await startFakeLlm({
  record: false,
  // FAKE_LLM_CHUNK_DELAY_MS > 0: streams a word at a time with that gap (long-lived streams).
  defaultReply: { content: 'Hello! How can I help you today?', chunkDelayMs },
});
process.stdout.write(`${JSON.stringify({ url: llm.url })}\n`);
process.on('SIGTERM', () => void llm.close().then(() => process.exit(0)));
