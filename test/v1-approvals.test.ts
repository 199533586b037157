/**
 * Human approval of tool calls over V1 with the official client: an agent's tool set to need
 * approval stops the run with `requires_approval` and an `approval_request_message`; the next
 * send approves (the tool runs, the turn goes on) or denies (the model reads the denial); a plain
 * message while a request is pending is refused. Streamed and not, both databases.
 */
import type Letta from '@letta-ai/letta-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './support/databases.js';
import type { FakeLlm } from './support/fake-llm.js';
import { startV1Server, type V1Server } from './support/v1-server.js';

const TRANSFER = `
def transfer(amount: int) -> str:
    """Transfer money.

    Args:
        amount (int): How much.
    """
    print(f"transferring {amount}")
    return f"transferred {amount}"
`;

type Msg = { message_type: string; [k: string]: unknown };

describe.each(DIALECTS)('tool approvals over V1 (%s)', (dialect) => {
  let llm: FakeLlm;
  let client: Letta;
  let toolId: string;

  let v1: V1Server | undefined;
  beforeAll(async () => {
    v1 = await startV1Server(dialect);
    ({ llm, client } = v1);
    toolId = (await client.tools.upsert({ source_code: TRANSFER })).id;
  });
  afterAll(async () => {
    await v1?.close();
  });

  async function agentNeedingApproval(name: string) {
    const agent = await client.agents.create({
      name: `${name}-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tool_ids: [toolId],
    });
    await client.agents.tools.updateApproval('transfer', {
      agent_id: agent.id,
      body_requires_approval: true,
    });
    return agent;
  }

  async function send(agentId: string, messages: unknown[], streaming: boolean) {
    const body = { messages, streaming } as unknown as Parameters<typeof client.agents.messages.create>[1];
    if (!streaming) {
      const r = (await client.agents.messages.create(agentId, body)) as unknown as {
        messages: Msg[];
        stop_reason: { stop_reason: string };
      };
      return { messages: r.messages, stop: r.stop_reason.stop_reason };
    }
    const stream = (await client.agents.messages.create(agentId, body)) as unknown as AsyncIterable<Msg>;
    const events: Msg[] = [];
    for await (const e of stream) events.push(e);
    const stop = events.find((e) => e.message_type === 'stop_reason')?.stop_reason as string;
    return { messages: events, stop };
  }

  for (const streaming of [false, true]) {
    it(`approved: the tool runs and the turn goes on (streaming ${streaming})`, async () => {
      const agent = await agentNeedingApproval(`approve-${streaming}`);
      llm.script([{ toolCalls: [{ name: 'transfer', arguments: { amount: 5 } }] }]);
      const first = await send(agent.id, [{ role: 'user', content: 'send 5' }], streaming);
      expect(first.stop).toBe('requires_approval');
      const request = first.messages.find((m) => m.message_type === 'approval_request_message') as
        | { id: string; tool_call: { tool_call_id: string; name: string } }
        | undefined;
      expect(request?.tool_call.name).toBe('transfer');
      expect(first.messages.some((m) => m.message_type === 'tool_return_message')).toBe(false);

      // A plain message while the request is pending is refused.
      await expect(
        client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'hello?' }] }),
      ).rejects.toMatchObject({ status: 409 });

      const callsBefore = llm.chatRequests.length;
      llm.script([{ toolCalls: [{ name: 'send_message', arguments: { message: 'Done.' } }] }]);
      const second = await send(
        agent.id,
        [
          {
            type: 'approval',
            approvals: [{ type: 'approval', tool_call_id: request?.tool_call.tool_call_id, approve: true }],
          },
        ],
        streaming,
      );
      const ret = second.messages.find((m) => m.message_type === 'tool_return_message') as
        | { status: string; tool_return: string; stdout: string[] }
        | undefined;
      expect(ret?.status).toBe('success');
      expect(ret?.tool_return).toBe('transferred 5');
      expect(ret?.stdout).toEqual(['transferring 5\n']);
      expect(second.stop).toBe('end_turn');
      // The model saw the tool's return after its own call.
      const sent = llm.chatRequests[callsBefore]?.body.messages as Array<{ role: string; content: unknown }>;
      expect(sent.at(-1)).toMatchObject({ role: 'tool', content: 'transferred 5' });
    });

    it(`denied: the model reads the denial and its reason (streaming ${streaming})`, async () => {
      const agent = await agentNeedingApproval(`deny-${streaming}`);
      llm.script([{ toolCalls: [{ name: 'transfer', arguments: { amount: 500 } }] }]);
      const first = await send(agent.id, [{ role: 'user', content: 'send 500' }], streaming);
      expect(first.stop).toBe('requires_approval');
      const request = first.messages.find((m) => m.message_type === 'approval_request_message') as
        | { id: string }
        | undefined;

      const callsBefore = llm.chatRequests.length;
      llm.script([{ toolCalls: [{ name: 'send_message', arguments: { message: 'Not sent.' } }] }]);
      // The deprecated single answer: approve/approval_request_id/reason on the message.
      const second = await send(
        agent.id,
        [{ type: 'approval', approve: false, approval_request_id: request?.id, reason: 'too much' }],
        streaming,
      );
      const ret = second.messages.find((m) => m.message_type === 'tool_return_message') as
        | { status: string; tool_return: string }
        | undefined;
      expect(ret?.status).toBe('error');
      expect(ret?.tool_return).toMatch(/denied.*too much/);
      expect(second.stop).toBe('end_turn');
      const sent = llm.chatRequests[callsBefore]?.body.messages as Array<{ role: string; content: unknown }>;
      expect(String(sent.at(-1)?.content)).toMatch(/denied.*too much/);

      // The conversation is free again: a plain message is answered.
      llm.script([{ content: 'Hi.' }]);
      expect((await send(agent.id, [{ role: 'user', content: 'hi' }], false)).stop).toBe('end_turn');
    });
  }

  it("a tool's default_requires_approval applies unless the agent sets otherwise", async () => {
    const tool = await client.tools.create({
      source_code: 'def wipe() -> str:\n    """Wipe."""\n    return "wiped"',
      default_requires_approval: true,
    });
    expect(tool.default_requires_approval).toBe(true);
    expect((await client.tools.retrieve(tool.id)).default_requires_approval).toBe(true);
    const agent = await client.agents.create({
      name: `default-${dialect}`,
      model: 'openai/gpt-4o-mini',
      tool_ids: [tool.id],
    });
    llm.script([{ toolCalls: [{ name: 'wipe', arguments: {} }] }]);
    expect((await send(agent.id, [{ role: 'user', content: 'wipe' }], false)).stop).toBe('requires_approval');
    // Stored: listing the messages shows the request too.
    const request = (await client.agents.messages.list(agent.id)).items.find(
      (m) => m.message_type === 'approval_request_message',
    ) as { id: string } | undefined;
    expect(request).toBeDefined();
    llm.script([{ content: 'Ok.' }]);
    await send(agent.id, [{ type: 'approval', approve: false, approval_request_id: request?.id }], false);

    // The agent's own setting wins over the tool's default.
    await client.agents.tools.updateApproval('wipe', { agent_id: agent.id, body_requires_approval: false });
    llm.script([{ toolCalls: [{ name: 'wipe', arguments: {} }] }, { content: 'Wiped.' }]);
    const r = await send(agent.id, [{ role: 'user', content: 'wipe now' }], false);
    expect(r.stop).toBe('end_turn');
    expect(r.messages.find((m) => m.message_type === 'tool_return_message')?.tool_return).toBe('wiped');
  });

  it('an approval with nothing pending is a 422; an unknown tool name is a 404', async () => {
    const agent = await client.agents.create({ name: `none-${dialect}`, model: 'openai/gpt-4o-mini' });
    await expect(
      client.agents.messages.create(agent.id, {
        messages: [{ type: 'approval', approve: true, approval_request_id: 'message-x' }],
      } as unknown as Parameters<typeof client.agents.messages.create>[1]),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      client.agents.tools.updateApproval('nope', { agent_id: agent.id, body_requires_approval: true }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
