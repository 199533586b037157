/** The check every test that sends tool calls makes on what the model was sent. */
import { expect } from 'vitest';
import type { FakeMessage } from './fake-llm.js';

/** Every tool call in the messages has its tool return, and every tool return its call. */
export function expectWellFormed(messages: FakeMessage[]): void {
  const returned = new Set<string | undefined>(
    messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id),
  );
  const called = new Set<string | undefined>(messages.flatMap((m) => (m.tool_calls ?? []).map((c) => c.id)));
  for (const id of called) expect(returned.has(id), `tool call ${id} has no return`).toBe(true);
  for (const id of returned) expect(called.has(id), `tool return ${id} has no call`).toBe(true);
}
