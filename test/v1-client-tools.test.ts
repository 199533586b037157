/**
 * Client-side tools over V1 with the official client: tools declared in the request
 * (`client_tools`) are offered to the model; a call of one stops the run with
 * `requires_approval` and an `approval_request_message`; the client runs it and sends its return
 * (`{type: "approval", approvals: [{type: "tool", …}]}` or `{type: "tool_return", tool_returns}`)
 * and the turn goes on with the model reading it. Streamed and not, both databases.
 */
import type Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { FakeLlm } from './support/fake-llm.js';
import { startV1Server, type V1Server } from './support/v1-server.js';

type Msg = { message_type: string; [k: string]: unknown };
type CreateBody = Parameters<Letta['agents']['messages']['create']>[1];

const WEATHER = {
  name: 'get_weather',
  description: 'The weather where the user is.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe.each(DIALECTS)('client-side tools over V1 (%s)', (dialect) => {
  let llm: FakeLlm;
  let client: Letta;
  let v1: V1Server | undefined;
  beforeAll(async () => {
    v1 = await startV1Server(dialect);
    ({ llm, client } = v1);
  });
  afterAll(async () => {
    await v1?.close();
  });

  async function send(agentId: string, body: Record<string, unknown>, streaming: boolean) {
    const full = { ...body, streaming } as unknown as CreateBody;
    if (!streaming) {
      const r = (await client.agents.messages.create(agentId, full)) as unknown as {
        messages: Msg[];
        stop_reason: { stop_reason: string };
      };
      return { messages: r.messages, stop: r.stop_reason.stop_reason };
    }
    const stream = (await client.agents.messages.create(agentId, full)) as unknown as AsyncIterable<Msg>;
    const events: Msg[] = [];
    for await (const e of stream) events.push(e);
    return { messages: events, stop: events.find((e) => e.message_type === 'stop_reason')?.stop_reason };
  }

  const requestOf = (messages: Msg[]) =>
    messages.find((m) => m.message_type === 'approval_request_message') as
      | { tool_call: { tool_call_id: string; name: string; arguments: string } }
      | undefined;

  for (const streaming of [false, true]) {
    it(`the client runs the tool and the model reads its return (streaming ${streaming})`, async () => {
      const agent = await client.agents.create({
        name: `ct-${streaming}-${dialect}`,
        model: 'openai/gpt-4o-mini',
      });
      const before = llm.chatRequests.length;
      llm.script([{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] }]);
      const first = await send(
        agent.id,
        { messages: [{ role: 'user', content: 'weather?' }], client_tools: [WEATHER] },
        streaming,
      );
      expect(first.stop).toBe('requires_approval');
      const request = requestOf(first.messages);
      expect(request?.tool_call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Oslo"}' });
      expect(first.messages.some((m) => m.message_type === 'tool_return_message')).toBe(false);
      // The model was offered the client's tool beside the agent's own.
      const offered = (
        (llm.chatRequests[before]?.body.tools ?? []) as Array<{ function: { name: string } }>
      ).map((t) => t.function.name);
      expect(offered).toContain('get_weather');
      expect(offered).toContain('conversation_search');

      llm.script([{ toolCalls: [{ name: 'send_message', arguments: { message: 'Sunny in Oslo.' } }] }]);
      const callsBefore = llm.chatRequests.length;
      const second = await send(
        agent.id,
        {
          messages: [
            {
              type: 'approval',
              approvals: [
                {
                  type: 'tool',
                  tool_call_id: request?.tool_call.tool_call_id,
                  tool_return: 'sunny, 21 C',
                  status: 'success',
                },
              ],
            },
          ],
          client_tools: [WEATHER],
        },
        streaming,
      );
      const ret = second.messages.find((m) => m.message_type === 'tool_return_message');
      expect(ret).toMatchObject({ status: 'success', tool_return: 'sunny, 21 C' });
      expect(second.messages.find((m) => m.message_type === 'assistant_message')?.content).toBe(
        'Sunny in Oslo.',
      );
      expect(second.stop).toBe('end_turn');
      const sent = llm.chatRequests[callsBefore]?.body.messages as Array<{ role: string; content: unknown }>;
      expect(sent.at(-1)).toMatchObject({ role: 'tool', content: 'sunny, 21 C' });
      // Stored in the history like any tool return.
      const history = (await client.agents.messages.list(agent.id, { limit: 50 })).items as unknown as Msg[];
      expect(
        history.filter((m) => m.message_type === 'tool_return_message').map((m) => m.tool_return),
      ).toContain('sunny, 21 C');
    });
  }

  it("takes tool_return messages, error returns, and runs the held step's other calls itself", async () => {
    const agent = await client.agents.create({ name: `ct-mixed-${dialect}`, model: 'openai/gpt-4o-mini' });
    llm.script([
      {
        toolCalls: [
          { name: 'conversation_search', arguments: { query: 'weather' } },
          { name: 'get_weather', arguments: { city: 'Lima' } },
        ],
      },
    ]);
    const first = await send(
      agent.id,
      { messages: [{ role: 'user', content: 'weather?' }], client_tools: [WEATHER] },
      false,
    );
    expect(first.stop).toBe('requires_approval');
    const calls = (
      first.messages.filter((m) => m.message_type === 'approval_request_message') as unknown as Array<{
        tool_call: { tool_call_id: string; name: string };
      }>
    ).map((m) => m.tool_call);
    const weather = calls.find((c) => c.name === 'get_weather');
    llm.script([{ content: 'Could not get the weather.' }]);
    const second = await send(
      agent.id,
      {
        messages: [
          {
            type: 'tool_return',
            tool_returns: [
              { type: 'tool', tool_call_id: weather?.tool_call_id, tool_return: 'offline', status: 'error' },
            ],
          },
        ],
      },
      false,
    );
    const returns = second.messages.filter((m) => m.message_type === 'tool_return_message');
    // The server's own tool ran; the client's return came back as given.
    expect(returns.map((r) => [r.status, r.tool_return])).toEqual([
      ['success', expect.any(String)],
      ['error', 'offline'],
    ]);
    expect(second.stop).toBe('end_turn');
  });

  it('refuses client tools that clash, repeat or are not objects, and unanswered calls (422)', async () => {
    const agent = await client.agents.create({ name: `ct-bad-${dialect}`, model: 'openai/gpt-4o-mini' });
    const say = (client_tools: unknown[]) =>
      client.agents.messages.create(agent.id, {
        messages: [{ role: 'user', content: 'hi' }],
        client_tools,
      } as unknown as CreateBody);
    await expect(say([{ name: 'conversation_search' }])).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/client tool 'conversation_search'.*attached/),
    });
    await expect(say([WEATHER, WEATHER])).rejects.toMatchObject({ status: 422 });
    await expect(say([{ name: 'x', parameters: { type: 'string' } }])).rejects.toMatchObject({ status: 422 });
    await expect(say([{ name: 'has space' }])).rejects.toMatchObject({ status: 422 });

    llm.script([{ toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] }]);
    expect(
      (await send(agent.id, { messages: [{ role: 'user', content: 'w' }], client_tools: [WEATHER] }, false))
        .stop,
    ).toBe('requires_approval');
    // A return for a call that is not pending, and a return without its status.
    await expect(
      send(
        agent.id,
        {
          messages: [
            {
              type: 'tool_return',
              tool_returns: [{ tool_call_id: 'call_nope', tool_return: 'x', status: 'success' }],
            },
          ],
        },
        false,
      ),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      send(
        agent.id,
        {
          messages: [
            { type: 'approval', approvals: [{ type: 'tool', tool_call_id: 'c', tool_return: 'x' }] },
          ],
        },
        false,
      ),
    ).rejects.toMatchObject({ status: 422 });
  });
});
