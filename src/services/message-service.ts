/**
 * Sends: every send is a run (`run-…`) that goes created → running → completed | failed |
 * cancelled. The run executes independently of the caller: a client that disconnects does not
 * stop it (its messages are stored and its events can be resumed); only a cancel does.
 */

import { LettaError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { AgentLoop, type PreparedTurn, type TurnEnd } from '../runtime/agent-loop.js';
import type { Claim, ConversationGate, Ticket } from '../runtime/conversation-gate.js';
import { type LettaMessage, replyText } from '../runtime/letta-messages.js';
import type { ProviderRegistry } from '../runtime/llm/index.js';
import type { ResolvedModel } from '../runtime/llm/types.js';
import type { RunChannel, RunChannels, StreamEvent } from '../runtime/run-channel.js';
import { runStatusFor, type StopReason, type Usage } from '../runtime/stop-reasons.js';
import type { ArchivalTools } from '../runtime/tools/execute-tool.js';
import type { ToolSandbox } from '../runtime/tools/sandbox/tool-sandbox.js';
import type { AgentRecord, ConversationRecord, RunRecord, RunStatus } from '../store/records.js';
import { nowIso } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { CallbackService } from './callback-service.js';
import type { RequestContext } from './context.js';
import type { ConversationService } from './conversation-service.js';
import { PendingRunEnds } from './pending-run-ends.js';

export interface SendInput {
  agent: AgentRecord;
  conversationId?: string | null | undefined;
  messages: { content: string; name?: string | undefined; otid?: string | undefined }[];
  maxSteps?: number | undefined;
  /** Publish token deltas (the provider is called in streaming mode). */
  streamTokens?: boolean | undefined;
  /** Return at once; the run waits for the conversation in the background. */
  background?: boolean | undefined;
  callbackUrl?: string | undefined;
}

export interface SendResult {
  run: RunRecord;
  conversationId: string;
  messages: LettaMessage[];
  content: string;
  stopReason: StopReason;
  usage: Usage & { run_ids: string[] };
  error?: LettaError | undefined;
}

export interface RunHandle {
  run: RunRecord;
  conversation: ConversationRecord;
  channel: RunChannel;
  /** Settles when the run ends; never rejects (failures are in the result). */
  done: Promise<SendResult>;
}

export interface MessageServiceDeps {
  store: Store;
  conversations: ConversationService;
  providers: ProviderRegistry;
  gate: ConversationGate;
  channels: RunChannels;
  log: Logger;
  instanceId: string;
  conversationWaitMs: number;
  /** The window used when an agent sets no `context_window_limit` (capped by the model's own). */
  defaultContextWindow: number;
  archival?: ArchivalTools | undefined;
  /** Checks `callback_url` when a send names it and delivers it when the run ends. */
  callbacks: CallbackService;
  /** Runs custom tools (Python) during turns. */
  sandbox?: ToolSandbox | undefined;
  /** Called once per run when it has ended (metrics). */
  onRunEnd?: ((run: RunRecord) => void) | undefined;
}

export const DEFAULT_MAX_STEPS = 50;

/**
 * An agent's context window: its own `context_window_limit`, else the server default (32k, as
 * Letta recommends: larger windows are slower, costlier and less reliable), never more than the
 * model's window.
 */
export function contextWindowFor(agent: AgentRecord, model: ResolvedModel, fallback: number): number {
  const modelWindow = model.contextWindow > 0 ? model.contextWindow : fallback;
  return Math.min(agent.context_window_limit ?? fallback, modelWindow);
}

/** The in-process queue key: the conversation id, or the agent's default conversation. */
function queueKey(agent: AgentRecord, conversationId: string | null | undefined): string {
  return conversationId && conversationId !== 'default' && conversationId !== agent.id
    ? conversationId
    : `default:${agent.id}`;
}

export class MessageService {
  private readonly loop: AgentLoop;
  private readonly controllers = new Map<string, AbortController>();
  private readonly active = new Set<Promise<SendResult>>();
  private readonly pendingEnds: PendingRunEnds;

  constructor(private readonly deps: MessageServiceDeps) {
    this.loop = new AgentLoop(deps.store, deps.archival, deps.sandbox);
    this.pendingEnds = new PendingRunEnds(deps.store, deps.log);
  }

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
    if (input.messages.length === 0)
      throw new LettaError('VALIDATION_ERROR', 'at least one message is required');
    const model = this.resolveModel(agent);
    // The queue place is taken before any await, so concurrent sends keep their arrival order.
    const ticket = this.deps.gate.enqueue(queueKey(agent, input.conversationId));
    try {
      return await this.startQueued(ctx, input, model, ticket);
    } catch (err) {
      ticket.cancel();
      throw err;
    }
  }

  private async startQueued(
    ctx: RequestContext,
    input: SendInput,
    model: ResolvedModel,
    ticket: Ticket,
  ): Promise<RunHandle> {
    const { agent } = input;
    // Checked with the queue place held (a refusal cancels the ticket): 422 before anything runs.
    if (input.callbackUrl) await this.deps.callbacks.check(input.callbackUrl);
    const conversation = await this.deps.conversations.resolve(ctx, agent, input.conversationId);
    // A run of this conversation ended while the database was away: write that end (and free
    // the conversation) first; if the database still cannot take it, this send fails now.
    if (this.pendingEnds.size > 0) await this.pendingEnds.settle(conversation.id);
    const now = nowIso();
    const run: RunRecord = {
      id: newId('run'),
      organization_id: ctx.org,
      agent_id: agent.id,
      conversation_id: conversation.id,
      status: 'created',
      stop_reason: null,
      background: input.background ?? false,
      callback_url: input.callbackUrl ?? null,
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
    // Uncontended (nobody queued here): the run is stored in the transaction of the first claim
    // attempt. Otherwise it is stored now, so it can be seen and cancelled while it waits.
    const fast = !input.background && ticket.first;
    if (!fast) await this.deps.store.runs.insert(run);
    const controller = new AbortController();
    this.controllers.set(run.id, controller);
    const channel = this.deps.channels.open(run.id);
    let claim: Claim | undefined;
    let prepared: PreparedTurn | undefined;
    if (!input.background) {
      try {
        // Fast path: one transaction stores the run, claims the conversation and starts the turn.
        const turn = { ctx, agent, run };
        if (fast) {
          prepared = await this.loop.prepare({
            ...turn,
            input: input.messages,
            conversationId: conversation.id,
          });
        }
        const first = prepared;
        claim = await ticket.acquire(
          conversation.id,
          run.id,
          this.deps.conversationWaitMs,
          controller.signal,
          first
            ? {
                before: (tx) => tx.runs.insert(run),
                after: (tx, claimed) => this.loop.begin(tx, turn, claimed, first),
              }
            : undefined,
        );
      } catch (err) {
        await this.finish(ctx, run, 'error', undefined, { error: String((err as Error).message) });
        this.controllers.delete(run.id);
        throw err;
      }
    }
    const done = this.execute(
      ctx,
      input,
      run,
      conversation,
      model,
      channel,
      controller,
      claim ?? ticket,
      prepared,
    );
    this.active.add(done);
    void done.finally(() => this.active.delete(done));
    return { run, conversation, channel, done };
  }

  private async execute(
    ctx: RequestContext,
    input: SendInput,
    run: RunRecord,
    conversation: ConversationRecord,
    model: ResolvedModel,
    channel: RunChannel,
    controller: AbortController,
    held: Claim | Ticket,
    prepared?: PreparedTurn,
  ): Promise<SendResult> {
    let claim: Claim | undefined = 'release' in held ? held : undefined;
    const ticket = 'release' in held ? undefined : held;
    let stopReason: StopReason = 'error';
    let messages: LettaMessage[] = [];
    let usage: Usage = { completion_tokens: 0, prompt_tokens: 0, total_tokens: 0, step_count: 0 };
    let error: LettaError | undefined;
    let final: RunRecord | undefined;
    // A turn that ends normally records the run's end with its last step (one commit).
    const finalize = async (tx: Store, end: TurnEnd) => {
      const events = this.eventsToKeep(run, channel, end.pending, end.stopReason, end.usage);
      final = await this.writeEnd(tx, ctx, run, end.stopReason, end.usage, undefined, events, claim?.release);
    };
    try {
      claim ??= await ticket!.acquire(
        conversation.id,
        run.id,
        this.deps.conversationWaitMs,
        controller.signal,
      );
      {
        const result = await this.loop.run(
          {
            ctx,
            agent: input.agent,
            conversation: claim.conversation,
            run,
            model,
            contextWindow: contextWindowFor(input.agent, model, this.deps.defaultContextWindow),
            input: input.messages,
            maxSteps: input.maxSteps ?? DEFAULT_MAX_STEPS,
            streamTokens: input.streamTokens ?? false,
            channel,
            signal: controller.signal,
            finalize,
          },
          prepared,
        );
        ({ stopReason, messages, usage, error } = result);
        if (!result.finalized) final = undefined;
      }
    } catch (err) {
      final = undefined;
      if (controller.signal.aborted) stopReason = 'cancelled';
      else {
        error = err instanceof LettaError ? err : undefined;
        if (error && isDatabaseFault(error))
          this.deps.log.warn({ code: error.code, detail: error.message, run_id: run.id }, 'run failed');
        else this.deps.log.error({ err, run_id: run.id }, 'run failed');
      }
    }
    const fullUsage = { ...usage, run_ids: [run.id] };
    // `final` is set only when the end was committed with the last step.
    final ??= await this.finish(
      ctx,
      run,
      stopReason,
      usage,
      error ? { error: error.message, code: error.code } : undefined,
      this.eventsToKeep(run, channel, [], stopReason, usage),
      claim?.release,
    );
    if (!final) {
      // Not written (the database is away): leave the in-process queue at least; the database
      // claim is released with the end once the database is back (PendingRunEnds).
      await claim?.release().catch(() => {});
      final = ended(run, runStatusFor(stopReason), stopReason, nowIso(), usage, undefined);
    }
    for (const e of tailEvents(stopReason, fullUsage)) channel.publish(e);
    this.deps.channels.close(run.id);
    this.deps.onRunEnd?.(final);
    this.controllers.delete(run.id);
    if (run.callback_url) void this.deps.callbacks.deliver(final);
    return {
      run: final,
      conversationId: conversation.id,
      messages,
      content: replyText(messages),
      stopReason,
      usage: fullUsage,
      error,
    };
  }

  /**
   * The run's events to store for resume: those published so far, then `pending` (published
   * after the commit), then the stop reason and usage. The last events are stored before the run
   * is marked ended, so a resume never misses them. Events are kept only when someone streamed
   * the run or it runs in the background.
   */
  private eventsToKeep(
    run: RunRecord,
    channel: RunChannel,
    pending: LettaMessage[],
    stopReason: StopReason,
    usage: Usage,
  ): { seq_id: number; payload: unknown }[] {
    if (!run.background && !channel.subscribed) return [];
    const lastSeq = channel.lastSeq;
    const next = [...pending, ...tailEvents(stopReason, { ...usage, run_ids: [run.id] })];
    return [
      ...channel.since(0).map((e) => ({ seq_id: e.seq_id, payload: e.event })),
      ...next.map((payload, i) => ({ seq_id: lastSeq + i + 1, payload })),
    ];
  }

  /**
   * Records the end of a run in its own transaction (turns that did not finalize with a step);
   * undefined when it could not be written (kept for later when the database is away).
   */
  private async finish(
    ctx: RequestContext,
    run: RunRecord,
    stopReason: StopReason,
    usage: Usage | undefined,
    metadata: Record<string, string> | undefined,
    events: { seq_id: number; payload: unknown }[] = [],
    release?: Claim['release'],
  ): Promise<RunRecord | undefined> {
    try {
      return await this.deps.store.transaction((tx) =>
        this.writeEnd(tx, ctx, run, stopReason, usage, metadata, events, release),
      );
    } catch (err) {
      if (isDatabaseFault(err) && run.conversation_id) {
        // Written again once the database is back; the claim is released by row, since the
        // gate's own release has already let the in-process queue move on.
        const conversationId = run.conversation_id;
        this.pendingEnds.add(run.id, conversationId, async (tx) => {
          await this.writeEnd(tx, ctx, run, stopReason, usage, metadata, events, (t) =>
            (t ?? tx).claims.release(conversationId, run.id),
          );
        });
      } else this.deps.log.error({ err, run_id: run.id }, 'could not record the end of a run');
      return undefined;
    }
  }

  /** Marks the run ended, records the agent's last stop reason, stores events, releases the claim. */
  private async writeEnd(
    tx: Store,
    ctx: RequestContext,
    run: RunRecord,
    stopReason: StopReason,
    usage: Usage | undefined,
    metadata: Record<string, string> | undefined,
    events: { seq_id: number; payload: unknown }[],
    release?: Claim['release'],
  ): Promise<RunRecord> {
    const at = nowIso();
    const changed = await tx.runs.transition(
      ctx.org,
      run.id,
      runStatusFor(stopReason),
      {
        stop_reason: stopReason,
        completed_at: at,
        ...(metadata ? { metadata } : {}),
        ...(usage ? { usage } : {}),
      },
      at,
    );
    await tx.agents.setLastStopReason(ctx.org, run.agent_id, stopReason, at);
    await tx.runs.appendEvents(ctx.org, run.id, events, at);
    await release?.(tx);
    // Cancelled elsewhere first: the run keeps that status.
    return ended(run, changed ? runStatusFor(stopReason) : 'cancelled', stopReason, at, usage, metadata);
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
    const out: Record<string, string> = {};
    for (const r of active) {
      const at = nowIso();
      await this.deps.store.runs.transition(
        ctx.org,
        r.id,
        'cancelled',
        { stop_reason: 'cancelled', completed_at: at },
        at,
      );
      this.controllers.get(r.id)?.abort(new LettaError('CONFLICT', 'run cancelled'));
      out[r.id] = 'cancelled';
    }
    return out;
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

  private resolveModel(agent: AgentRecord): ResolvedModel {
    if (!agent.model) {
      throw new LettaError(
        'MODEL_NOT_FOUND',
        `Agent '${agent.name}' has no model; set one (e.g. "openai/gpt-4o-mini") or LETTA_DEFAULT_LLM_HANDLE`,
      );
    }
    return this.deps.providers.resolve(agent.model);
  }
}

/** A database outage or full disk (not a bug): the run's end is kept and written later. */
function isDatabaseFault(err: unknown): err is LettaError {
  return err instanceof LettaError && (err.code === 'DATABASE_UNAVAILABLE' || err.code === 'STORAGE_FULL');
}

/** The stream's last two events: how the run stopped and what it used. */
function tailEvents(stopReason: StopReason, usage: Usage & { run_ids: string[] }): StreamEvent[] {
  return [
    { message_type: 'stop_reason', stop_reason: stopReason },
    { message_type: 'usage_statistics', ...usage },
  ];
}

/** The run record as it ended. */
function ended(
  run: RunRecord,
  status: RunStatus,
  stopReason: StopReason,
  at: string,
  usage: Usage | undefined,
  metadata: Record<string, string> | undefined,
): RunRecord {
  return {
    ...run,
    status,
    stop_reason: status === 'cancelled' ? 'cancelled' : stopReason,
    completed_at: at,
    updated_at: at,
    ...(metadata ? { metadata } : {}),
    ...(usage
      ? {
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          total_tokens: usage.total_tokens,
          step_count: usage.step_count,
        }
      : {}),
  };
}
