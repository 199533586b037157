/**
 * The storage conformance suite, MCP servers: run unchanged on a real SQLite file and a real
 * PostgreSQL database. Names unique per organization, JSON fields round-trip (nulls too),
 * update and delete only within the organization, list by name.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import type { McpServerRecord } from '../../src/store/index.js';
import { DIALECTS } from '../support/databases.js';
import { storeFixture, tick } from '../support/store-fixture.js';

function serverRecord(org: string, over: Partial<McpServerRecord> = {}): McpServerRecord {
  const at = tick();
  return {
    id: newId('mcp_server'),
    organization_id: org,
    server_name: 'weather',
    server_type: 'streamable_http',
    server_url: 'https://mcp.example.com/mcp',
    auth_header: 'Authorization',
    auth_token: 'secret',
    custom_headers: { 'X-Api-Key': 'k' },
    command: null,
    args: null,
    env: null,
    created_at: at,
    updated_at: at,
    ...over,
  };
}

describe.each(DIALECTS)('store: MCP servers (%s)', (dialect) => {
  const { store, newOrg } = storeFixture(dialect);

  it('inserts, reads by id and name, and refuses a second server of the same name', async () => {
    const org = await newOrg();
    const http = serverRecord(org);
    expect(await store.mcpServers.insert(http)).toBe(true);
    expect(await store.mcpServers.get(org, http.id)).toEqual(http);
    expect(await store.mcpServers.getByName(org, 'weather')).toEqual(http);
    expect(await store.mcpServers.insert(serverRecord(org))).toBe(false);

    const stdio = serverRecord(org, {
      server_name: 'local',
      server_type: 'stdio',
      server_url: null,
      auth_header: null,
      auth_token: null,
      custom_headers: null,
      command: 'node',
      args: ['server.mjs', '--flag'],
      env: { A: '1' },
    });
    expect(await store.mcpServers.insert(stdio)).toBe(true);
    expect(await store.mcpServers.get(org, stdio.id)).toEqual(stdio);
    expect((await store.mcpServers.list(org)).map((s) => s.server_name)).toEqual(['local', 'weather']);
  });

  it('keeps organizations apart', async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const mine = serverRecord(a);
    await store.mcpServers.insert(mine);
    // The same name in another organization is fine.
    expect(await store.mcpServers.insert(serverRecord(b))).toBe(true);
    expect(await store.mcpServers.get(b, mine.id)).toBeUndefined();
    expect((await store.mcpServers.list(b)).map((s) => s.id)).not.toContain(mine.id);
    expect(await store.mcpServers.update(b, { ...mine, organization_id: b, server_name: 'stolen' })).toBe(
      'not_found',
    );
    expect((await store.mcpServers.get(a, mine.id))?.server_name).toBe('weather');
    expect(await store.mcpServers.delete(b, mine.id)).toBe(false);
    expect(await store.mcpServers.get(a, mine.id)).toEqual(mine);
  });

  it('updates (a taken name is refused) and deletes', async () => {
    const org = await newOrg();
    const one = serverRecord(org, { server_name: 'one' });
    const two = serverRecord(org, { server_name: 'two' });
    await store.mcpServers.insert(one);
    await store.mcpServers.insert(two);
    expect(await store.mcpServers.update(org, { ...two, server_name: 'one' })).toBe('name_taken');
    const changed = {
      ...two,
      server_name: 'three',
      server_type: 'sse' as const,
      auth_token: null,
      custom_headers: null,
      updated_at: tick(),
    };
    expect(await store.mcpServers.update(org, changed)).toBe('updated');
    expect(await store.mcpServers.get(org, two.id)).toEqual(changed);
    expect(await store.mcpServers.delete(org, one.id)).toBe(true);
    expect(await store.mcpServers.delete(org, one.id)).toBe(false);
    expect((await store.mcpServers.list(org)).map((s) => s.server_name)).toEqual(['three']);
  });
});
