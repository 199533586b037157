/**
 * One model call of a step: the request built from the in-context messages and the tool
 * definitions, sent whole or streamed. Streamed, each content, reasoning and tool-call delta is
 * published on the run's channel the moment it arrives (live only; the whole step is published
 * once it is stored).
 */
import { LettaError } from '../errors.js';
import type { AgentRecord, MessageRecord } from '../store/records.js';
import { nowIso } from '../store/records.js';
import { span } from '../telemetry.js';
import { toChatMessages } from './chat-context.js';
import { toLettaMessages } from './letta-messages.js';
import type { ChatRequest, ChatResult, ResolvedModel, ToolDefinition } from './llm/types.js';
import type { RunChannel } from './run-channel.js';

export interface ModelCall {
  agent: AgentRecord;
  model: ResolvedModel;
  runId: string;
  stepId: string;
  /** The id the assistant message of this step will be stored under (deltas carry it). */
  assistantId: string;
  context: MessageRecord[];
  tools: ToolDefinition[];
  /** Stream, publishing deltas on `channel`. */
  stream: boolean;
  channel: RunChannel;
  signal: AbortSignal;
}

/** Calls the model (in a `letta.model_call` span when tracing is on). */
export function callModel(call: ModelCall): Promise<ChatResult> {
  const attrs = {
    'letta.run_id': call.runId,
    'letta.step_id': call.stepId,
    'gen_ai.request.model': call.model.model,
    'letta.model': call.model.handle,
    'letta.stream': call.stream,
  };
  return span('letta.model_call', attrs, async (set) => {
    const result = await modelCall(call);
    set({
      'gen_ai.usage.input_tokens': result.usage.promptTokens,
      'gen_ai.usage.output_tokens': result.usage.completionTokens,
      'letta.tool_calls': result.toolCalls.length,
    });
    return result;
  });
}

async function modelCall(call: ModelCall): Promise<ChatResult> {
  const { agent, tools } = call;
  const settings = agent.model_settings;
  const request: ChatRequest = {
    model: call.model.model,
    messages: toChatMessages(call.context),
    signal: call.signal,
    ...(tools.length > 0
      ? { tools, toolChoice: agent.agent_type === 'memgpt_v2_agent' ? 'required' : 'auto' }
      : {}),
    ...(typeof settings.temperature === 'number' ? { temperature: settings.temperature } : {}),
    ...(typeof settings.max_output_tokens === 'number' ? { maxTokens: settings.max_output_tokens } : {}),
  };
  if (!call.stream) return call.model.client.chat(request);
  const { channel } = call;
  const base = { id: call.assistantId, date: nowIso(), run_id: call.runId, step_id: call.stepId };
  let final: ChatResult | undefined;
  const calls = new Map<number, { id: string; name: string }>();
  for await (const ev of call.model.client.stream(request)) {
    switch (ev.type) {
      case 'content':
        channel.delta({ ...base, message_type: 'assistant_message', content: ev.delta });
        break;
      case 'reasoning':
        channel.delta({
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
        channel.delta({ ...base, message_type: 'tool_call_message', tool_call, tool_calls: tool_call });
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
      channel.delta({ ...base, message_type: 'assistant_message', content: text });
  }
  return final;
}
