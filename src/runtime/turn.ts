/**
 * A run's whole life, owned here: queue → claim → start → steps → end, cancel and drain. Every
 * send is a run (`run-…`) that goes created → running → completed | failed | cancelled, and runs
 * independently of its caller: a client that disconnects does not stop it (its messages are
 * stored and its events can be resumed); only a cancel does.
 *
 * A one-step send commits twice:
 * 1. **start**: the run inserted, the conversation claimed and the turn begun (run `running`,
 *    system message recompiled if memory changed, user messages stored, in-context list
 *    extended) in one transaction, when nobody in this process was queued for the conversation.
 *    Otherwise the run is stored at once (so it can be seen and cancelled while it waits) and the
 *    turn begins in a transaction of its own once the conversation is claimed.
 * 2. **each step**: the model called (streaming when someone streams), the tools run, then one
 *    transaction with the step's messages and usage, the new in-context list and the recompiled
 *    system message when memory changed. The **last** step's transaction also writes the run's
 *    end (run-end.ts) and releases the claim. A turn that ends otherwise (provider error, cancel,
 *    a fault) writes its end in a transaction of its own; if the database cannot take it, the
 *    end is kept (pending-run-ends.ts) and written when it is back.
 *
 * Invariants: the user's message is stored before the model is called; a step is written whole
 * or not at all (no tool call without its return); work per step is bounded by the context
 * window (in-context messages only, token counts stored at insert, compaction).
 */
