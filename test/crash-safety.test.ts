/**
 * Crash safety (DESIGN invariant 2): the real `letta server` is killed with SIGKILL in the middle
 * of runs (streaming and async, mid-step and queued, with a slow tool-calling model), restarted
 * on the same database, and found consistent: the interrupted runs are failed (SQLite: at start;
 * PostgreSQL: once their lease lapses), no step is half written, the model is never sent a tool
 * call without its return, and the agent answers normally.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { createTestDatabase, DIALECTS } from './support/databases.js';
import { lastUserText, type RecordedRequest, startFakeLlm } from './support/fake-llm.js';
import { type CliServer, startCli } from './support/server.js';
import { until } from './support/until.js';
import { expectWellFormed } from './support/well-formed.js';

type Run = { id: string; status: string; stop_reason: string | null; conversation_id: string | null };

const lastRole = (r: RecordedRequest) => r.body.messages?.at(-1)?.role;

describe.each(DIALECTS)('crash safety (%s)', (dialect) => {
  it('recovers from SIGKILL mid-run: runs failed, whole steps only, well-formed context, normal answers', async () => {
    let slow = true;
    // Step 1 calls a tool (slowly for "slowtool" messages), step 2 answers (slowly while `slow`).
    await using llm = await startFakeLlm({
      defaultReply: (req) => {
        const text = lastUserText(req);
        if (lastRole(req) === 'user') {
          return {
            toolCalls: [{ name: 'conversation_search', arguments: { query: text } }],
            delayMs: slow && text.includes('slowtool') ? 10_000 : 100,
          };
        }
        return { content: `answer to ${text}`, delayMs: slow ? 2000 : 0, chunkDelayMs: slow ? 100 : 0 };
      },
    });
    await using db = await createTestDatabase(dialect);
    const env = {
      ...db.env,
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: llm.url,
      LETTA_LLM_MAX_RETRIES: '0',
      LETTA_RUN_LEASE_MS: '1000',
      LETTA_CONVERSATION_WAIT_MS: '5000',
    };
    let server: CliServer = await startCli(env);
    const post = async (path: string, body: unknown) =>
      fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
    try {
      const agent = await json<{ id: string; name: string }>(
        post('/agents', { name: 'crashy', model: 'gpt-4o-mini' }),
      );
      const [c1, c2, c3] = await Promise.all(
        [1, 2, 3].map(() => json<{ id: string }>(post('/agents/crashy/conversations', {}))),
      );

      // Streaming sends (the responses are dropped by the crash) and async ones.
      const stream = (message: string, conversation_id?: string) =>
        post('/agents/crashy/messages', {
          message,
          stream: true,
          ...(conversation_id ? { conversation_id } : {}),
        })
          .then((r) => r.text())
          .catch(() => 'dropped');
      const streams = [stream('stream mid-step'), stream('stream slowtool', c1?.id)];
      const asyncRuns = [
        await json<Run>(
          post('/agents/crashy/messages/async', { message: 'async mid-step', conversation_id: c2?.id }),
        ),
        await json<Run>(
          post('/agents/crashy/messages/async', { message: 'async queued', conversation_id: c2?.id }),
        ),
        await json<Run>(
          post('/agents/crashy/messages/async', { message: 'async slowtool', conversation_id: c3?.id }),
        ),
      ];
      // Wait until the runs are where we want them: two in their second step, two in their first.
      await until(
        async () => {
          const reqs = llm.chatRequests;
          const second = (t: string) => reqs.some((r) => lastRole(r) === 'tool' && lastUserText(r) === t);
          const first = (t: string) => reqs.some((r) => lastRole(r) === 'user' && lastUserText(r) === t);
          return (
            second('stream mid-step') &&
            second('async mid-step') &&
            first('stream slowtool') &&
            first('async slowtool')
          );
        },
        10_000,
        'the runs to be mid-step',
      );
      // One more streaming send queues behind the busy default conversation.
      streams.push(stream('stream queued'));
      await until(
        async () => {
          const runs = await json<Run[]>(fetch(`${server.baseUrl}/v1/runs/?agent_id=${agent.id}`));
          return runs.length === 6;
        },
        5000,
        'the queued run',
      );

      const killed = await server.stop('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      await Promise.all(streams);

      server = await startCli(env);
      const runsNow = () => json<Run[]>(fetch(`${server.baseUrl}/v1/runs/?agent_id=${agent.id}`));
      const active = (runs: Run[]) => runs.filter((r) => r.status === 'created' || r.status === 'running');
      if (dialect === 'sqlite') {
        // One process per SQLite file: everything active at start is an orphan.
        expect(active(await runsNow())).toEqual([]);
      }
      const runs = await until(
        async () => {
          const rs = await runsNow();
          return active(rs).length === 0 ? rs : undefined;
        },
        20_000,
        'the sweeper to fail the orphaned runs',
      );
      expect(runs).toHaveLength(6);
      for (const r of runs) expect(r).toMatchObject({ status: 'failed', stop_reason: 'error' });
      for (const r of asyncRuns) expect(runs.map((x) => x.id)).toContain(r.id);

      // No half-written step: every stored tool call has its return, with the same step id.
      const { store } = await db.open();
      const stored = await store.messages.list(DEFAULT_ORG_ID, { agentId: agent.id, limit: 1000 });
      const byStep = new Map<string, typeof stored>();
      for (const m of stored) if (m.step_id) byStep.set(m.step_id, [...(byStep.get(m.step_id) ?? []), m]);
      for (const [, step] of byStep) {
        const calls = step.flatMap((m) => m.tool_calls ?? []);
        const returns = step.filter((m) => m.role === 'tool').map((m) => m.tool_call_id);
        expect(returns.sort()).toEqual(calls.map((c) => c.id).sort());
      }
      const users = stored.filter((m) => m.role === 'user').map((m) => m.content);
      // Acknowledged messages were stored before the model was called (the queued ones never ran).
      for (const t of ['stream mid-step', 'async mid-step', 'stream slowtool', 'async slowtool'])
        expect(users).toContain(t);
      // The mid-step runs kept their finished tool step; the final answers were never written.
      expect(stored.filter((m) => m.role === 'tool')).toHaveLength(2);
      expect(stored.some((m) => m.role === 'assistant' && m.content?.startsWith('answer to'))).toBe(false);

      // The agent answers normally in every conversation, and the model sees well-formed contexts.
      slow = false;
      const before = llm.chatRequests.length;
      const convs = [undefined, c1?.id, c2?.id, c3?.id];
      const replies = await Promise.all(
        convs.map((conversation_id, i) =>
          json<{ content: string; stop_reason: string }>(
            post('/agents/crashy/messages', {
              message: `after crash ${i}`,
              ...(conversation_id ? { conversation_id } : {}),
            }),
          ),
        ),
      );
      expect(replies.map((r) => r.content)).toEqual(convs.map((_, i) => `answer to after crash ${i}`));
      const sent = llm.chatRequests.slice(before);
      expect(sent.length).toBe(8);
      for (const r of sent) expectWellFormed(r.body.messages ?? []);
    } finally {
      await server[Symbol.asyncDispose]();
    }
  }, 90_000);
});
