/**
 * Marks the turns that did not complete in a message listing: a `user_message` whose run failed
 * or was cancelled carries `run_error: {run_id, status, stop_reason, detail, code}`, so a history
 * read later (console, tutorial client, V1 client) shows which messages got no answer and why.
 */
import type { LettaMessage } from '../runtime/letta-messages.js';
import type { Store } from '../store/store.js';

/**
 * Adds `run_error` to the user messages of failed or cancelled runs (one query per page).
 *
 * @example
 * const page = await markFailedTurns(store, ctx.org, rows.flatMap(toLettaMessages));
 * page[0].run_error; // { run_id: 'run-…', status: 'failed', stop_reason: 'llm_api_error', detail: '…', code: 'LLM_ERROR' }
 */
export async function markFailedTurns(
  store: Store,
  org: string,
  messages: LettaMessage[],
): Promise<LettaMessage[]> {
  const ids = new Set<string>();
  for (const m of messages) {
    if (m.message_type === 'user_message' && typeof m.run_id === 'string') ids.add(m.run_id);
  }
  if (ids.size === 0) return messages;
  const runs = new Map((await store.runs.listUnsuccessful(org, [...ids])).map((r) => [r.id, r]));
  if (runs.size === 0) return messages;
  return messages.map((m) => {
    const run =
      m.message_type === 'user_message' && typeof m.run_id === 'string' ? runs.get(m.run_id) : undefined;
    if (!run) return m;
    const detail = typeof run.metadata.error === 'string' ? run.metadata.error : null;
    const code = typeof run.metadata.code === 'string' ? run.metadata.code : null;
    return {
      ...m,
      run_error: { run_id: run.id, status: run.status, stop_reason: run.stop_reason, detail, code },
    };
  });
}
