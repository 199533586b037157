/**
 * A scripted model for demos and manual testing (`node .bench-build/bench/processes/demo-llm.js`):
 * "my name is X" → the model saves it with memory_insert, then confirms; any other message → it
 * answers from the `human` block in its system prompt. Prints `{"url": …}` on its first line.
 */
import {
  type FakeReply,
  lastUserText,
  type RecordedRequest,
  startFakeLlm,
} from '../../test/support/fake-llm.js';

function reply(req: RecordedRequest): FakeReply {
  const messages = req.body.messages ?? [];
  const last = messages.at(-1);
  if (last?.role === 'tool') return { content: 'Got it, I saved that to my memory.' };
  const text = lastUserText(req);
  const name = /my name is (\w+)/i.exec(text)?.[1];
  if (name)
    return {
      toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: `Name: ${name}` } }],
    };
  const system = String(messages[0]?.content ?? '');
  const known = /Name: (\w+)/.exec(system)?.[1];
  return {
    content: known ? `You are ${known}. You said: ${text}` : `I don't know your name yet. You said: ${text}`,
  };
}

const llm = await startFakeLlm({ record: false, defaultReply: reply });
process.stdout.write(`${JSON.stringify({ url: llm.url })}\n`);
process.on('SIGTERM', () => void llm.close().then(() => process.exit(0)));
