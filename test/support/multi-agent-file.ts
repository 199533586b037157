/**
 * A hand-written agent file in Letta's format with what the real files of the agent-file
 * repository do not show together: two agents (one a sleep-time agent) sharing a block, their
 * group, in-context and older messages with a tool call and its return, an MCP tool and its
 * server, a built-in tool we do not serve, an unknown tool type, an unknown field, an image part
 * and an approval message.
 */
export function multiAgentFile() {
  const at = (n: number) => `2025-11-21T03:0${n}:00+00:00`;
  const msg = (id: number, fields: Record<string, unknown>) => ({
    type: 'message',
    id: `message-${id}`,
    agent_id: 'agent-0',
    name: null,
    otid: null,
    model: 'claude-sonnet-4',
    tool_calls: null,
    tool_call_id: null,
    tool_returns: [],
    created_at: at(id),
    ...fields,
  });
  const text = (t: string) => [{ type: 'text', text: t }];
  const schema = (name: string) => ({
    name,
    description: `the ${name} tool`,
    parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  });
  const agent = (id: string, fields: Record<string, unknown>) => ({
    id,
    description: null,
    metadata: null,
    system: 'You are helper.',
    tags: [],
    tool_rules: [],
    memory_blocks: [],
    tools: [],
    source_ids: [],
    in_context_message_ids: [],
    messages: [],
    files_agents: [],
    group_ids: ['group-0'],
    llm_config: {
      model: 'gpt-4o-mini',
      model_endpoint_type: 'openai',
      handle: 'openai/gpt-4o-mini',
      context_window: 32000,
    },
    embedding_config: null,
    ...fields,
  });
  return {
    agents: [
      agent('agent-0', {
        name: 'helper',
        agent_type: 'letta_v1_agent',
        favourite_colour: 'green',
        tags: ['support', 'imported'],
        tool_rules: [{ tool_name: 'send_message', type: 'exit_loop' }],
        block_ids: ['block-0', 'block-1'],
        tool_ids: ['tool-0', 'tool-1', 'tool-2', 'tool-3'],
        llm_config: {
          model: 'claude-sonnet-4',
          model_endpoint_type: 'anthropic',
          handle: 'anthropic/claude-sonnet-4',
          context_window: 200000,
        },
        in_context_message_ids: [
          'message-0',
          'message-2',
          'message-3',
          'message-4',
          'message-5',
          'message-6',
        ],
        messages: [
          msg(0, { role: 'system', content: text('compiled by Letta') }),
          msg(1, { role: 'user', content: text('My name is Ada.') }),
          msg(2, {
            role: 'assistant',
            content: [
              {
                type: 'reasoning',
                is_native: true,
                reasoning: 'I should remember her name.',
                signature: null,
              },
            ],
            tool_calls: [
              {
                id: 'call-1',
                type: 'function',
                function: {
                  name: 'memory_replace',
                  arguments: '{"label": "human", "old_string": "?", "new_string": "Ada"}',
                },
              },
            ],
          }),
          msg(3, {
            role: 'tool',
            name: 'memory_replace',
            content: text('ok'),
            tool_call_id: 'call-1',
            tool_returns: [
              { tool_call_id: 'call-1', status: 'success', func_response: 'ok', stdout: null, stderr: null },
            ],
          }),
          msg(4, { role: 'assistant', content: text('Nice to meet you, Ada.') }),
          msg(5, {
            role: 'user',
            content: [{ type: 'image', source: { type: 'url', url: 'https://example.invalid/a.png' } }],
          }),
          msg(6, { role: 'approval', content: [], approve: true, approval_request_id: 'message-4' }),
        ],
      }),
      agent('agent-1', {
        name: 'helper-sleeptime',
        agent_type: 'sleeptime_agent',
        block_ids: ['block-0', 'block-2'],
        tool_ids: ['tool-1', 'tool-4'],
      }),
    ],
    groups: [
      {
        id: 'group-0',
        agent_ids: ['agent-0', 'agent-1'],
        description: 'helper and its sleep-time agent',
        manager_config: {
          manager_type: 'sleeptime',
          manager_agent_id: 'agent-0',
          sleeptime_agent_frequency: 5,
        },
        shared_block_ids: [],
      },
    ],
    blocks: [
      {
        id: 'block-0',
        label: 'human',
        value: 'Name: ?',
        limit: 5000,
        description: 'the user',
        read_only: false,
        metadata: {},
      },
      {
        id: 'block-1',
        label: 'persona',
        value: 'I am helper.',
        limit: 5000,
        description: null,
        read_only: false,
        metadata: {},
      },
      {
        id: 'block-2',
        label: 'sleeptime_notes',
        value: '',
        limit: 2000,
        description: null,
        read_only: true,
        metadata: {},
      },
    ],
    tools: [
      {
        id: 'tool-0',
        name: 'conversation_search',
        tool_type: 'letta_core',
        json_schema: schema('conversation_search'),
        tags: ['letta_core'],
      },
      {
        id: 'tool-1',
        name: 'memory_replace',
        tool_type: 'letta_sleeptime_core',
        json_schema: schema('memory_replace'),
        tags: [],
      },
      {
        id: 'tool-2',
        name: 'web_search',
        tool_type: 'letta_builtin',
        json_schema: schema('web_search'),
        tags: [],
      },
      {
        id: 'tool-3',
        name: 'weather',
        tool_type: 'external_mcp',
        json_schema: schema('weather'),
        tags: ['mcp:weather-server'],
        metadata_: { mcp: { server_name: 'weather-server' } },
      },
      { id: 'tool-4', name: 'mystery', tool_type: 'quantum_tool', json_schema: schema('mystery'), tags: [] },
    ],
    files: [],
    sources: [],
    mcp_servers: [
      {
        id: 'mcp_server-0',
        server_type: 'streamable_http',
        server_name: 'weather-server',
        server_url: 'https://example.invalid/mcp',
      },
    ],
    metadata: { revision_id: 'b1c2d3e4f5a6' },
    created_at: '2025-11-21T03:09:19+00:00',
  };
}
