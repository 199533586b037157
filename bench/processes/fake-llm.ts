/**
 * The benchmark's model: the test suite's scripted OpenAI-compatible fake in its own process,
 * answering at once, recording nothing. Prints `{"url": …}` on its first stdout line.
 */
import { startFakeLlm } from '../../test/support/fake-llm.js';

const llm = await startFakeLlm({
  record: false,
  defaultReply: { content: 'Hello! How can I help you today?' },
});
process.stdout.write(`${JSON.stringify({ url: llm.url })}\n`);
process.on('SIGTERM', () => void llm.close().then(() => process.exit(0)));
