/**
 * The one boundary between the agent runtime and model providers.
 *
 * Everything the runtime knows about a model goes through {@link ModelClient}; providers
 * (OpenAI-compatible, Anthropic, Ollama) translate to and from these shapes. Tests fake the
 * model at the HTTP level (a scripted OpenAI-compatible server), never by replacing this
 * interface, so the real provider code is always exercised.
 */

import type { ToolCall } from '../../store/records.js';

/** One tool call requested by the model (stored as is on assistant messages). */
export type { ToolCall } from '../../store/records.js';

/** A JSON schema object, as sent to providers for tool parameters. */
export type JsonSchema = { [key: string]: unknown };

/** A message in the provider-neutral chat format the runtime sends. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string; name?: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[]; reasoning?: string | null }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export type ToolChoice = 'auto' | 'required' | 'none' | { name: string };

export interface ChatRequest {
  /** The provider's own model name (the part after `provider/` in a handle). */
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  temperature?: number;
  maxTokens?: number;
  /** Aborts the provider request (run cancellation, client timeouts). */
  signal?: AbortSignal;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

export interface ChatResult {
  content: string | null;
  reasoning: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: ChatUsage;
}

/** Incremental events from a streaming completion; always ends with exactly one `done`. */
export type ChatStreamEvent =
  | { type: 'content'; delta: string }
  | { type: 'reasoning'; delta: string }
  | { type: 'tool_call_delta'; index: number; id?: string; name?: string; argumentsDelta?: string }
  | { type: 'done'; result: ChatResult };

export interface EmbeddingRequest {
  model: string;
  inputs: string[];
  signal?: AbortSignal;
}

export interface EmbeddingResult {
  vectors: number[][];
  dimension: number;
}

/** A configured provider that can serve chat and (optionally) embeddings. */
export interface ModelClient {
  /** One whole completion. */
  chat(request: ChatRequest): Promise<ChatResult>;
  /** A streaming completion; the iterable ends after the `done` event. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
  /** Embeddings for a batch of inputs, in input order. */
  embed(request: EmbeddingRequest): Promise<EmbeddingResult>;
}

export type ProviderType = 'openai' | 'anthropic' | 'ollama';

/** What `GET /v1/models/` lists, in Letta's vocabulary. */
export interface ModelInfo {
  handle: string;
  name: string;
  providerName: string;
  providerType: ProviderType;
  contextWindow: number;
  endpoint: string;
}

export interface EmbeddingModelInfo {
  handle: string;
  name: string;
  providerName: string;
  providerType: ProviderType;
  dimension: number;
  endpoint: string;
}

/** A handle resolved to the client that serves it. */
export interface ResolvedModel {
  handle: string;
  model: string;
  providerName: string;
  providerType: ProviderType;
  contextWindow: number;
  endpoint: string;
  client: ModelClient;
}

export interface ResolvedEmbeddingModel {
  handle: string;
  model: string;
  providerName: string;
  providerType: ProviderType;
  dimension: number | null;
  client: ModelClient;
}
