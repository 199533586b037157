/**
 * The storage conformance suite, runs: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Runs: state transitions, steps and usage, lists by agent/conversation/status, orphan and
 * stale-run recovery, and stream events.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { DIALECTS } from '../support/databases.js';
import {
  conversationRecord,
  ids,
  runRecord,
  stepRecord,
  storeFixture,
  tick,
  uid,
} from '../support/store-fixture.js';

describe.each(DIALECTS)('store: runs (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it('transitions only from active states', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id, { background: true, metadata: { req: 1 } });
    await store.runs.insert(run);
    expect(await store.runs.get(org, run.id)).toEqual(run);
    expect(await store.runs.transition(org, run.id, 'running', { owner: 'proc-1' }, tick())).toBe(true);
    const done = tick();
    expect(
      await store.runs.transition(
        org,
        run.id,
        'completed',
        { stop_reason: 'end_turn', completed_at: done, metadata: { result: 'ok' } },
        done,
      ),
    ).toBe(true);
    expect(await store.runs.transition(org, run.id, 'failed', { stop_reason: 'error' }, tick())).toBe(false);
    expect(await store.runs.transition(org, run.id, 'running', {}, tick())).toBe(false);
    expect(await store.runs.get(org, run.id)).toEqual({
      ...run,
      status: 'completed',
      stop_reason: 'end_turn',
      owner: 'proc-1',
      metadata: { result: 'ok' },
      completed_at: done,
      updated_at: done,
    });
  });

  it('addStep records steps; the run gets its total usage when it ends', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id);
    await store.runs.insert(run);
    const s1 = stepRecord(run, { prompt: 100, completion: 20 });
    const s2 = stepRecord(run, { prompt: 150, completion: 5 });
    await store.runs.addStep(s1);
    await store.runs.addStep(s2);
    const usage = { prompt_tokens: 250, completion_tokens: 25, total_tokens: 275, step_count: 2 };
    await store.runs.transition(org, run.id, 'completed', { stop_reason: 'end_turn', usage }, s2.created_at);
    expect(await store.runs.get(org, run.id)).toMatchObject({ ...usage, updated_at: s2.created_at });
    expect(await store.runs.listSteps(org, run.id)).toEqual([s1, s2]);
  });

  it('lists runs by agent, conversation and status', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const c2 = conversationRecord(org, agent.id);
    await store.conversations.insert(c2);
    const r1 = runRecord(org, agent.id, conversation.id, { status: 'completed' });
    const r2 = runRecord(org, agent.id, c2.id, { status: 'running' });
    const r3 = runRecord(org, agent.id, conversation.id, { status: 'failed' });
    for (const r of [r1, r2, r3]) await store.runs.insert(r);
    expect(ids(await store.runs.list(org, { limit: 10, agentId: agent.id }))).toEqual([r1.id, r2.id, r3.id]);
    expect(
      ids(await store.runs.list(org, { limit: 10, conversationId: conversation.id, order: 'desc' })),
    ).toEqual([r3.id, r1.id]);
    expect(ids(await store.runs.list(org, { limit: 10, statuses: ['running', 'failed'] }))).toEqual([
      r2.id,
      r3.id,
    ]);
    expect(ids(await store.runs.list(org, { limit: 10, after: r1.id }))).toEqual([r2.id, r3.id]);
  });

  it('failOrphans fails the active runs of one owner, or of everyone', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const owner = `proc-${uid()}`;
    const mine = runRecord(org, agent.id, conversation.id, { status: 'running', owner });
    const mineQueued = runRecord(org, agent.id, conversation.id, { status: 'created', owner });
    const mineDone = runRecord(org, agent.id, conversation.id, { status: 'completed', owner });
    const theirs = runRecord(org, agent.id, conversation.id, { status: 'running', owner: `proc-${uid()}` });
    for (const r of [mine, mineQueued, mineDone, theirs]) await store.runs.insert(r);
    const at = tick();
    expect(await store.runs.failOrphans(owner, at)).toBe(2);
    expect(await store.runs.get(org, mine.id)).toMatchObject({
      status: 'failed',
      stop_reason: 'error',
      completed_at: at,
    });
    expect((await store.runs.get(org, mineQueued.id))?.status).toBe('failed');
    expect((await store.runs.get(org, mineDone.id))?.status).toBe('completed');
    expect((await store.runs.get(org, theirs.id))?.status).toBe('running');
    expect(await store.runs.failOrphans(null, tick())).toBeGreaterThanOrEqual(1);
    expect((await store.runs.get(org, theirs.id))?.status).toBe('failed');
    expect(await store.runs.failOrphans(owner, tick())).toBe(0);
  });

  it('failStaleCreated fails only runs still created before the cutoff; getAny ignores the org', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const stale = runRecord(org, agent.id, conversation.id);
    const staleRunning = runRecord(org, agent.id, conversation.id, { status: 'running' });
    const cutoff = tick();
    const fresh = runRecord(org, agent.id, conversation.id);
    for (const r of [stale, staleRunning, fresh]) await store.runs.insert(r);
    const at = tick();
    expect(await store.runs.failStaleCreated(cutoff, at)).toBeGreaterThanOrEqual(1);
    expect(await store.runs.get(org, stale.id)).toMatchObject({
      status: 'failed',
      stop_reason: 'error',
      completed_at: at,
    });
    expect((await store.runs.get(org, staleRunning.id))?.status).toBe('running');
    expect((await store.runs.get(org, fresh.id))?.status).toBe('created');
    expect((await store.runs.getAny(fresh.id))?.organization_id).toBe(org);
    expect(await store.runs.getAny(newId('run'))).toBeUndefined();
  });

  it('appends stream events and lists them starting after a seq_id', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id);
    await store.runs.insert(run);
    const events = Array.from({ length: 5 }, (_, i) => ({
      seq_id: i + 1,
      payload: { type: 'delta', n: i, s: 'ü' },
    }));
    await store.runs.appendEvents(org, run.id, events.slice(0, 3), tick());
    await store.runs.appendEvents(org, run.id, events.slice(3), tick());
    await store.runs.appendEvents(org, run.id, [], tick());
    expect(await store.runs.listEvents(org, run.id, 0)).toEqual(events);
    expect(await store.runs.listEvents(org, run.id, 3)).toEqual(events.slice(3));
    expect(await store.runs.listEvents(org, run.id, 5)).toEqual([]);
    // A seq_id is stored once.
    await expect(store.runs.appendEvents(org, run.id, [events[0]!], tick())).rejects.toThrow();
  });
});
