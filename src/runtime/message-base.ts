/**
 * The fields every message a run writes shares: who, where, which run (none for a compaction the
 * API asked for), when; the rest empty.
 */
import type { AgentRecord, NewMessage, RunRecord } from '../store/records.js';

export function messageBase(
  org: string,
  agent: AgentRecord,
  conversationId: string,
  run: Pick<RunRecord, 'id'> | null,
  at: string,
): Omit<NewMessage, 'id' | 'role'> {
  return {
    organization_id: org,
    agent_id: agent.id,
    conversation_id: conversationId,
    content: null,
    reasoning: null,
    tool_calls: null,
    tool_call_id: null,
    name: null,
    status: null,
    run_id: run?.id ?? null,
    step_id: null,
    otid: null,
    tokens: 0,
    metadata: {},
    created_at: at,
  };
}
