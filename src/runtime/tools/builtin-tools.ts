/**
 * The built-in tools, with Letta's names and parameters. Each is stored as a tool row per
 * organization (so agents attach and detach them like any tool) and executed in-process by
 * `execute-tool.ts`.
 */
import type { JsonSchema } from '../llm/types.js';
import type { AgentType } from '../prompts.js';

export interface BuiltinTool {
  name: string;
  toolType:
    | 'letta_core'
    | 'letta_memory_core'
    | 'letta_sleeptime_core'
    | 'letta_builtin'
    | 'letta_files_core';
  description: string;
  parameters: JsonSchema;
}

const str = (description: string) => ({ type: 'string', description });
const obj = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export const BUILTIN_TOOLS: readonly BuiltinTool[] = [
  {
    name: 'send_message',
    toolType: 'letta_core',
    description: 'Sends a message to the human user. This ends your turn.',
    parameters: obj({ message: str('Message contents. All unicode (including emojis) are supported.') }, [
      'message',
    ]),
  },
  {
    name: 'conversation_search',
    toolType: 'letta_core',
    description: 'Search prior conversation history (recall memory) by keywords, role and date range.',
    parameters: obj(
      {
        query: str('Keywords to search for; leave empty to list recent messages.'),
        roles: {
          type: 'array',
          items: { type: 'string', enum: ['assistant', 'user', 'tool'] },
          description: 'Only messages with these roles.',
        },
        limit: { type: 'integer', description: 'Maximum number of results (default 5).' },
        start_date: str('Only messages on or after this date (YYYY-MM-DD or ISO 8601).'),
        end_date: str('Only messages on or before this date (YYYY-MM-DD or ISO 8601).'),
      },
      [],
    ),
  },
  {
    name: 'core_memory_append',
    toolType: 'letta_memory_core',
    description: 'Append to the contents of a core memory block (joined with a newline).',
    parameters: obj({ label: str('Label of the memory block to edit.'), content: str('Text to append.') }, [
      'label',
      'content',
    ]),
  },
  {
    name: 'core_memory_replace',
    toolType: 'letta_memory_core',
    description: 'Replace text in a core memory block. To delete text, use an empty new_content.',
    parameters: obj(
      {
        label: str('Label of the memory block to edit.'),
        old_content: str('Exact text to replace.'),
        new_content: str('Replacement text.'),
      },
      ['label', 'old_content', 'new_content'],
    ),
  },
  {
    name: 'memory_insert',
    toolType: 'letta_memory_core',
    description: 'Insert text into a memory block at a given line (default: at the end).',
    parameters: obj(
      {
        label: str('Label of the memory block to edit.'),
        new_string: str('Text to insert.'),
        insert_line: {
          type: 'integer',
          description: 'Line number after which to insert (0 = start, -1 = end).',
        },
      },
      ['label', 'new_string'],
    ),
  },
  {
    name: 'memory_replace',
    toolType: 'letta_memory_core',
    description:
      'Replace a unique occurrence of old_string with new_string in a memory block. old_string must appear exactly once; do not include line-number prefixes.',
    parameters: obj(
      {
        label: str('Label of the memory block to edit.'),
        old_string: str('Exact text to replace; must be unique in the block.'),
        new_string: str('Replacement text (empty to delete).'),
      },
      ['label', 'old_string', 'new_string'],
    ),
  },
  {
    name: 'memory_rethink',
    toolType: 'letta_sleeptime_core',
    description: 'Rewrite a memory block entirely with new, reorganised contents.',
    parameters: obj({ label: str('Label of the memory block.'), new_memory: str('The full new contents.') }, [
      'label',
      'new_memory',
    ]),
  },
  {
    name: 'archival_memory_insert',
    toolType: 'letta_core',
    description:
      'Add a passage to archival memory (long-term storage searched by meaning). Write self-contained facts.',
    parameters: obj(
      {
        content: str('Content to store.'),
        tags: { type: 'array', items: { type: 'string' }, description: 'Optional tags for filtering.' },
      },
      ['content'],
    ),
  },
  {
    name: 'archival_memory_search',
    toolType: 'letta_core',
    description: 'Search archival memory by meaning and keywords.',
    parameters: obj(
      {
        query: str('What to search for.'),
        tags: { type: 'array', items: { type: 'string' }, description: 'Only passages with these tags.' },
        tag_match_mode: {
          type: 'string',
          enum: ['any', 'all'],
          description: 'Match any or all tags (default any).',
        },
        top_k: { type: 'integer', description: 'Maximum number of results.' },
        start_datetime: str('Only passages created at or after this time (ISO 8601).'),
        end_datetime: str('Only passages created at or before this time (ISO 8601).'),
      },
      ['query'],
    ),
  },
  {
    name: 'run_code',
    toolType: 'letta_builtin',
    description:
      'Run code in a sandbox (no network, no files of the host) and return its output. Supported languages: python, js.',
    parameters: obj(
      {
        code: str('The code to run. Print what you want to see.'),
        language: { type: 'string', enum: ['python', 'js'], description: 'The language of the code.' },
      },
      ['code', 'language'],
    ),
  },
  {
    name: 'web_search',
    toolType: 'letta_builtin',
    description: 'Search the web and return the top results (title, URL and an excerpt).',
    parameters: obj(
      {
        query: str('What to search for.'),
        num_results: { type: 'integer', description: 'How many results (1-10, default 5).' },
      },
      ['query'],
    ),
  },
  {
    name: 'open_files',
    toolType: 'letta_files_core',
    description:
      'Open one or more files of your folders and load their contents into the files section of your context window (at most 5 open at once; the least recently used are closed). Use it to read a file, or a range of its lines, while reasoning.',
    parameters: obj(
      {
        file_requests: {
          type: 'array',
          description: 'The files to open, each named as folder_name/file_name.',
          items: {
            type: 'object',
            properties: {
              file_name: str('Name of the file to open (folder_name/file_name).'),
              offset: {
                type: 'integer',
                description: 'Optional starting line number (1-indexed). Default: the start of the file.',
              },
              length: {
                type: 'integer',
                description: 'Optional number of lines to view from offset. Default: to the end of the file.',
              },
            },
            required: ['file_name'],
            additionalProperties: false,
          },
        },
        close_all_others: {
          type: 'boolean',
          description: 'Close every other open file first (default false).',
        },
      },
      ['file_requests'],
    ),
  },
  {
    name: 'grep_files',
    toolType: 'letta_files_core',
    description:
      'Search the contents of the files in your folders for a keyword or regular expression, with lines of context around each match. Results are paginated: 20 matches per call (use offset for more).',
    parameters: obj(
      {
        pattern: str('Keyword or regular expression to search for in file contents.'),
        include: str('Optional keyword or regular expression the file names must match.'),
        context_lines: {
          type: 'integer',
          description: 'Lines of context before and after each match (like grep -C; default 1).',
        },
        offset: { type: 'integer', description: 'Matches to skip (pagination; default 0).' },
      },
      ['pattern'],
    ),
  },
  {
    name: 'semantic_search_files',
    toolType: 'letta_files_core',
    description:
      'Search the contents of the files in your folders by meaning rather than exact words; returns the best matching passages with their file names.',
    parameters: obj(
      {
        query: str('What to search for.'),
        limit: { type: 'integer', description: 'Maximum number of results (default 5).' },
      },
      ['query'],
    ),
  },
];

/** The tools an agent has while a folder is attached to it. */
export const FILE_TOOL_NAMES = ['open_files', 'grep_files', 'semantic_search_files'] as const;

const BY_NAME = new Map(BUILTIN_TOOLS.map((t) => [t.name, t]));

export function builtinTool(name: string): BuiltinTool | undefined {
  return BY_NAME.get(name);
}

/** The tools Letta attaches by default to each agent type. */
export function defaultToolNames(type: AgentType): string[] {
  return type === 'memgpt_v2_agent'
    ? ['send_message', 'conversation_search', 'memory_replace', 'memory_insert']
    : ['conversation_search', 'memory_replace', 'memory_insert'];
}

/** Tools that end the turn when called. */
export const TERMINAL_TOOLS = new Set(['send_message']);
