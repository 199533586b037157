/**
 * Message listings as Letta typed messages. `limit` counts stored messages; one stored message
 * can show as several typed ones sharing its id, and some show as none (a `send_message` tool
 * return): a page that would come out empty although more messages exist reads on, so the SDK's
 * auto-pagination (which stops at `[]`) never ends early.
 */
import type { Core } from '../../core.js';
import { type LettaMessage, toLettaMessages } from '../../runtime/letta-messages.js';
import type { MessageListQuery } from '../../store/message-repository.js';
import { markFailedTurns } from '../failed-turns.js';

export async function listTypedMessages(
  core: Core,
  org: string,
  query: MessageListQuery,
  types?: readonly string[] | null,
): Promise<LettaMessage[]> {
  // With only `before` the SDK pages backwards: an empty page reads on towards older messages.
  const backwards = query.before !== undefined && query.after === undefined;
  let cursor: MessageListQuery = query;
  for (let round = 0; round < 50; round++) {
    const rows = await core.store.messages.list(org, cursor);
    const out = rows
      .flatMap(toLettaMessages)
      .filter((m) => !types || types.length === 0 || types.includes(m.message_type));
    const edge = backwards ? rows[0] : rows.at(-1);
    if (out.length > 0 || rows.length < query.limit || !edge) return markFailedTurns(core, org, out);
    cursor = backwards ? { ...cursor, before: edge.id } : { ...cursor, after: edge.id };
  }
  return [];
}
