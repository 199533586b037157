/**
 * One run at a time per conversation across processes (DESIGN invariant 1): two real `letta
 * server` processes share one PostgreSQL database (as behind the tutorial's nginx), and 50
 * concurrent sends split across both never interleave a conversation's history; a client
 * following a run through the other process gets each step as it commits (LISTEN/NOTIFY), and a
 * cancel sent to either process stops the run where it runs; a run that stopped for a client
 * tool in one process is answered through the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import type { Store } from '../src/store/index.js';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { type FakeLlm, lastUserText, startFakeLlm } from './support/fake-llm.js';
import { type CliServer, startCli } from './support/server.js';

type SendReply = { content: string; conversation_id: string; stop_reason: string };

describe('two server processes on one PostgreSQL', () => {
  let llm: FakeLlm;
  let db: TestDatabase;
  let store: Store;
  let servers: CliServer[] = [];

  const post = async <T>(base: string, path: string, body: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  /** The conversation's messages without the system message, oldest first. */
  const history = async (conversationId: string) =>
    (await store.messages.list(DEFAULT_ORG_ID, { conversationId, limit: 1000 })).filter(
      (m) => m.role !== 'system',
    );

  /** Each user message is immediately followed by its own reply, and nothing else is there. */
  const expectPaired = (messages: { role: string; content: string | null }[], sent: string[]) => {
    expect(messages).toHaveLength(sent.length * 2);
    for (let i = 0; i < messages.length; i += 2) {
      const user = messages[i];
      const reply = messages[i + 1];
      expect(user?.role).toBe('user');
      expect(reply).toMatchObject({ role: 'assistant', content: `re:${user?.content}` });
    }
    expect(
      messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content)
        .sort(),
    ).toEqual([...sent].sort());
  };

  beforeAll(async () => {
    llm = await startFakeLlm({
      defaultReply: (req) => ({ content: `re:${lastUserText(req)}`, delayMs: 10 }),
    });
    db = await createTestDatabase('postgres');
    const env = {
      ...db.env,
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: llm.url,
      LETTA_LLM_MAX_RETRIES: '0',
      LETTA_CONVERSATION_WAIT_MS: '120000',
    };
    // The first process migrates; the second starts on the migrated database.
    servers.push(await startCli(env));
    servers.push(await startCli(env));
    ({ store } = await db.open());
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s[Symbol.asyncDispose]()));
    servers = [];
    await db?.drop();
    await llm?.close();
  });

  it('serialises 50 concurrent sends to one conversation across both processes', async () => {
    const [a, b] = servers;
    const created = await post<{ id: string }>(a!.baseUrl, '/agents', {
      name: 'shared',
      model: 'gpt-4o-mini',
    });
    expect(created.status).toBe(201);
    const sent = Array.from({ length: 50 }, (_, i) => `msg-${i}`);
    const results = await Promise.all(
      sent.map((message, i) =>
        post<SendReply>((i % 2 === 0 ? a : b)!.baseUrl, '/agents/shared/messages', { message }),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(200);
      expect(r.body.content).toBe(`re:msg-${i}`);
    }
    const conversations = new Set(results.map((r) => r.body.conversation_id));
    expect(conversations.size).toBe(1);
    expectPaired(await history([...conversations][0]!), sent);
    // Every run ended completed; none is left holding the conversation.
    const runs = await store.runs.list(DEFAULT_ORG_ID, { agentId: created.body.id, limit: 100 });
    expect(runs).toHaveLength(50);
    expect(new Set(runs.map((r) => r.status))).toEqual(new Set(['completed']));
    expect(new Set(runs.map((r) => r.owner)).size).toBe(2);
  }, 120_000);

  it('runs 50 concurrent sends to 10 conversations with separate histories', async () => {
    const [a, b] = servers;
    expect((await post(b!.baseUrl, '/agents', { name: 'many', model: 'gpt-4o-mini' })).status).toBe(201);
    const convs = await Promise.all(
      Array.from(
        { length: 10 },
        async (_, i) =>
          (await post<{ id: string }>((i % 2 ? a : b)!.baseUrl, '/agents/many/conversations', {})).body.id,
      ),
    );
    const jobs = Array.from({ length: 50 }, (_, i) => ({
      conv: convs[i % 10]!,
      message: `c${i % 10}-m${Math.floor(i / 10)}`,
    }));
    const results = await Promise.all(
      jobs.map((j, i) =>
        post<SendReply>((i % 2 === 0 ? a : b)!.baseUrl, '/agents/many/messages', {
          message: j.message,
          conversation_id: j.conv,
        }),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ content: `re:${jobs[i]?.message}`, conversation_id: jobs[i]?.conv });
    }
    for (const [k, conv] of convs.entries()) {
      expectPaired(
        await history(conv),
        jobs.filter((j) => j.conv === conv).map((j) => j.message),
      );
      expect((await history(conv)).every((m) => m.content?.includes(`c${k}-`))).toBe(true);
    }
  }, 120_000);

  /** Reads an SSE response, calling `onData` with each parsed `data:` payload (not `[DONE]`). */
  const readSse = async (res: Response, onData: (data: Record<string, unknown>) => void) => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let i = buffer.indexOf('\n\n');
      while (i >= 0) {
        const frame = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        for (const line of frame.split('\n'))
          if (line.startsWith('data: ') && line !== 'data: [DONE]') onData(JSON.parse(line.slice(6)));
        i = buffer.indexOf('\n\n');
      }
    }
  };

  it('a follower on the other process gets each step as it commits', async () => {
    const [a, b] = servers;
    const agent = await post<{ id: string }>(a!.baseUrl, '/agents', {
      name: 'followed',
      model: 'gpt-4o-mini',
    });
    let seenOnB!: () => void;
    const seen = new Promise<void>((resolve) => {
      seenOnB = resolve;
    });
    let sawFirstStepFirst = false;
    llm.script([
      { toolCalls: [{ name: 'core_memory_append', arguments: { label: 'human', content: 'Likes tea' } }] },
      // The second step waits until the follower on B has seen the first: had the first step's
      // events not reached B before the run ended, this would wait out its 20 s and fail below.
      async () => {
        sawFirstStepFirst = await Promise.race([
          seen.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
        ]);
        return { content: 'Noted.' };
      },
    ]);
    const run = await post<{ id: string }>(a!.baseUrl, `/v1/agents/${agent.body.id}/messages/async`, {
      messages: [{ role: 'user', content: 'I like tea' }],
    });
    expect(run.status).toBe(200);
    const res = await fetch(`${b!.baseUrl}/v1/runs/${run.body.id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ starting_after: 0 }),
    });
    expect(res.status).toBe(200);
    const types: string[] = [];
    await readSse(res, (data) => {
      types.push(String(data.message_type));
      if (data.message_type === 'tool_return_message') seenOnB();
    });
    expect(sawFirstStepFirst).toBe(true);
    // (V1 run streams do not echo the user's message.)
    expect(types.filter((t) => t !== 'ping')).toEqual([
      'tool_call_message',
      'tool_return_message',
      'assistant_message',
      'stop_reason',
      'usage_statistics',
    ]);
  });

  it('a cancel sent to the other process stops the model call where the run runs', async () => {
    const [a, b] = servers;
    const agent = await post<{ id: string }>(a!.baseUrl, '/agents', {
      name: 'cancelled',
      model: 'gpt-4o-mini',
    });
    const abortedBefore = llm.aborted;
    const chatsBefore = llm.chatRequests.length;
    // The model thinks for 60 s: only an abort of its request by process A ends the run sooner.
    llm.script({ content: 'too late', delayMs: 60_000 });
    const run = await post<{ id: string }>(a!.baseUrl, `/v1/agents/${agent.body.id}/messages/async`, {
      messages: [{ role: 'user', content: 'think hard' }],
    });
    await llm.waitForRequests(chatsBefore + 1, 10_000, '/v1/chat/completions');
    const cancel = await post<Record<string, string>>(
      b!.baseUrl,
      `/v1/agents/${agent.body.id}/messages/cancel`,
      {
        run_ids: [run.body.id],
      },
    );
    expect(cancel.status).toBe(200);
    // Process A aborts the model request (the fake counts the dropped response).
    for (let i = 0; i < 100 && llm.aborted === abortedBefore; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(llm.aborted).toBe(abortedBefore + 1);
    const stored = await store.runs.get(DEFAULT_ORG_ID, run.body.id);
    expect(stored?.status).toBe('cancelled');
  });

  it('a run waiting for a client tool in one process is answered through the other', async () => {
    const [a, b] = servers;
    expect((await post(a!.baseUrl, '/agents', { name: 'handoff', model: 'gpt-4o-mini' })).status).toBe(201);
    const clipboard = { name: 'read_clipboard', description: 'What the user copied.' };
    llm.script([{ toolCalls: [{ name: 'read_clipboard', arguments: {} }] }]);
    const held = await post<SendReply & { pending_tool_calls: Array<{ tool_call_id: string }> }>(
      a!.baseUrl,
      '/agents/handoff/messages',
      { message: 'what did I copy?', client_tools: [clipboard] },
    );
    expect(held.body.stop_reason).toBe('requires_approval');
    llm.script([{ content: 'A recipe.' }]);
    const answered = await post<SendReply>(b!.baseUrl, '/agents/handoff/messages', {
      tool_returns: [
        {
          tool_call_id: held.body.pending_tool_calls[0]?.tool_call_id,
          tool_return: 'a recipe',
          status: 'success',
        },
      ],
      client_tools: [clipboard],
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ content: 'A recipe.', stop_reason: 'end_turn' });
    const roles = (await history(answered.body.conversation_id)).map((m) => m.role);
    expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });
});
