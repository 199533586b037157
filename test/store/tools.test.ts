/**
 * The storage conformance suite, tools: run unchanged on a real SQLite file and a real
 * PostgreSQL database (`describe.each(DIALECTS)`).
 * Tools: insertMissing by name, attach (idempotent) and detach, whether Python is in use.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/databases.js';
import { ids, storeFixture, toolRecord } from '../support/store-fixture.js';

describe.each(DIALECTS)('store: tools (%s)', (dialect) => {
  const { store, newOrg, seedAgent } = storeFixture(dialect);

  // First in the file: the suite's database holds no tool yet.
  it('knows whether any organization has Python to run (the sandbox then loads at start)', async () => {
    expect(await store.tools.pythonInUse()).toBe(false);
    const org = await newOrg();
    const { agent } = await seedAgent(org);
    const js = {
      ...toolRecord(org, 'js_tool'),
      tool_type: 'custom',
      source_type: 'javascript',
      source_code: 'x',
    };
    const runCode = toolRecord(org, 'run_code');
    await store.tools.insertMissing([js, runCode]);
    expect(await store.tools.pythonInUse()).toBe(false);
    await store.tools.attach(org, agent.id, [runCode.id]);
    expect(await store.tools.pythonInUse()).toBe(true);
    await store.tools.detach(org, agent.id, runCode.id);
    expect(await store.tools.pythonInUse()).toBe(false);
    const py = {
      ...toolRecord(org, 'py_tool'),
      tool_type: 'custom',
      source_type: 'python',
      source_code: 'def py_tool(): pass',
    };
    await store.tools.insertMissing([py]);
    expect(await store.tools.pythonInUse()).toBe(true);
    await store.tools.delete(org, py.id);
  });

  it('insertMissing is idempotent by name', async () => {
    const org = await newOrg();
    const first = [toolRecord(org, 'send_message'), toolRecord(org, 'memory_insert')];
    await store.tools.insertMissing(first);
    await store.tools.insertMissing([toolRecord(org, 'send_message'), toolRecord(org, 'memory_replace')]);
    await Promise.all([store.tools.insertMissing(first), store.tools.insertMissing([])]);
    const listed = await store.tools.list(org, { limit: 50 });
    expect(listed.map((t) => t.name).sort()).toEqual(['memory_insert', 'memory_replace', 'send_message']);
    const byName = await store.tools.findByNames(org, ['send_message', 'memory_insert', 'nope']);
    expect(byName.map((t) => t.id).sort()).toEqual(ids(first).sort());
    expect(await store.tools.get(org, first[0]!.id)).toEqual(first[0]);
    expect(ids(await store.tools.list(org, { limit: 50, name: 'memory_insert' }))).toEqual([first[1]!.id]);
    expect(await store.tools.findByNames(org, [])).toEqual([]);
  });

  it('attaches (idempotently) and detaches tools', async () => {
    const org = await newOrg();
    const { agent } = await seedAgent(org);
    const tools = [toolRecord(org, 'zeta'), toolRecord(org, 'alpha'), toolRecord(org, 'mid')];
    await store.tools.insertMissing(tools);
    await store.tools.attach(org, agent.id, ids(tools));
    await store.tools.attach(org, agent.id, [tools[0]!.id]);
    await store.tools.attach(org, agent.id, []);
    expect((await store.tools.listForAgent(org, agent.id)).map((t) => t.name)).toEqual([
      'alpha',
      'mid',
      'zeta',
    ]);
    await store.tools.detach(org, agent.id, tools[1]!.id);
    expect((await store.tools.listForAgent(org, agent.id)).map((t) => t.name)).toEqual(['mid', 'zeta']);
    expect(await store.tools.delete(org, tools[2]!.id)).toBe(true);
    expect((await store.tools.listForAgent(org, agent.id)).map((t) => t.name)).toEqual(['zeta']);
  });
});
