/**
 * A search over an agent's whole message history (recall memory), newest first: the words of the
 * query matched case-insensitively (any of them), as `conversation_search` does for the agent.
 * Results are Letta's message list results (`user_message` / `assistant_message` with the
 * message's id, date, agent and conversation); tool calls and returns are not searched.
 *
 * @example
 * await core.messageSearch.search(ctx, agent, { query: 'green tea', limit: 20 });
 */
import type { AgentRecord, MessageRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { RequestContext } from './context.js';

export interface MessageSearchInput {
  query: string;
  startDate?: string | undefined;
  endDate?: string | undefined;
  limit: number;
}

export interface MessageSearchHit {
  message_type: 'user_message' | 'assistant_message';
  message_id: string;
  content: string;
  created_at: string;
  agent_id: string;
  conversation_id: string;
  run_id: string | null;
}

export class MessageSearch {
  constructor(private readonly store: Store) {}

  async search(
    ctx: RequestContext,
    agent: AgentRecord,
    input: MessageSearchInput,
  ): Promise<MessageSearchHit[]> {
    const found = await this.store.messages.search(ctx.org, {
      agentId: agent.id,
      query: input.query,
      roles: ['user', 'assistant'],
      startDate: input.startDate,
      endDate: input.endDate,
      limit: input.limit,
    });
    return found.filter((m) => m.content !== null && m.metadata.kind !== 'summary').map(hit);
  }
}

function hit(m: MessageRecord): MessageSearchHit {
  return {
    message_type: m.role === 'user' ? 'user_message' : 'assistant_message',
    message_id: m.id,
    content: m.content ?? '',
    created_at: m.created_at,
    agent_id: m.agent_id,
    conversation_id: m.conversation_id,
    run_id: m.run_id,
  };
}
