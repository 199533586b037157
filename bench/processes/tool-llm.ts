/**
 * The tools benchmark's model: on a user message it calls the tool the message names
 * ("call <tool>"), on that tool's return it answers in plain text (the turn ends). Prints `{"url": …}` first.
 */
import { startFakeLlm } from '../../test/support/fake-llm.js';

const ARGS: Record<string, Record<string, unknown>> = {
  add: { a: 2, b: 3 },
  conversation_search: { query: 'nothing-matches-this', limit: 1 },
};

const llm = await startFakeLlm({
  record: false,
  defaultReply: (req) => {
    const messages = (req.body as { messages?: Array<{ role: string; content?: unknown }> }).messages ?? [];
    const last = messages.at(-1);
    if (last?.role === 'user') {
      const tool = /call (\w+)/.exec(String(last.content))?.[1] ?? 'add';
      return { toolCalls: [{ name: tool, arguments: ARGS[tool] ?? {} }] };
    }
    return { content: 'done' };
  },
});
process.stdout.write(`${JSON.stringify({ url: llm.url })}\n`);
process.on('SIGTERM', () => void llm.close().then(() => process.exit(0)));
