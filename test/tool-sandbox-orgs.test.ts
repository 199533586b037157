/**
 * Sandbox workers carry nothing from one organization's tool call to another's (issue 14): what a
 * Python tool leaves in its runtime (a global set on `builtins`, a file in the in-memory file
 * system) is still there for the next call of the same organization, which shows the test can
 * fail, and absent for another organization's call (the pool gives it a fresh worker). A QuickJS
 * call is a fresh runtime every time. Real HTTP, two organizations with their own API keys.
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/server.js';

const LEAK = `
import builtins
def leak() -> str:
    """Leave state behind."""
    builtins.LEAKED = 'secret-of-a'
    with open('/tmp/left-behind.txt', 'w') as f:
        f.write('file of a')
    return 'left'
`;

const LOOK = `
import builtins, json, os
def look() -> str:
    """Look for state left behind."""
    return json.dumps({'global': getattr(builtins, 'LEAKED', None), 'file': os.path.exists('/tmp/left-behind.txt')})
`;

describe('tool sandbox state and organizations', () => {
  it("an organization's tool call never sees what another organization's left in a worker", async () => {
    await using server = await startTestServer('sqlite', {
      flags: { auth: true },
      env: { LETTA_TOOL_WORKERS: '1', LETTA_TOOL_PREWARM: '0' },
    });
    const aliceKey = await server.core.apiKeys.create('alice');
    const bobKey = await server.core.apiKeys.create('bob');
    const [alice, bob] = [aliceKey.key, bobKey.key];
    const run = async (key: string, body: Record<string, unknown>) => {
      const res = await fetch(`${server.baseUrl}/v1/tools/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const r = (await res.json()) as { status: string; tool_return: string };
      expect(r.status).toBe('success');
      return r.tool_return;
    };
    expect(await run(alice, { source_code: LEAK })).toBe('left');
    // The same organization's next call runs on the same worker: the state is there.
    expect(JSON.parse(await run(alice, { source_code: LOOK }))).toEqual({
      global: 'secret-of-a',
      file: true,
    });
    // Another organization's call: one worker in the pool, so it is replaced by a fresh one.
    expect(JSON.parse(await run(bob, { source_code: LOOK }))).toEqual({ global: null, file: false });
    expect(server.core.customTools.sandbox.pythonOwners()).toEqual([bobKey.organization_id]);
    // Back to the first organization: its worker is gone, so is its state (fresh worker again).
    expect(JSON.parse(await run(alice, { source_code: LOOK }))).toEqual({ global: null, file: false });
    expect(server.core.customTools.sandbox.pythonOwners()).toEqual([aliceKey.organization_id]);

    // QuickJS: a fresh runtime per call, even within one organization.
    const setGlobal =
      'export function set_global(): string { (globalThis as any).LEAKED = "a"; return "set"; }';
    const readGlobal = 'export function read_global(): string { return String((globalThis as any).LEAKED); }';
    expect(await run(alice, { source_type: 'typescript', source_code: setGlobal })).toBe('set');
    expect(await run(alice, { source_type: 'typescript', source_code: readGlobal })).toBe('undefined');
    expect(await run(bob, { source_type: 'typescript', source_code: readGlobal })).toBe('undefined');
  }, 180_000);
});