import { isLettaError, LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { runMetrics } from '../metrics.js';
import type { RequestContext } from '../request-context.js';
import type {
  AgentRecord,
  ConversationRecord,
  MessageRecord,
  NewMessage,
  RunRecord,
  StepRecord,
  ToolRecord,
} from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { RunSignals } from '../store/run-signals.js';
import type { BatchedWrite } from '../store/statement.js';
import type { Store } from '../store/store.js';
import { enterSpan, span } from '../telemetry.js';
import {
  type ApprovalAnswer,
  answerApprovals,
  type ClientTool,
  needsApproval,
  pendingApproval,
} from './approvals.js';
import { compactContext, needsCompaction } from './compaction.js';
import { ContextCache } from './context-cache.js';
import type { Claim, ConversationGate, Ticket } from './conversation-gate.js';
import { type LettaMessage, replyText, toLettaMessages } from './letta-messages.js';
import { isAbortError, isContextOverflowError } from './llm/index.js';
import type { ChatResult, ResolvedModel } from './llm/types.js';
import { messageBase } from './message-base.js';
import { callModel } from './model-call.js';
import { PendingRunEnds } from './pending-run-ends.js';
import type { RunChannel, RunChannels } from './run-channel.js';
import { endedRun, eventsToKeep, isDatabaseFault, type RunEnd, tailEvents, writeRunEnd } from './run-end.js';
import { runStepTools } from './step-tools.js';
import { emptyUsage, runStatusFor, type StopReason, type Usage } from './stop-reasons.js';
import { refreshSystemMessage, systemMessageCurrent } from './system-message.js';
import { countTokensAsync } from './tokens.js';
import type { ArchivalTools, ToolEnv } from './tools/execute-tool.js';
import type { FileSearch } from './tools/file-tools.js';
import type { McpConnections } from './tools/mcp/mcp-connections.js';
import { mcpToolRunner } from './tools/mcp/mcp-tool-runner.js';
import { customToolRunner } from './tools/sandbox/custom-tool-runner.js';
import type { ToolSandbox } from './tools/sandbox/tool-sandbox.js';
import { clientToolDefinitions, toolDefinitions, toolDefinitionTokens } from './tools/tool-definitions.js';
import {
  type AgentState,
  beginTurn,
  type PreparedTurn,
  prepareTurn,
  readAgentState,
  type UserInput,
} from './turn-start.js';

export const DEFAULT_MAX_STEPS = 50;

/** A turn to run: everything resolved and checked by the caller (the message service). */
export interface TurnRequest {
  ctx: RequestContext;
  agent: AgentRecord;
  conversation: ConversationRecord;
  model: ResolvedModel;
  input: UserInput[];
  /** The answers to the approval request the conversation waits on (then `input` is empty). */
  approvals?: ApprovalAnswer[] | undefined;
  /**
   * The agent's blocks and tools, read by the caller while it resolved the conversation (used
   * when the turn starts at once; a queued turn reads them when its turn comes).
   */
  agentState?: Promise<AgentState> | undefined;
  /** Tools the client declared for this request (Letta's `client_tools`): the client runs them. */
  clientTools?: ClientTool[] | undefined;
  maxSteps: number;
  /** Call the provider in streaming mode and publish token deltas. */
  streamTokens: boolean;
  /** Return at once; the run waits for the conversation in the background. */
  background: boolean;
  callbackUrl: string | null;
}

export interface TurnResult {
  run: RunRecord;
  conversationId: string;
  /** The turn's typed messages (user messages included), with their `seq_id`. */
  messages: LettaMessage[];
  content: string;
  stopReason: StopReason;
  usage: Usage & { run_ids: string[] };
  /** What ended the turn, when it failed. */
  error?: LettaError | undefined;
}

export interface RunHandle {
  run: RunRecord;
  conversation: ConversationRecord;
  channel: RunChannel;
  /** Settles when the run ends; never rejects (failures are in the result). */
  done: Promise<TurnResult>;
}

export interface TurnsDeps {
  store: Store;
  gate: ConversationGate;
  channels: RunChannels;
  log: Logger;
  /** This process, recorded as the owner of the runs it executes. */
  instanceId: string;
  conversationWaitMs: number;
  /** The window used when an agent sets no `context_window_limit` (capped by the model's own). */
  defaultContextWindow: number;
  archival?: ArchivalTools | undefined;
  /** semantic_search_files over the agent's folders. */
  files?: FileSearch | undefined;
  /** Runs custom tools and run_code. */
  sandbox?: ToolSandbox | undefined;
  /** Pooled connections to MCP servers (their tools). */
  mcp?: McpConnections | undefined;
  /** Tells other processes a run stored events or was cancelled (LISTEN/NOTIFY on PostgreSQL). */
  signals: RunSignals;
}

/**
 * An agent's context window: its own `context_window_limit`, else the server default (32k, as
 * Letta recommends: larger windows are slower, costlier and less reliable), never more than the
 * model's window.
 */
export function contextWindowFor(
  agent: Pick<AgentRecord, 'context_window_limit'>,
  model: Pick<ResolvedModel, 'contextWindow'>,
  fallback: number,
): number {
  const modelWindow = model.contextWindow > 0 ? model.contextWindow : fallback;
  return Math.min(agent.context_window_limit ?? fallback, modelWindow);
}

/** One run in flight. */
interface ActiveTurn {
  req: TurnRequest;
  run: RunRecord;
  channel: RunChannel;
  controller: AbortController;
  claim?: Claim;
  prepared?: PreparedTurn;
  /** The in-context messages once begun; null when the run was cancelled before it started. */
  context?: MessageRecord[] | null;
  /** The run's events are stored up to this `seq_id` (with the steps, for followers). */
  storedSeq: number;
}

/** How the steps ended; `final` when the run's end was committed with the last step. */
interface StepsOutcome {
  stopReason: StopReason;
  messages: LettaMessage[];
  usage: Usage;
  error?: LettaError | undefined;
  final?: RunRecord | undefined;
}

export class Turns {
  private readonly cache = new ContextCache();
  private readonly controllers = new Map<string, AbortController>();
  private readonly active = new Set<Promise<TurnResult>>();
  private readonly pendingEnds: PendingRunEnds;

  constructor(private readonly deps: TurnsDeps) {
    this.pendingEnds = new PendingRunEnds(deps.store, deps.log);
  }

  /**
   * Takes the turn's place in its conversation's in-process queue, synchronously: call it before
   * any await, so concurrent sends keep their arrival order. Then {@link start} it, or `cancel`.
   */
  queue(agent: AgentRecord, conversationId: string | null | undefined): Ticket {
    const key =
      conversationId && conversationId !== 'default' && conversationId !== agent.id
        ? conversationId
        : `default:${agent.id}`;
    return this.deps.gate.enqueue(key);
  }

  /**
   * Starts a run. Unless `background`, waits for the conversation first, so a busy conversation
   * is reported (409) before anything is streamed.
   */
  async start(ticket: Ticket, req: TurnRequest): Promise<RunHandle> {
    const { store, conversationWaitMs } = this.deps;
    // A run of this conversation ended while the database was away: write that end (and free
    // the conversation) first; if the database still cannot take it, this send fails now.
    if (this.pendingEnds.size > 0) await this.pendingEnds.settle(req.conversation.id);
    const run = this.newRun(req);
    // Uncontended (nobody queued here): the run is stored in the transaction of the claim.
    const fast = !req.background && ticket.first;
    if (!fast) await store.runs.insert(run);
    const controller = new AbortController();
    this.controllers.set(run.id, controller);
    const turn: ActiveTurn = { req, run, controller, channel: this.deps.channels.open(run.id), storedSeq: 0 };
    // A cancel sent to another process reaches this one through the database.
    const unwatch = this.deps.signals.on('cancel', run.id, () =>
      controller.abort(new LettaError('CONFLICT', 'run cancelled')),
    );
    if (!req.background) {
      try {
        if (fast) await this.claimAndBegin(ticket, turn);
        turn.claim ??= await ticket.acquire(
          req.conversation.id,
          run.id,
          conversationWaitMs,
          controller.signal,
        );
      } catch (err) {
        await turn.claim?.release().catch(() => {});
        await this.endOnItsOwn(turn, {
          stopReason: 'error',
          usage: undefined,
          metadata: { error: String((err as Error).message) },
          events: [],
        });
        unwatch();
        this.deps.channels.close(run.id);
        this.controllers.delete(run.id);
        throw err;
      }
    }
    const done = span('letta.run', { 'letta.run_id': run.id, 'letta.agent_id': run.agent_id }, () =>
      this.execute(turn, ticket),
    );
    this.active.add(done);
    void done.finally(() => {
      unwatch();
      this.active.delete(done);
    });
    return { run, conversation: req.conversation, channel: turn.channel, done };
  }

  /**
   * Cancels runs (already checked to be the caller's and active), in whichever process runs
   * them (told at the commit); returns `{run_id: status}`.
   */
  async cancel(ctx: RequestContext, runs: RunRecord[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const r of runs) {
      const at = nowIso();
      await this.deps.store.transaction(async (tx) => {
        await tx.runs.transition(
          ctx.org,
          r.id,
          'cancelled',
          { stop_reason: 'cancelled', completed_at: at },
          at,
        );
        await this.deps.signals.send(tx.db, 'cancel', r.id);
      });
      this.controllers.get(r.id)?.abort(new LettaError('CONFLICT', 'run cancelled'));
      out[r.id] = 'cancelled';
    }
    return out;
  }

  /**
   * Starts reading the agent's blocks and tools, for a turn about to start (the caller reads the
   * conversation meanwhile). Never rejects unobserved: a failure surfaces where it is awaited.
   */
  readAgentState(ctx: RequestContext, agent: AgentRecord): Promise<AgentState> {
    const state = readAgentState(this.deps.store, ctx, agent);
    state.catch(() => {});
    return state;
  }

  /** Waits for this process's runs to end (graceful shutdown), aborting them after `ms`. */
  async drain(ms: number): Promise<void> {
    const all = Promise.allSettled([...this.active]);
    const timer = setTimeout(() => {
      for (const c of this.controllers.values()) c.abort(new Error('server shutting down'));
    }, ms);
    await all;
    clearTimeout(timer);
    // Last chance for ends kept during a database outage (else the sweeper fails them later).
    await this.pendingEnds.flush();
    this.pendingEnds.close();
  }

  private newRun(req: TurnRequest): RunRecord {
    const now = nowIso();
    return {
      id: newId('run'),
      organization_id: req.ctx.org,
      agent_id: req.agent.id,
      conversation_id: req.conversation.id,
      status: 'created',
      stop_reason: null,
      background: req.background,
      callback_url: req.callbackUrl,
      metadata: {},
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      step_count: 0,
      owner: this.deps.instanceId,
      created_at: now,
      updated_at: now,
      completed_at: null,
    };
  }

  /**
   * The fast start: one transaction stores the run, claims the conversation and begins the turn.
   * When another process holds the conversation, only the run is stored (the caller then waits).
   */
  private async claimAndBegin(ticket: Ticket, turn: ActiveTurn): Promise<void> {
    const { ctx, agent, conversation, input } = turn.req;
    const { store } = this.deps;
    const prepared = await prepareTurn(
      store,
      ctx,
      agent,
      turn.run,
      conversation.id,
      input,
      turn.req.clientTools,
      turn.req.agentState,
    );
    turn.prepared = prepared;
    const seen = this.cache.get(conversation.id, conversation.in_context_message_ids);
    if (
      seen &&
      !(prepared.userMessages.length > 0 && pendingApproval(seen)) &&
      systemMessageCurrent(agent, conversation, prepared.blocks, prepared.folders, seen)
    ) {
      await this.claimAndBeginAsSeen(ticket, turn, seen);
      return;
    }
    await store.transaction(async (tx) => {
      await tx.runs.insert(turn.run);
      const claim = await ticket.claimNow(tx, conversation.id, turn.run.id);
      if (!claim) return;
      turn.claim = claim;
      turn.context =
        (await beginTurn(tx, ctx, agent, turn.run, claim.conversation, prepared, this.cache)) ?? null;
    });
  }

  /**
   * The fast start when this process last wrote the conversation (its context is cached, its
   * system message current): two write batches and no reads. The first stores the run and claims
   * the conversation if it is still as cached; the second marks the run running and stores the
   * user messages in the context. When the claim is not taken, only the run is stored (the caller
   * then waits for the conversation as usual).
   */
  private async claimAndBeginAsSeen(ticket: Ticket, turn: ActiveTurn, seen: MessageRecord[]): Promise<void> {
    const { ctx, conversation } = turn.req;
    const { store } = this.deps;
    const { run } = turn;
    const userMessages = (turn.prepared as PreparedTurn).userMessages;
    const claim = ticket.claimUnchanged(conversation, run.id);
    const [, claimed] = await store.writeBatch([...store.runs.insertWrites(run), claim.write]);
    if (claimed !== 1) return;
    turn.claim = claim.held();
    const at = nowIso();
    const context = [...seen, ...userMessages.map((m, i) => ({ ...m, seq: i }) as MessageRecord)];
    const [running] = await store.writeBatch([
      store.runs.transitionWrite(ctx.org, run.id, 'running', {}, at),
      ...store.messages.insertWrites(userMessages),
      store.conversations.setContextWrite(
        ctx.org,
        conversation.id,
        context.map((m) => m.id),
        at,
      ),
    ]);
    // Cancelled between the two batches: the messages are stored, the run does not go on.
    turn.context = running === 1 ? context : null;
  }

  private async execute(turn: ActiveTurn, ticket: Ticket): Promise<TurnResult> {
    const { req, run, channel, controller } = turn;
    let outcome: StepsOutcome = { stopReason: 'error', messages: [], usage: emptyUsage() };
    try {
      turn.claim ??= await ticket.acquire(
        req.conversation.id,
        run.id,
        this.deps.conversationWaitMs,
        controller.signal,
      );
      outcome = await this.steps(turn);
    } catch (err) {
      outcome.final = undefined;
      if (controller.signal.aborted) outcome.stopReason = 'cancelled';
      else {
        outcome.error = err instanceof LettaError ? err : undefined;
        if (isDatabaseFault(err))
          this.deps.log.warn({ code: err.code, detail: err.message, run_id: run.id }, 'run failed');
        else this.deps.log.error({ err, run_id: run.id }, 'run failed');
      }
    }
    const { stopReason, usage, error, messages } = outcome;
    const final =
      outcome.final ??
      (await this.endOnItsOwn(turn, {
        stopReason,
        usage,
        metadata: error ? { error: error.message, code: error.code } : undefined,
        events: eventsToKeep(
          run,
          channel,
          turn.storedSeq,
          [],
          tailEvents(stopReason, { ...usage, run_ids: [run.id] }),
        ),
      })) ??
      (await this.unwritten(turn, stopReason, usage));
    const fullUsage = { ...usage, run_ids: [run.id] };
    for (const e of tailEvents(stopReason, fullUsage)) channel.publish(e);
    this.deps.channels.close(run.id);
    runMetrics.runEnded(
      final.status,
      final.stop_reason ?? 'none',
      (Date.parse(final.completed_at ?? final.updated_at) - Date.parse(final.created_at)) / 1000,
    );
    this.controllers.delete(run.id);
    return {
      run: final,
      conversationId: req.conversation.id,
      messages,
      content: replyText(messages),
      stopReason,
      usage: fullUsage,
      error,
    };
  }

  /** The steps of a claimed turn, until one ends it (or `maxSteps`). */
  private async steps(turn: ActiveTurn): Promise<StepsOutcome> {
    const { req, run, channel, controller } = turn;
    const { ctx, agent } = req;
    const { store } = this.deps;
    const signal = controller.signal;
    const usage = emptyUsage();
    const messages: LettaMessage[] = [];
    // The conversation row as claimed for this run: fresh, and nobody else can change it now.
    const conv = (turn.claim as Claim).conversation;
    const prepared =
      turn.prepared ?? (await prepareTurn(store, ctx, agent, run, conv.id, req.input, req.clientTools));
    if (turn.context === undefined)
      turn.context =
        (await store.transaction((tx) => beginTurn(tx, ctx, agent, run, conv, prepared, this.cache))) ?? null;
    if (!turn.context) return { stopReason: 'cancelled', messages, usage };
    let context = turn.context;
    this.cache.set(conv.id, context);
    for (const m of prepared.userMessages)
      messages.push(...publish(channel, toLettaMessages({ ...m, seq: 0 } as MessageRecord)));

    const { tools } = prepared;
    const clientTools = req.clientTools ?? [];
    const toolDefs = [...toolDefinitions(agent, tools), ...clientToolDefinitions(clientTools)];
    const toolTokens = toolDefinitionTokens(toolDefs);
    const window = contextWindowFor(agent, req.model, this.deps.defaultContextWindow);
    const scope = { ctx, agent, conversationId: conv.id, run, model: req.model, signal };
    const toolEnv = {
      ctx,
      store,
      agent,
      conversation: conv,
      archival: this.deps.archival,
      files: this.deps.files,
      custom: customToolRunner(this.deps.sandbox, tools),
      mcp: mcpToolRunner(this.deps.mcp, store, tools),
      sandbox: this.deps.sandbox,
    };
    if (req.approvals) {
      context = await this.answerApprovals(turn, context, toolEnv, tools, messages);
      this.cache.set(conv.id, context);
    }

    for (let step = 0; step < req.maxSteps; step++) {
      if (signal.aborted || (step > 0 && (await this.cancelledElsewhere(ctx, run.id))))
        return { stopReason: 'cancelled', messages, usage };

      // 1. Fit the window.
      if (needsCompaction(context.reduce((n, m) => n + m.tokens, 0) + toolTokens, window)) {
        context = await compactContext(store, scope, context, toolTokens, window);
        this.cache.set(conv.id, context);
      }

      // 2. Call the model; the provider's tokenizer may disagree with ours: compact harder and
      //    retry (as Letta, 3 times).
      const stepId = newId('step');
      const endStep = enterSpan('letta.step', {
        'letta.run_id': run.id,
        'letta.step_id': stepId,
        'letta.step': step,
      });
      const assistantId = newId('message');
      let result: ChatResult | undefined;
      for (let attempt = 0; result === undefined; attempt++) {
        try {
          result = await callModel({
            agent,
            model: req.model,
            runId: run.id,
            stepId,
            assistantId,
            context,
            tools: toolDefs,
            stream: req.streamTokens,
            channel,
            signal,
          });
        } catch (err) {
          if (isAbortError(err) || signal.aborted) return { stopReason: 'cancelled', messages, usage };
          if (isContextOverflowError(err) && attempt < 3) {
            const shrunk = await compactContext(
              store,
              scope,
              context,
              toolTokens,
              window,
              0.5 + attempt * 0.2,
            );
            if (shrunk.length < context.length) {
              context = shrunk;
              this.cache.set(conv.id, context);
              continue;
            }
          }
          const error = isLettaError(err)
            ? err
            : new LettaError('LLM_ERROR', `model call failed: ${(err as Error).message}`, { cause: err });
          return { stopReason: 'llm_api_error', messages, usage, error };
        }
      }
      const stepUsage = await usageOf(result, context, toolTokens);
      usage.prompt_tokens += stepUsage.prompt;
      usage.completion_tokens += stepUsage.completion;
      usage.total_tokens += stepUsage.prompt + stepUsage.completion;
      usage.step_count += 1;

      // 3. Run the tools the model asked for.
      const at = nowIso();
      const base = { ...messageBase(ctx.org, agent, conv.id, run, at), step_id: stepId };
      const toolCalls = result.toolCalls.map((c) => ({
        ...c,
        id: c.id || `call_${newId('step').slice(5, 29)}`,
      }));
      const held = needsApproval(tools, toolCalls, clientTools);
      const assistant: NewMessage = {
        ...base,
        ...(held && { metadata: { ...base.metadata, approval_request: true } }),
        id: assistantId,
        role: 'assistant',
        content: result.content,
        reasoning: result.reasoning,
        tool_calls: toolCalls.length > 0 ? toolCalls : null,
        tokens: await countTokensAsync((result.content ?? '') + JSON.stringify(toolCalls)),
      };
      // A call that needs a human's approval: nothing runs, the run ends asking for it.
      // Calls that need approval are stored with the step and run when the answer comes.
      const ran = await runStepTools(toolEnv, tools, held ? [] : toolCalls, base);
      const stepMessages = [assistant, ...ran.returns];

      // 4. Store the step in one transaction; the last step's also ends the run.
      const stopReason = held ? 'requires_approval' : decide(agent.agent_type, result, toolCalls.length, ran);
      const stored = stepMessages.map((m, i) => ({ ...m, seq: i }) as MessageRecord);
      const outgoing = stored.flatMap((m) => toLettaMessages(m));
      let next = [...context, ...stored];
      const stepRecord: StepRecord = {
        id: stepId,
        organization_id: ctx.org,
        run_id: run.id,
        agent_id: agent.id,
        model: req.model.handle,
        prompt_tokens: stepUsage.prompt,
        completion_tokens: stepUsage.completion,
        total_tokens: stepUsage.prompt + stepUsage.completion,
        stop_reason: stopReason,
        created_at: at,
      };
      const tail = stopReason === null ? [] : tailEvents(stopReason, { ...usage, run_ids: [run.id] });
      const events = eventsToKeep(run, channel, turn.storedSeq, outgoing, tail);
      let final: RunRecord | undefined;
      if (!ran.memoryChanged) {
        // The common step: its writes need nothing read back, so they go as one batch (one round
        // trip on PostgreSQL).
        final = await this.commitStep(turn, {
          messages: stepMessages,
          step: stepRecord,
          context: next,
          at,
          events,
          usage,
        });
      } else {
        final = await store.transaction(async (tx) => {
          await tx.messages.insertMany(stepMessages);
          await tx.runs.addStep(stepRecord);
          const blocks = await tx.blocks.listForAgent(ctx.org, agent.id);
          next = await refreshSystemMessage(tx, ctx, agent, conv, blocks, next, true);
          await tx.conversations.setContext(
            ctx.org,
            conv.id,
            next.map((m) => m.id),
            at,
          );
          if (stopReason !== null) return this.writeEnd(tx, turn, { stopReason, usage, events });
          if (events.length > 0) {
            await tx.runs.appendEvents(ctx.org, run.id, events, at);
            await this.deps.signals.send(tx.db, 'events', run.id);
          }
          return undefined;
        });
      }
      context = next;
      this.cache.set(conv.id, context);
      messages.push(...publish(channel, outgoing));
      turn.storedSeq = channel.lastSeq;
      endStep();
      if (stopReason !== null) return { stopReason, messages, usage, final };
    }
    return { stopReason: 'max_steps', messages, usage };
  }

  /**
   * Answers the approval request the conversation waits on: the approved calls run, the denied
   * ones return errors; the returns are stored and published, and the steps go on.
   */
  private async answerApprovals(
    turn: ActiveTurn,
    context: MessageRecord[],
    toolEnv: ToolEnv,
    tools: ToolRecord[],
    messages: LettaMessage[],
  ): Promise<MessageRecord[]> {
    const { req, run, channel } = turn;
    const { ctx, agent } = req;
    const conv = (turn.claim as Claim).conversation;
    const pending = pendingApproval(context);
    if (!pending) throw new LettaError('VALIDATION_ERROR', 'no approval request is pending');
    const at = nowIso();
    const base = { ...messageBase(ctx.org, agent, conv.id, run, at), step_id: pending.step_id };
    const ran = await answerApprovals(toolEnv, tools, pending, req.approvals ?? [], base);
    const stored = ran.returns.map((m, i) => ({ ...m, seq: i }) as MessageRecord);
    let next = [...context, ...stored];
    await this.deps.store.transaction(async (tx) => {
      await tx.messages.insertMany(ran.returns);
      if (ran.memoryChanged) {
        const blocks = await tx.blocks.listForAgent(ctx.org, agent.id);
        next = await refreshSystemMessage(tx, ctx, agent, conv, blocks, next, true);
      }
      await tx.conversations.setContext(
        ctx.org,
        conv.id,
        next.map((m) => m.id),
        at,
      );
    });
    messages.push(
      ...publish(
        channel,
        stored.flatMap((m) => toLettaMessages(m)),
      ),
    );
    return next;
  }

  /**
   * Writes the end of a turn that did not end with a step, in its own transaction; undefined when
   * the database could not take it (then it is kept and written once the database is back).
   */
  private async endOnItsOwn(turn: ActiveTurn, end: RunEnd): Promise<RunRecord | undefined> {
    const { ctx } = turn.req;
    const { run } = turn;
    try {
      return await this.deps.store.transaction((tx) => this.writeEnd(tx, turn, end));
    } catch (err) {
      if (isDatabaseFault(err) && run.conversation_id) {
        // The claim is released by row here, since the gate's own release has already let the
        // in-process queue move on.
        const conversationId = run.conversation_id;
        this.pendingEnds.add(run.id, conversationId, async (tx) => {
          await writeRunEnd(tx, ctx, run, end, (t) => (t ?? tx).claims.release(conversationId, run.id));
        });
      } else this.deps.log.error({ err, run_id: run.id }, 'could not record the end of a run');
      return undefined;
    }
  }

  /** Writes the run's end in `tx` and tells followers in other processes at the commit. */
  private async writeEnd(tx: Store, turn: ActiveTurn, end: RunEnd): Promise<RunRecord> {
    const final = await writeRunEnd(tx, turn.req.ctx, turn.run, end, turn.claim?.release);
    await this.deps.signals.send(tx.db, 'events', turn.run.id);
    return final;
  }

  /**
   * Stores a step whose tools changed no memory, in one write batch: its messages, the step, the
   * conversation's context, and with the last step (`step.stop_reason` set) the run's end, the
   * agent's last stop reason and the release of the claim (as {@link writeRunEnd} does), the
   * events kept for resume and the signal to followers. Returns the run as ended, if it did.
   */
  private async commitStep(
    turn: ActiveTurn,
    w: {
      messages: NewMessage[];
      step: StepRecord;
      context: MessageRecord[];
      at: string;
      events: { seq_id: number; payload: unknown }[];
      usage: Usage;
    },
  ): Promise<RunRecord | undefined> {
    const { store, signals } = this.deps;
    const { ctx, agent } = turn.req;
    const { run, claim } = turn;
    const conversationId = (claim as Claim).conversation.id;
    const stopReason = w.step.stop_reason as StopReason | null;
    const ending = stopReason !== null;
    const writes: BatchedWrite[] = [
      ...store.messages.insertWrites(w.messages),
      ...store.runs.addStepWrites(w.step),
      store.conversations.setContextWrite(
        ctx.org,
        conversationId,
        w.context.map((m) => m.id),
        w.at,
        ending ? run.id : undefined,
      ),
    ];
    const transition = writes.length;
    if (ending) {
      writes.push(
        store.runs.transitionWrite(
          ctx.org,
          run.id,
          runStatusFor(stopReason),
          { stop_reason: stopReason, completed_at: w.at, usage: w.usage },
          w.at,
        ),
        store.agents.setLastStopReasonWrite(ctx.org, agent.id, stopReason, w.at),
      );
    }
    writes.push(...store.runs.appendEventsWrites(ctx.org, run.id, w.events, w.at));
    if (ending || w.events.length > 0) writes.push(signals.sendWrite('events', run.id));
    const changed = await store.writeBatch(writes);
    if (!ending) return undefined;
    claim?.released();
    // Cancelled elsewhere first: the run keeps that status.
    const status = changed[transition] === 1 ? runStatusFor(stopReason) : 'cancelled';
    return endedRun(run, status, stopReason, w.at, w.usage, undefined);
  }

  /** The end as it would have been written (the database is away): the queue moves on anyway. */
  private async unwritten(turn: ActiveTurn, stopReason: StopReason, usage: Usage): Promise<RunRecord> {
    // Leave the in-process queue at least; the database claim is released with the end once the
    // database is back (PendingRunEnds).
    await turn.claim?.release().catch(() => {});
    return endedRun(turn.run, runStatusFor(stopReason), stopReason, nowIso(), usage, undefined);
  }

  private async cancelledElsewhere(ctx: RequestContext, runId: string): Promise<boolean> {
    const run = await this.deps.store.runs.get(ctx.org, runId);
    return run?.status === 'cancelled';
  }
}

function publish(channel: RunChannel, messages: LettaMessage[]): LettaMessage[] {
  return messages.map((m) => ({ ...m, seq_id: channel.publish(m) }));
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
