/**
 * The storage conformance suite, tenancy: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Tenancy at the repository level: a call made with one organization never shows, changes or links
 * the rows of another.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import {
  archiveRecord,
  blockRecord,
  ids,
  messageRecord,
  passageRecord,
  runRecord,
  stepRecord,
  storeFixture,
  tick,
  toolRecord,
} from '../support/store-fixture.js';

describe.each(DIALECTS)('store: tenancy (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  it("never shows or changes one organization's rows to a call made with another", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const { agent, conversation } = await seedAgent(a, { name: 'shared-name', tags: ['t'] });
    const block = blockRecord(a);
    await store.blocks.insert(block);
    await store.blocks.attach(a, agent.id, block.id);
    const tool = toolRecord(a, 'private_tool');
    await store.tools.insert(tool);
    await store.tools.attach(a, agent.id, [tool.id]);
    const msg = messageRecord(a, agent.id, conversation.id, { content: 'secret pizza' });
    await store.messages.insertMany([msg]);
    const run = runRecord(a, agent.id, conversation.id);
    await store.runs.insert(run);
    await store.runs.addStep(stepRecord(run, { prompt: 1, completion: 1 }));
    await store.runs.appendEvents(a, run.id, [{ seq_id: 1, payload: {} }], tick());

    // Reads with org B.
    expect(await store.agents.find(b, agent.id)).toBeUndefined();
    expect(await store.agents.find(b, agent.name)).toBeUndefined();
    expect(await store.agents.list(b, { limit: 10 })).toEqual([]);
    expect(await store.agents.list(b, { limit: 10, tags: ['t'] })).toEqual([]);
    expect(await store.agents.count(b)).toBe(0);
    expect(await store.blocks.get(b, block.id)).toBeUndefined();
    expect(await store.blocks.list(b, { limit: 10 })).toEqual([]);
    expect(await store.blocks.listForAgent(b, agent.id)).toEqual([]);
    expect(await store.blocks.listAgentIds(b, block.id)).toEqual([]);
    expect(await store.tools.get(b, tool.id)).toBeUndefined();
    expect(await store.tools.list(b, { limit: 10 })).toEqual([]);
    expect(await store.tools.findByNames(b, ['private_tool'])).toEqual([]);
    expect(await store.tools.listForAgent(b, agent.id)).toEqual([]);
    expect(await store.conversations.get(b, conversation.id)).toBeUndefined();
    expect(await store.conversations.getDefault(b, agent.id)).toBeUndefined();
    expect(await store.conversations.list(b, { limit: 10, agentId: agent.id })).toEqual([]);
    expect(await store.messages.get(b, msg.id)).toBeUndefined();
    expect(await store.messages.getMany(b, [msg.id])).toEqual([]);
    expect(await store.messages.list(b, { limit: 10, conversationId: conversation.id })).toEqual([]);
    expect(await store.messages.search(b, { agentId: agent.id, query: 'pizza', limit: 10 })).toEqual([]);
    expect(await store.messages.count(b, { agentId: agent.id })).toBe(0);
    expect(await store.runs.get(b, run.id)).toBeUndefined();
    expect(await store.runs.list(b, { limit: 10, agentId: agent.id })).toEqual([]);
    expect(await store.runs.listSteps(b, run.id)).toEqual([]);
    expect(await store.runs.listEvents(b, run.id, 0)).toEqual([]);

    // Writes with org B change nothing of org A.
    await store.agents.update(b, agent.id, { name: 'hijacked', tags: [] }, tick());
    expect(await store.agents.delete(b, agent.id)).toBe(false);
    await store.blocks.update(b, block.id, { value: 'hijacked' }, tick());
    expect(await store.blocks.compareAndSet(b, block.id, block.version, 'hijacked', tick())).toBe(false);
    await store.blocks.detach(b, agent.id, block.id);
    expect(await store.blocks.delete(b, block.id)).toBe(false);
    await store.tools.detach(b, agent.id, tool.id);
    expect(await store.tools.delete(b, tool.id)).toBe(false);
    await store.conversations.setContext(b, conversation.id, ['message-x'], tick(), 'fp');
    await store.conversations.update(b, conversation.id, { archived: true }, tick());
    await store.messages.updateContent(b, msg.id, 'hijacked', 0);
    expect(await store.runs.transition(b, run.id, 'cancelled', {}, tick())).toBe(false);

    expect(await store.agents.find(a, agent.id)).toEqual(agent);
    expect(await store.blocks.get(a, block.id)).toEqual(block);
    expect(ids(await store.blocks.listForAgent(a, agent.id))).toEqual([block.id]);
    expect(ids(await store.tools.listForAgent(a, agent.id))).toEqual([tool.id]);
    expect(await store.conversations.get(a, conversation.id)).toEqual(conversation);
    expect((await store.messages.get(a, msg.id))?.content).toBe('secret pizza');
    expect((await store.runs.get(a, run.id))?.status).toBe('created');
  });

  it("refuses to link another organization's agent, block or tool", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const { agent: agentA } = await seedAgent(a);
    const { agent: agentB } = await seedAgent(b);
    const blockA = blockRecord(a);
    await store.blocks.insert(blockA);
    const toolA = toolRecord(a, 'a_tool');
    await store.tools.insert(toolA);

    // Org B names A's agent, or links A's block/tool to its own agent: no link appears anywhere.
    await store.blocks.attach(b, agentA.id, blockA.id);
    await store.blocks.attach(b, agentB.id, blockA.id);
    await store.tools.attach(b, agentA.id, [toolA.id]);
    await store.tools.attach(b, agentB.id, [toolA.id]);
    for (const [org, agentId] of [
      [a, agentA.id],
      [b, agentA.id],
      [b, agentB.id],
    ] as const) {
      expect(await store.blocks.listForAgent(org, agentId)).toEqual([]);
      expect(await store.tools.listForAgent(org, agentId)).toEqual([]);
    }
    expect(await store.blocks.listAgentIds(a, blockA.id)).toEqual([]);
    expect(await store.blocks.listAgentIds(b, blockA.id)).toEqual([]);
  });

  it("takes another organization's id as a list cursor for an unknown id, on every paged list", async () => {
    // A's rows first, then B's: an unscoped cursor would give B the rows after A's ids.
    const [a, b] = [await newOrg(), await newOrg()];
    const rows = async (org: string) => {
      const { agent, conversation } = await seedAgent(org, { tags: ['t'] });
      const block = blockRecord(org);
      await store.blocks.insert(block);
      const tool = toolRecord(org, `tool_${org.slice(-6)}`);
      await store.tools.insert(tool);
      const message = messageRecord(org, agent.id, conversation.id);
      await store.messages.insertMany([message]);
      const run = runRecord(org, agent.id, conversation.id);
      await store.runs.insert(run);
      const step = stepRecord(run, { prompt: 1, completion: 1 });
      await store.runs.addStep(step);
      const archive = archiveRecord(org);
      await store.archives.insert(archive);
      await store.archives.attach(org, archive.id, agent.id);
      const passage = passageRecord(org, archive.id);
      await store.passages.insert([passage]);
      return { agent, conversation, block, tool, message, run, step, archive, passage };
    };
    const ofA = await rows(a);
    const ofB = await rows(b);
    type Page = { limit: number; after?: string; before?: string; order?: 'asc' | 'desc' };
    const lists: [string, string, (page: Page) => Promise<{ id: string }[] | string[]>][] = [
      ['agents', ofA.agent.id, (p) => store.agents.list(b, p)],
      ['agents by tag', ofA.agent.id, (p) => store.agents.list(b, { ...p, tags: ['t'] })],
      ['blocks', ofA.block.id, (p) => store.blocks.list(b, p)],
      ['tools', ofA.tool.id, (p) => store.tools.list(b, p)],
      ['conversations', ofA.conversation.id, (p) => store.conversations.list(b, p)],
      ['messages', ofA.message.id, (p) => store.messages.list(b, { ...p, agentId: ofB.agent.id })],
      ['runs', ofA.run.id, (p) => store.runs.list(b, p)],
      ['steps', ofA.step.id, (p) => store.runs.listStepPage(b, p)],
      ['archives', ofA.archive.id, (p) => store.archives.list(b, p)],
      ['archive agents', ofA.agent.id, (p) => store.archives.listAgentIds(b, ofB.archive.id, p)],
      ['passages', ofA.passage.id, (p) => store.passages.list(b, [ofB.archive.id], p)],
    ];
    const unknown = `x-${randomUUID()}`;
    for (const [name, foreign, list] of lists) {
      expect((await list({ limit: 50 })).length, name).toBeGreaterThan(0);
      for (const dir of ['after', 'before'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const page = (id: string) =>
            list(dir === 'after' ? { limit: 50, order, after: id } : { limit: 50, order, before: id });
          expect(await page(foreign), `${name} ${dir} ${order}`).toEqual(await page(unknown));
        }
      }
    }
  });
});
