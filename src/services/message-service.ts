/**
 * Sends, as both APIs ask for them: checks what a send names (its messages, the agent's model,
 * the callback URL, the conversation), then hands the turn to the runtime's run owner
 * (`runtime/turn.ts`), which holds the run's whole life. A callback is delivered when the run
 * ends.
 */

import { LettaError } from '../errors.js';
import type { ApprovalAnswer, ClientTool } from '../runtime/approvals.js';
import type { ProviderRegistry } from '../runtime/llm/index.js';
import type { ResolvedModel } from '../runtime/llm/types.js';
import { DEFAULT_MAX_STEPS, type RunHandle, type TurnResult, type Turns } from '../runtime/turn.js';
import type { UserInput } from '../runtime/turn-start.js';
import type { AgentRecord, RunRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { CallbackService } from './callback-service.js';
import type { RequestContext } from './context.js';
import type { ConversationService } from './conversation-service.js';

export type { RunHandle } from '../runtime/turn.js';
export { DEFAULT_MAX_STEPS } from '../runtime/turn.js';
/** The outcome of a send (the run as it ended, its messages, reply text and usage). */
export type SendResult = TurnResult;

export interface SendInput {
  agent: AgentRecord;
  conversationId?: string | null | undefined;
  messages: UserInput[];
  /** The answers to a pending approval request (instead of messages). */
  approvals?: ApprovalAnswer[] | undefined;
  /** Tools the client declared for this request; a call of one stops the run for its return. */
  clientTools?: ClientTool[] | undefined;
  maxSteps?: number | undefined;
  /** Publish token deltas (the provider is called in streaming mode). */
  streamTokens?: boolean | undefined;
  /** Return at once; the run waits for the conversation in the background. */
  background?: boolean | undefined;
  callbackUrl?: string | undefined;
}

export interface MessageServiceDeps {
  store: Store;
  conversations: ConversationService;
  providers: ProviderRegistry;
  turns: Turns;
  /** Checks `callback_url` when a send names it and delivers it when the run ends. */
  callbacks: CallbackService;
  /** The model an agent without one uses (LETTA_DEFAULT_LLM_HANDLE, or the only provider's). */
  defaultModel: () => string | undefined;
}

export class MessageService {
  constructor(private readonly deps: MessageServiceDeps) {}

  /** Sends and waits for the run to end. */
  async send(ctx: RequestContext, input: SendInput): Promise<SendResult> {
    const handle = await this.start(ctx, input);
    return handle.done;
  }

  /**
   * Starts a run. Unless `background`, waits for the conversation first, so a busy conversation
   * is reported (409) before anything is streamed.
   */
  async start(ctx: RequestContext, input: SendInput): Promise<RunHandle> {
    const { agent } = input;
    if (input.messages.length === 0 && !input.approvals?.length)
      throw new LettaError('VALIDATION_ERROR', 'at least one message is required');
    const model = this.resolveModel(agent);
    // The queue place is taken before any await, so concurrent sends keep their arrival order.
    const ticket = this.deps.turns.queue(agent, input.conversationId);
    try {
      // Checked with the queue place held (a refusal gives it up): 422 before anything runs.
      if (input.callbackUrl) await this.deps.callbacks.check(input.callbackUrl);
      // The agent's blocks and tools are read while the conversation is (one round trip for both).
      const agentState = ticket.first ? this.deps.turns.readAgentState(ctx, agent) : undefined;
      const conversation = await this.deps.conversations.resolve(ctx, agent, input.conversationId);
      const handle = await this.deps.turns.start(ticket, {
        ctx,
        agent,
        conversation,
        model,
        input: input.messages,
        approvals: input.approvals,
        clientTools: input.clientTools,
        agentState,
        maxSteps: input.maxSteps ?? DEFAULT_MAX_STEPS,
        streamTokens: input.streamTokens ?? false,
        background: input.background ?? false,
        callbackUrl: input.callbackUrl ?? null,
      });
      if (handle.run.callback_url) void handle.done.then((r) => this.deps.callbacks.deliver(r.run));
      return handle;
    } catch (err) {
      ticket.cancel();
      throw err;
    }
  }

  /** Cancels the agent's active runs (or the given ones); returns `{run_id: status}`. */
  async cancel(ctx: RequestContext, agent: AgentRecord, runIds?: string[]): Promise<Record<string, string>> {
    const runs = runIds?.length
      ? (await Promise.all(runIds.map((id) => this.deps.store.runs.get(ctx.org, id)))).filter(
          (r): r is RunRecord => r !== undefined && r.agent_id === agent.id,
        )
      : await this.deps.store.runs.list(ctx.org, {
          agentId: agent.id,
          statuses: ['created', 'running'],
          limit: 100,
        });
    const active = runs.filter((r) => r.status === 'created' || r.status === 'running');
    if (active.length === 0)
      throw new LettaError('NOTHING_TO_CANCEL', `Agent '${agent.name}' has no active run to cancel`);
    return this.deps.turns.cancel(ctx, active);
  }

  /** Waits for this process's runs to end (graceful shutdown), aborting them after `ms`. */
  drain(ms: number): Promise<void> {
    return this.deps.turns.drain(ms);
  }

  /** The agent's model; an agent stored without one (before models were defaulted) gets the default. */
  private resolveModel(agent: AgentRecord): ResolvedModel {
    const model = agent.model ?? this.deps.defaultModel();
    if (!model) {
      throw new LettaError(
        'MODEL_NOT_FOUND',
        `Agent '${agent.name}' has no model; set one (e.g. "openai/gpt-4o-mini") or LETTA_DEFAULT_LLM_HANDLE`,
      );
    }
    return this.deps.providers.resolve(model);
  }
}
