/**
 * The agent loop: compile context → call the model → run the tools it asks for → persist the
 * step → repeat, until the turn ends or `max_steps`.
 *
 * Invariants:
 * - The user's message is stored before the model is called (nothing acknowledged is lost).
 * - Each step's messages, its usage and the new in-context list are written in ONE transaction,
 *   so a crash never leaves a tool call without its tool return.
 * - Work per step is bounded by the context window: only in-context messages are loaded, and
 *   their token counts were computed once at insert.
 * - The system message is recompiled only when memory changed (fingerprint of block versions).
 */
import { isLettaError, LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { RequestContext } from '../services/context.js';
import { compileSystemText } from '../services/conversation-service.js';
import type {
  AgentRecord,
  BlockRecord,
  ConversationRecord,
  MessageRecord,
  NewMessage,
  RunRecord,
  ToolRecord,
} from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import { toChatMessages } from './chat-context.js';
import { needsCompaction, planCompaction, summarize, summaryText } from './compaction.js';
import { ContextCache } from './context-cache.js';
import { type LettaMessage, toLettaMessages } from './letta-messages.js';
import { isAbortError, isContextOverflowError } from './llm/index.js';
import type { ChatRequest, ChatResult, ResolvedModel, ToolDefinition } from './llm/types.js';
import { memoryFingerprint } from './memory.js';
import type { RunChannel } from './run-channel.js';
import { emptyUsage, type StopReason, type Usage } from './stop-reasons.js';
import { countTokens, countTokensAsync, tokenizerLoaded } from './tokens.js';
import { TERMINAL_TOOLS } from './tools/builtin-tools.js';
import { type ArchivalTools, executeTool } from './tools/execute-tool.js';
import { customToolRunner } from './tools/sandbox/custom-tool-runner.js';
import type { ToolSandbox } from './tools/sandbox/tool-sandbox.js';

export interface LoopInput {
  ctx: RequestContext;
  agent: AgentRecord;
  conversation: ConversationRecord;
  run: RunRecord;
  model: ResolvedModel;
  /** The context window in tokens this turn must fit in. */
  contextWindow: number;
  /** The new user messages of this turn. */
  input: { content: string; name?: string | undefined; otid?: string | undefined }[];
  maxSteps: number;
  /** Call the provider in streaming mode and publish token deltas. */
  streamTokens: boolean;
  channel: RunChannel;
  signal: AbortSignal;
  /**
   * Records the end of the run inside the transaction of its last step, so a turn that ends
   * normally costs one commit less. Not called when the turn ends otherwise (error, cancel).
   */
  finalize?: ((tx: Store, end: TurnEnd) => Promise<void>) | undefined;
}

/** What {@link LoopInput.finalize} is told: the outcome, and the events published after commit. */
export interface TurnEnd {
  stopReason: StopReason;
  usage: Usage;
  /** The last step's messages, published (in this order) once the transaction commits. */
  pending: LettaMessage[];
}

export interface LoopResult {
  stopReason: StopReason;
  /** The turn's typed messages (user message included). */
  messages: LettaMessage[];
  usage: Usage;
  /** The provider error that ended the turn, if any. */
  error?: LettaError | undefined;
  /** Whether `finalize` ran (and committed with the last step). */
  finalized?: boolean;
}

/**
 * A turn between {@link AgentLoop.prepare} and {@link AgentLoop.run}: what was read before the
 * conversation was claimed, and whether {@link AgentLoop.begin} already ran.
 */
export interface PreparedTurn {
  blocks: BlockRecord[];
  tools: ToolRecord[];
  /** The user messages (ids assigned), stored by `begin`. */
  userMessages: NewMessage[];
  /** Set by `begin`: false when the run was cancelled before it started. */
  started?: boolean;
  /** Set by `begin`: the in-context messages, user messages included. */
  context?: MessageRecord[];
}

export class AgentLoop {
  private readonly cache = new ContextCache();

  constructor(
    private readonly store: Store,
    private readonly archival?: ArchivalTools,
    private readonly sandbox?: ToolSandbox,
  ) {}

  /** Reads what a turn needs before its conversation is claimed (blocks, tools). */
  async prepare(
    input: Pick<LoopInput, 'ctx' | 'agent' | 'run' | 'input'> & { conversationId: string },
  ): Promise<PreparedTurn> {
    const { ctx, agent, run } = input;
    const [blocks, tools] = await Promise.all([
      this.store.blocks.listForAgent(ctx.org, agent.id),
      this.store.tools.listForAgent(ctx.org, agent.id),
    ]);
    const now = nowIso();
    const base = blank(ctx, agent, input.conversationId, run, now);
    const userMessages: NewMessage[] = [];
    for (const m of input.input) {
      userMessages.push({
        ...base,
        id: newId('message'),
        role: 'user',
        content: m.content,
        name: m.name ?? null,
        otid: m.otid ?? null,
        tokens: await countTokensAsync(m.content),
      });
    }
    return { blocks, tools, userMessages };
  }

  /**
   * Starts the turn inside `tx`, on the conversation as just claimed: the run → `running`, the
   * system message recompiled if memory changed, the user messages stored and the in-context list
   * extended. The user's messages are stored before the model is called; a run cancelled while
   * it queued never starts. Called by the claim's own transaction when the conversation was free
   * at once (one commit for both), else by {@link run}.
   */
  async begin(
    tx: Store,
    input: Pick<LoopInput, 'ctx' | 'agent' | 'run'>,
    conv: ConversationRecord,
    turn: PreparedTurn,
  ): Promise<void> {
    const { ctx, agent, run } = input;
    const now = nowIso();
    if (!(await tx.runs.transition(ctx.org, run.id, 'running', {}, now))) {
      turn.started = false;
      return;
    }
    let context =
      this.cache.get(conv.id, conv.in_context_message_ids) ??
      (await tx.messages.getMany(ctx.org, conv.in_context_message_ids));
    context = await this.refreshSystem(ctx, agent, conv, turn.blocks, context, false, tx);
    await tx.messages.insertMany(turn.userMessages);
    await tx.conversations.setContext(
      ctx.org,
      conv.id,
      [...context.map((m) => m.id), ...turn.userMessages.map((m) => m.id)],
      now,
    );
    turn.context = [...context, ...turn.userMessages.map((m, i) => ({ ...m, seq: i }) as MessageRecord)];
    turn.started = true;
  }

  async run(input: LoopInput, prepared?: PreparedTurn): Promise<LoopResult> {
    const { ctx, agent, run, channel } = input;
    const store = this.store;
    const usage = emptyUsage();
    const turn: LettaMessage[] = [];
    // The conversation row as claimed for this run: fresh, and nobody else can change it now.
    const conv = input.conversation;
    const prep = prepared ?? (await this.prepare({ ...input, conversationId: conv.id }));
    if (prep.started === undefined) await store.transaction((tx) => this.begin(tx, input, conv, prep));
    if (!prep.started || !prep.context) return { stopReason: 'cancelled', messages: turn, usage };
    const { tools } = prep;
    let context = prep.context;
    this.cache.set(conv.id, context);
    for (const m of prep.userMessages) {
      turn.push(...this.publish(channel, toLettaMessages({ ...m, seq: 0 } as MessageRecord)));
    }

    const toolDefs = toolDefinitions(agent, tools);
    const toolTokens = toolDefinitionTokens(toolDefs);
    const window = input.contextWindow;
    const limits = new Map(tools.map((t) => [t.name, t.return_char_limit]));
    const attached = new Set(tools.map((t) => t.name));
    const custom = customToolRunner(this.sandbox, tools);

    for (let step = 0; step < input.maxSteps; step++) {
      if (input.signal.aborted) return { stopReason: 'cancelled', messages: turn, usage };
      if (step > 0 && (await this.cancelledElsewhere(ctx, run.id)))
        return { stopReason: 'cancelled', messages: turn, usage };

      const used = context.reduce((n, m) => n + m.tokens, 0) + toolTokens;
      if (needsCompaction(used, window)) {
        context = await this.compact(input, context, toolTokens, window);
        this.cache.set(conv.id, context);
      }

      const stepId = newId('step');
      const assistantId = newId('message');
      let result: ChatResult | undefined;
      for (let attempt = 0; result === undefined; attempt++) {
        try {
          result = await this.callModel(input, context, toolDefs, assistantId, stepId);
        } catch (err) {
          if (isAbortError(err) || input.signal.aborted)
            return { stopReason: 'cancelled', messages: turn, usage };
          // The provider's tokenizer disagrees with ours: compact harder and retry (as Letta, 3 times).
          if (isContextOverflowError(err) && attempt < 3) {
            const shrunk = await this.compact(input, context, toolTokens, window, 0.5 + attempt * 0.2);
            if (shrunk.length < context.length) {
              context = shrunk;
              this.cache.set(conv.id, context);
              continue;
            }
          }
          const error = isLettaError(err)
            ? err
            : new LettaError('LLM_ERROR', `model call failed: ${(err as Error).message}`, { cause: err });
          return { stopReason: 'llm_api_error', messages: turn, usage, error };
        }
      }
      const stepUsage = await usageOf(result, context, toolTokens);
      usage.prompt_tokens += stepUsage.prompt;
      usage.completion_tokens += stepUsage.completion;
      usage.total_tokens += stepUsage.prompt + stepUsage.completion;
      usage.step_count += 1;

      // 2. Run the tools the model asked for.
      const at = nowIso();
      const base = { ...blank(ctx, agent, conv.id, run, at), step_id: stepId };
      const toolCalls = result.toolCalls.map((c) => ({
        ...c,
        id: c.id || `call_${newId('step').slice(5, 29)}`,
      }));
      const assistant: NewMessage = {
        ...base,
        id: assistantId,
        role: 'assistant',
        content: result.content,
        reasoning: result.reasoning,
        tool_calls: toolCalls.length > 0 ? toolCalls : null,
        tokens: await countTokensAsync((result.content ?? '') + JSON.stringify(toolCalls)),
      };
      const stepMessages: NewMessage[] = [assistant];
      let memoryChanged = false;
      let heartbeat = false;
      let failed = false;
      let terminal = false;
      for (const call of toolCalls) {
        const outcome = attached.has(call.name)
          ? await executeTool(
              {
                ctx,
                store,
                agent,
                conversation: conv,
                archival: this.archival,
                custom,
                sandbox: this.sandbox,
              },
              call,
              limits.get(call.name) ?? 50_000,
            )
          : {
              status: 'error' as const,
              content: `Error: tool '${call.name}' is not attached to this agent`,
              memoryChanged: false,
              requestHeartbeat: false,
            };
        memoryChanged ||= outcome.memoryChanged;
        heartbeat ||= outcome.requestHeartbeat;
        failed ||= outcome.status === 'error';
        terminal ||= TERMINAL_TOOLS.has(call.name) && outcome.status === 'success';
        stepMessages.push({
          ...base,
          id: newId('message'),
          role: 'tool',
          content: outcome.content,
          tool_call_id: call.id,
          name: call.name,
          status: outcome.status,
          tokens: await countTokensAsync(outcome.content),
        });
      }

      // 3. Persist the step in one transaction.
      const stopReason = decide(agent.agent_type, result, toolCalls.length, { heartbeat, failed, terminal });
      const stored = stepMessages.map((m, i) => ({ ...m, seq: i }) as MessageRecord);
      const outgoing = stored.flatMap((m) => toLettaMessages(m));
      const finalize = stopReason !== null ? input.finalize : undefined;
      let nextContext = [...context, ...stored];
      await store.transaction(async (tx) => {
        await tx.messages.insertMany(stepMessages);
        await tx.runs.addStep({
          id: stepId,
          organization_id: ctx.org,
          run_id: run.id,
          agent_id: agent.id,
          model: input.model.handle,
          prompt_tokens: stepUsage.prompt,
          completion_tokens: stepUsage.completion,
          total_tokens: stepUsage.prompt + stepUsage.completion,
          stop_reason: stopReason,
          created_at: at,
        });
        if (memoryChanged) {
          const fresh = await tx.blocks.listForAgent(ctx.org, agent.id);
          nextContext = await this.refreshSystem(ctx, agent, conv, fresh, nextContext, true, tx);
        }
        await tx.conversations.setContext(
          ctx.org,
          conv.id,
          nextContext.map((m) => m.id),
          at,
        );
        if (finalize && stopReason !== null) await finalize(tx, { stopReason, usage, pending: outgoing });
      });
      context = nextContext;
      this.cache.set(conv.id, context);
      turn.push(...this.publish(channel, outgoing));
      if (stopReason !== null)
        return { stopReason, messages: turn, usage, finalized: finalize !== undefined };
    }
    return { stopReason: 'max_steps', messages: turn, usage };
  }

  private publish(channel: RunChannel, messages: LettaMessage[]): LettaMessage[] {
    return messages.map((m) => {
      const seq_id = channel.publish(m);
      return { ...m, seq_id };
    });
  }

  private async callModel(
    input: LoopInput,
    context: MessageRecord[],
    tools: ToolDefinition[],
    assistantId: string,
    stepId: string,
  ): Promise<ChatResult> {
    const settings = input.agent.model_settings;
    const request: ChatRequest = {
      model: input.model.model,
      messages: toChatMessages(context),
      signal: input.signal,
      ...(tools.length > 0
        ? { tools, toolChoice: input.agent.agent_type === 'memgpt_v2_agent' ? 'required' : 'auto' }
        : {}),
      ...(typeof settings.temperature === 'number' ? { temperature: settings.temperature } : {}),
      ...(typeof settings.max_output_tokens === 'number' ? { maxTokens: settings.max_output_tokens } : {}),
    };
    if (!input.streamTokens) return input.model.client.chat(request);
    const base = { id: assistantId, date: nowIso(), run_id: input.run.id, step_id: stepId };
    let final: ChatResult | undefined;
    const calls = new Map<number, { id: string; name: string }>();
    for await (const ev of input.model.client.stream(request)) {
      switch (ev.type) {
        case 'content':
          input.channel.delta({ ...base, message_type: 'assistant_message', content: ev.delta });
          break;
        case 'reasoning':
          input.channel.delta({
            ...base,
            message_type: 'reasoning_message',
            reasoning: ev.delta,
            source: 'reasoner_model',
          });
          break;
        case 'tool_call_delta': {
          const c = calls.get(ev.index) ?? { id: ev.id ?? '', name: ev.name ?? '' };
          if (ev.id) c.id = ev.id;
          if (ev.name) c.name = ev.name;
          calls.set(ev.index, c);
          if (c.name === 'send_message') break;
          // A chunk carries one ToolCallDelta (name only on the first), in `tool_call` and, as
          // Letta's spec allows, `tool_calls`: never an array, whose ToolCall items need a name.
          const tool_call = { name: ev.name ?? null, arguments: ev.argumentsDelta ?? '', tool_call_id: c.id };
          input.channel.delta({
            ...base,
            message_type: 'tool_call_message',
            tool_call,
            tool_calls: tool_call,
          });
          break;
        }
        case 'done':
          final = ev.result;
          break;
      }
    }
    if (!final) throw new LettaError('LLM_ERROR', 'the model stream ended without a final result');
    // send_message arguments are JSON; their text is delivered whole once the call is complete.
    for (const c of final.toolCalls) {
      if (c.name !== 'send_message') continue;
      const text = toLettaMessages({ role: 'assistant', tool_calls: [c] } as MessageRecord)[0]?.content;
      if (typeof text === 'string')
        input.channel.delta({ ...base, message_type: 'assistant_message', content: text });
    }
    return final;
  }

  /** Rewrites the system message in place when memory changed; returns the context with it. */
  private async refreshSystem(
    ctx: RequestContext,
    agent: AgentRecord,
    conv: ConversationRecord,
    blocks: BlockRecord[],
    context: MessageRecord[],
    force: boolean,
    tx: Store = this.store,
  ): Promise<MessageRecord[]> {
    const fingerprint = memoryFingerprint(agent.system, blocks);
    const system = context[0];
    if (system?.role !== 'system') return context;
    if (!force && fingerprint === conv.memory_fingerprint) return context;
    const recall = await tx.messages.count(ctx.org, { conversationId: conv.id });
    const content = compileSystemText(agent, conv, blocks, recall, new Date(), { count: 0, tags: [] });
    const tokens = await countTokensAsync(content);
    await tx.messages.updateContent(ctx.org, system.id, content, tokens);
    await tx.conversations.setFingerprint(ctx.org, conv.id, fingerprint);
    conv.memory_fingerprint = fingerprint;
    return [{ ...system, content, tokens }, ...context.slice(1)];
  }

  private async compact(
    input: LoopInput,
    context: MessageRecord[],
    toolTokens: number,
    window: number,
    minEvictFraction = 0,
  ): Promise<MessageRecord[]> {
    const [system, ...rest] = context;
    if (!system) return context;
    const plan = planCompaction(rest, system.tokens + toolTokens, window, minEvictFraction);
    if (!plan) return context;
    let summary: string;
    try {
      summary = await summarize(input.model.client, input.model.model, plan.evicted, input.signal);
    } catch (err) {
      if (isAbortError(err) || input.signal.aborted) throw err;
      summary = '(the summary could not be generated; use conversation_search to recall earlier messages)';
    }
    const at = nowIso();
    const content = summaryText(plan.evicted.length, summary);
    const tokens = await countTokensAsync(content);
    const message: NewMessage = {
      ...blank(input.ctx, input.agent, input.conversation.id, input.run, at),
      id: newId('message'),
      role: 'user',
      content,
      tokens,
      metadata: { kind: 'summary', stats: { evicted: plan.evicted.length, kept: plan.kept.length } },
    };
    const next = [system, { ...message, seq: 0 } as MessageRecord, ...plan.kept];
    await this.store.transaction(async (tx) => {
      await tx.messages.insertMany([message]);
      await tx.conversations.setContext(
        input.ctx.org,
        input.conversation.id,
        next.map((m) => m.id),
        at,
      );
    });
    return next;
  }

  private async cancelledElsewhere(ctx: RequestContext, runId: string): Promise<boolean> {
    const run = await this.store.runs.get(ctx.org, runId);
    return run?.status === 'cancelled';
  }
}

/** null = continue the loop; otherwise the turn's stop reason. */
function decide(
  agentType: string,
  result: ChatResult,
  toolCallCount: number,
  flags: { heartbeat: boolean; failed: boolean; terminal: boolean },
): StopReason | null {
  if (toolCallCount === 0) return result.finishReason === 'length' ? 'max_tokens_exceeded' : 'end_turn';
  if (flags.terminal) return 'end_turn';
  if (agentType === 'memgpt_v2_agent') return flags.heartbeat || flags.failed ? null : 'end_turn';
  return null;
}

function toolDefinitions(agent: AgentRecord, tools: ToolRecord[]): ToolDefinition[] {
  return tools.map((t) => {
    const schema = t.json_schema as { description?: string; parameters?: Record<string, unknown> };
    const parameters = (schema.parameters ?? { type: 'object', properties: {} }) as {
      properties?: Record<string, unknown>;
      required?: string[];
      [k: string]: unknown;
    };
    if (agent.agent_type !== 'memgpt_v2_agent' || TERMINAL_TOOLS.has(t.name)) {
      return { name: t.name, description: schema.description ?? t.description ?? '', parameters };
    }
    return {
      name: t.name,
      description: schema.description ?? t.description ?? '',
      parameters: {
        ...parameters,
        properties: {
          ...(parameters.properties ?? {}),
          request_heartbeat: {
            type: 'boolean',
            description: 'Request another step after this tool returns.',
          },
        },
        required: [...(parameters.required ?? []), 'request_heartbeat'],
      },
    };
  });
}

/**
 * Token count of the tool definitions sent with every call. An agent's tools rarely change, and
 * their JSON is a kilobyte or more: counted once per distinct definition set, not once a send.
 */
const toolTokenCounts = new Map<string, number>();
function toolDefinitionTokens(defs: ToolDefinition[]): number {
  const json = JSON.stringify(defs);
  let n = toolTokenCounts.get(json);
  if (n === undefined) {
    n = countTokens(json);
    // An estimate (tokenizer still loading) is not kept.
    if (!tokenizerLoaded()) return n;
    if (toolTokenCounts.size >= 256) toolTokenCounts.delete(toolTokenCounts.keys().next().value as string);
    toolTokenCounts.set(json, n);
  }
  return n;
}

async function usageOf(
  result: ChatResult,
  context: MessageRecord[],
  toolTokens: number,
): Promise<{ prompt: number; completion: number }> {
  if (result.usage.totalTokens > 0)
    return { prompt: result.usage.promptTokens, completion: result.usage.completionTokens };
  const prompt = context.reduce((n, m) => n + m.tokens, 0) + toolTokens;
  return {
    prompt,
    completion: await countTokensAsync((result.content ?? '') + JSON.stringify(result.toolCalls)),
  };
}

function blank(
  ctx: RequestContext,
  agent: AgentRecord,
  conversationId: string,
  run: RunRecord,
  at: string,
): Omit<NewMessage, 'id' | 'role'> {
  return {
    organization_id: ctx.org,
    agent_id: agent.id,
    conversation_id: conversationId,
    content: null,
    reasoning: null,
    tool_calls: null,
    tool_call_id: null,
    name: null,
    status: null,
    run_id: run.id,
    step_id: null,
    otid: null,
    tokens: 0,
    metadata: {},
    created_at: at,
  };
}
