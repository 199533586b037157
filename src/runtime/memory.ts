/**
 * Compiles memory blocks into the system prompt, in Letta's layout:
 * `<memory_blocks>` (one element per block with description, metadata and value) followed by
 * `<memory_metadata>`. The compiled text is stored as the conversation's system message and
 * rewritten only when memory changes (see {@link memoryFingerprint}), which keeps provider
 * prompt caches valid between sends.
 */
import type { BlockRecord } from '../store/records.js';

export interface MemoryMetadata {
  agentId: string;
  conversationId: string;
  /** Messages stored in recall memory (may be slightly stale, as in Letta). */
  recallCount: number;
  archivalCount: number;
  archivalTags: string[];
  /** The `<directories>` section (see file-blocks.ts), placed after the memory blocks. */
  directories?: string | null | undefined;
  now: Date;
}

export function compileMemory(blocks: BlockRecord[], meta: MemoryMetadata): string {
  const parts: string[] = [
    '<memory_blocks>',
    'The following memory blocks are currently engaged in your core memory unit:',
    '',
  ];
  for (const b of blocks) {
    parts.push(`<${b.label}>`);
    if (b.description) parts.push(`<description>\n${b.description}\n</description>`);
    parts.push('<metadata>');
    if (b.read_only) parts.push('- read_only=true');
    parts.push(`- chars_current=${b.value.length}`, `- chars_limit=${b.limit}`, '</metadata>');
    parts.push(`<value>\n${b.value}\n</value>`, `</${b.label}>`, '');
  }
  parts.push('</memory_blocks>', '');
  if (meta.directories) parts.push(meta.directories, '');
  parts.push('<memory_metadata>');
  parts.push(`- AGENT_ID: ${meta.agentId}`);
  parts.push(`- CONVERSATION_ID: ${meta.conversationId}`);
  parts.push(`- System prompt last recompiled: ${formatDate(meta.now)}`);
  parts.push(
    `- ${meta.recallCount} previous messages between you and the user are stored in recall memory (use tools to access them)`,
  );
  if (meta.archivalCount > 0) {
    parts.push(
      `- ${meta.archivalCount} total memories you created are stored in archival memory (use tools to access them)`,
    );
  }
  if (meta.archivalTags.length > 0)
    parts.push(`- Available archival memory tags: ${meta.archivalTags.join(', ')}`);
  parts.push('</memory_metadata>');
  return parts.join('\n');
}

/** The system template with memory placed at `{CORE_MEMORY}` (or appended). */
export function compileSystemPrompt(system: string, memory: string): string {
  if (system.includes('{CORE_MEMORY}')) return system.replace('{CORE_MEMORY}', memory);
  return `${system}\n\n${memory}`;
}

/**
 * A cheap identity of the memory state: block ids, versions and order. Equal fingerprints mean
 * the compiled memory text would be the same, so the system message need not be rewritten.
 */
export function memoryFingerprint(system: string, blocks: BlockRecord[]): string {
  let s = `${system.length}:${hash(system)}`;
  for (const b of blocks) s += `|${b.id}@${b.version}`;
  return s;
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36);
}

function formatDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(h12)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'} UTC+0000`;
}
