/**
 * The client's types, derived from the TypeBox schemas the server validates requests and
 * serialises answers with (so a field the server renames breaks the client's build, not a user).
 * Type-only imports: nothing of the server is loaded at run time.
 */
import type { Static } from 'typebox';
import type { CreateAgent, Deleted, UpdateAgent } from '../http/tutorial/agents.js';
import type { PassageView, SearchResponse } from '../http/tutorial/archival.js';
import type { SendBody, SendResponse as SendResponseSchema } from '../http/tutorial/messages.js';
import type { RunView } from '../http/tutorial/run-view.js';
import type { AgentView, BlockView, ConversationView, LettaMessageView } from '../http/tutorial/views.js';

export type Agent = Static<typeof AgentView>;
export type Block = Static<typeof BlockView>;
export type CreateAgentInput = Static<typeof CreateAgent>;
export type UpdateAgentInput = Static<typeof UpdateAgent>;
export type DeletedAgent = Static<typeof Deleted>;
export type Conversation = Static<typeof ConversationView>;
/** A Letta typed message (`message_type`: user_message, assistant_message, tool_call_message, …). */
export type Message = Static<typeof LettaMessageView>;
export type SendInput = Static<typeof SendBody>;
/** The answer to a message: `content` is the text of the assistant's reply. */
export type SendResponse = Static<typeof SendResponseSchema>;
export type Passage = Static<typeof PassageView>;
export type SearchResult = Static<typeof SearchResponse>;
export type Run = Static<typeof RunView>;
export type Usage = SendResponse['usage'];

/** A message of a batch that failed (the others still ran). */
export interface BatchError {
  error: { detail: string; code: string };
}

/**
 * One NDJSON line of a streamed reply: assistant text as `{content}`, typed lines (`type`:
 * reasoning_message, tool_call_message, tool_return_message, keepalive, …), an `{error}` line
 * when the run failed, and last the `{done: true, …}` line.
 */
export type StreamLine =
  | { content: string }
  | { type: string; [key: string]: unknown }
  | BatchError
  | StreamDone;

export interface StreamDone {
  done: true;
  stop_reason: string;
  usage: Usage;
  run_id: string;
  conversation_id: string;
}
