/**
 * The storage conformance suite, write batches: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`; one statement of data-modifying CTEs there).
 * A batch commits all its writes or none, reports each write's changed rows, lets a row
 * reference one another write inserts, releases a claim with the context in one UPDATE, and runs
 * in-process work only after it committed.
 */
import { describe, expect, it } from 'vitest';
import { openRunSignals } from '../../src/store/run-signals.js';
import { DIALECTS } from '../support/databases.js';
import {
  clockNow,
  ids,
  messageRecord,
  runRecord,
  stepRecord,
  storeFixture,
  tick,
} from '../support/store-fixture.js';

describe.each(DIALECTS)('store: write batches (%s)', (dialect) => {
  const fx = storeFixture(dialect);
  const { store, newOrg, seedAgent } = fx;
  const lease = (ms: number) => new Date(clockNow() + ms).toISOString();

  it('commits a step and the end of its run together, with each write’s count', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id, { status: 'running' });
    await store.runs.insert(run);
    expect(Boolean(await store.claims.claim(conversation.id, run.id, tick(), lease(30_000)))).toBe(true);
    const messages = [1, 2].map((i) =>
      messageRecord(org, agent.id, conversation.id, { content: `m${i}`, run_id: run.id }),
    );
    const step = stepRecord(run, { prompt: 10, completion: 2 });
    const at = tick();
    let signalled = 0;
    const counts = await store.writeBatch([
      ...store.messages.insertWrites(messages),
      ...store.runs.addStepWrites(step),
      store.conversations.setContextWrite(org, conversation.id, ids(messages), at, run.id),
      store.runs.transitionWrite(
        org,
        run.id,
        'completed',
        {
          stop_reason: 'end_turn',
          completed_at: at,
          usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, step_count: 1 },
        },
        at,
      ),
      store.agents.setLastStopReasonWrite(org, agent.id, 'end_turn', at),
      ...store.runs.appendEventsWrites(org, run.id, [{ seq_id: 1, payload: { x: 1 } }], at),
      { afterCommit: () => signalled++ },
    ]);
    expect(counts).toEqual([2, 1, 1, 1, 1, 1, 0]);
    expect(signalled).toBe(1);
    expect(ids(await store.messages.getMany(org, ids(messages)))).toEqual(ids(messages));
    expect(await store.runs.listSteps(org, run.id)).toEqual([step]);
    const conv = await store.conversations.get(org, conversation.id);
    expect(conv?.in_context_message_ids).toEqual(ids(messages));
    expect(conv?.active_run_id).toBeNull();
    expect(conv?.lease_until).toBeNull();
    expect(await store.runs.get(org, run.id)).toMatchObject({ status: 'completed', total_tokens: 12 });
    expect((await store.agents.find(org, agent.id))?.last_stop_reason).toBe('end_turn');
    expect(await store.runs.listEvents(org, run.id, 0)).toEqual([{ seq_id: 1, payload: { x: 1 } }]);

    // A run that already ended changes nothing: its count is 0.
    const again = await store.writeBatch([
      store.runs.transitionWrite(org, run.id, 'failed', { stop_reason: 'error' }, tick()),
    ]);
    expect(again).toEqual([0]);
  });

  it('releases only the claim of the run it names', async () => {
    const org = await newOrg();
    const { conversation } = await seedAgent(org);
    expect(Boolean(await store.claims.claim(conversation.id, 'run-a', tick(), lease(30_000)))).toBe(true);
    await store.writeBatch([store.conversations.setContextWrite(org, conversation.id, [], tick(), 'run-b')]);
    expect(await store.claims.holder(conversation.id)).toBe('run-a');
  });

  it('commits nothing when one write fails', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id);
    await store.runs.insert(run);
    const fresh = messageRecord(org, agent.id, conversation.id);
    const step = stepRecord(run, { prompt: 1, completion: 1 });
    await store.runs.addStep(step);
    let signalled = 0;
    await expect(
      store.writeBatch([
        ...store.messages.insertWrites([fresh]),
        ...store.runs.addStepWrites(step), // the same step id again: a unique key violation
        { afterCommit: () => signalled++ },
      ]),
    ).rejects.toThrow();
    expect(await store.messages.getMany(org, [fresh.id])).toEqual([]);
    expect(signalled).toBe(0);
  });

  it('lets a write reference a row another write of the batch inserts', async () => {
    const org = await newOrg();
    const { agent, conversation } = await seedAgent(org);
    const run = runRecord(org, agent.id, conversation.id);
    const step = stepRecord(run, { prompt: 1, completion: 1 });
    // The step's run_id references the run inserted by the batch's first write.
    expect(
      await store.writeBatch([...store.runs.insertWrites(run), ...store.runs.addStepWrites(step)]),
    ).toEqual([1, 1]);
    expect(await store.runs.listSteps(org, run.id)).toEqual([step]);
  });

  it('delivers a run signal written in a batch once the batch commits', async () => {
    const uri = fx.db.pgUri;
    const signals = await openRunSignals(uri, () => {});
    try {
      const heard = new Promise<void>((resolve) => signals.on('events', 'run-signalled', resolve));
      await store.writeBatch([signals.sendWrite('events', 'run-signalled')]);
      await heard; // (times out, failing the test, if the signal never comes)
    } finally {
      await signals.close();
    }
  });
});
