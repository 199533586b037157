/**
 * PostgreSQL going away under load (issue 11): the real `letta server` talks to PostgreSQL
 * through a TCP proxy this test can cut, while 8 clients send back to back. Backends are also
 * terminated with `pg_terminate_backend` (this test's database only). Counted: the process stays
 * up; every send answers 200 or a 503 `DATABASE_UNAVAILABLE` with `Retry-After` (never a 500 or
 * a hang-up); every acknowledged message is stored; a stream caught by the fault ends with an
 * error line; sends succeed again soon after the database returns, on the conversations the
 * fault interrupted too.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/databases.js';
import { startFakeLlm } from './support/fake-llm.js';
import { startCli } from './support/server.js';
import { startTcpProxy } from './support/tcp-proxy.js';

interface Tally {
  ok: number;
  unavailable: number;
  other: string[];
  acknowledged: string[];
}

async function send(base: string, body: object, tally: Tally): Promise<void> {
  try {
    const res = await fetch(`${base}/agents/faulty/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { code?: string; content?: string };
    if (res.status === 200) {
      tally.ok++;
      tally.acknowledged.push((body as { message: string }).message);
    } else if (res.status === 503 && json.code === 'DATABASE_UNAVAILABLE' && res.headers.get('retry-after')) {
      tally.unavailable++;
    } else tally.other.push(`${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  } catch (err) {
    tally.other.push(`network: ${(err as Error).message}`);
  }
}

describe('PostgreSQL faults under load', () => {
  it('survives terminated backends and a cut connection; nothing acknowledged is lost', async () => {
    await using llm = await startFakeLlm({ defaultReply: { content: 'fine', delayMs: 5 } });
    await using db = await createTestDatabase('postgres');
    await using proxy = await startTcpProxy(5432);
    const direct = new URL(db.pgUri ?? '');
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    await using server = await startCli({
      ...db.env,
      LETTA_PG_URI: viaProxy.toString(),
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: llm.url,
      LETTA_LLM_MAX_RETRIES: '0',
      LETTA_CONVERSATION_WAIT_MS: '3000',
    });
    const base = server.baseUrl;
    const created = await fetch(`${base}/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'faulty', model: 'gpt-4o-mini' }),
    });
    expect(created.status).toBe(201);
    const conversations: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${base}/agents/faulty/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      conversations.push(((await r.json()) as { id: string }).id);
    }

    const tally: Tally = { ok: 0, unavailable: 0, other: [], acknowledged: [] };
    let stop = false;
    let n = 0;
    const clients = conversations.map(async (conversation_id) => {
      while (!stop) await send(base, { message: `m${n++}`, conversation_id }, tally);
    });
    const admin = new pg.Client({ connectionString: direct.toString().replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      // 1. Terminate every backend of this database, three times, under load.
      for (let i = 0; i < 3; i++) {
        await pause(300);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [direct.pathname.slice(1)],
        );
      }
      await pause(300);
      // 2. The database goes away for a second (as a restart or a network cut does), under load.
      await proxy.cut();
      // A stream caught by the outage ends with an error line (or is refused with a 503 at once).
      const streamed = await fetch(`${base}/agents/faulty/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'during the outage', stream: true }),
      });
      const streamText = await streamed.text();
      if (streamed.status === 200) expect(streamText).toMatch(/"code":"DATABASE_UNAVAILABLE"/);
      else expect([streamed.status, JSON.parse(streamText).code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200); // liveness stays up
      // Readiness says not ready while the database is away (its probe may take a moment).
      let ready = 200;
      for (let i = 0; i < 30 && ready === 200; i++) {
        ready = (await fetch(`${base}/ready`)).status;
        if (ready === 200) await pause(100);
      }
      expect(ready).toBe(503);
      await pause(1000);
      const okBefore = tally.ok;
      await proxy.restore();
      const back = Date.now();
      // 3. Sends succeed again soon after the database is back.
      while (tally.ok === okBefore && Date.now() - back < 10_000) await pause(20);
      const recoveryMs = Date.now() - back;
      console.log(`db-faults-pg: first successful send ${recoveryMs} ms after the database came back`);
      expect(tally.ok).toBeGreaterThan(okBefore);
      await pause(1500);
    } finally {
      stop = true;
      await Promise.all(clients);
      await admin.end();
    }
    console.log(
      `db-faults-pg: ${tally.ok} ok, ${tally.unavailable} × 503 DATABASE_UNAVAILABLE, other: ${tally.other.length}`,
    );
    // The process is alive and every answer was a 200 or a clear 503.
    expect(server.child.exitCode).toBeNull();
    expect(tally.other).toEqual([]);
    expect(tally.unavailable).toBeGreaterThan(0);
    expect(server.stderr()).not.toMatch(/Unhandled 'error' event|uncaught/i);

    // Every conversation answers again (none is left claimed by a run the outage interrupted).
    for (const conversation_id of conversations) {
      const res = await fetch(`${base}/agents/faulty/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'after', conversation_id }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    // Every acknowledged message is stored.
    const stored = new Set<string>();
    const check = new pg.Client({ connectionString: direct.toString() });
    await check.connect();
    try {
      const { rows } = await check.query<{ content: unknown }>(
        "SELECT content FROM messages WHERE role = 'user'",
      );
      for (const r of rows) stored.add(JSON.stringify(r.content));
    } finally {
      await check.end();
    }
    const all = [...stored].join('\n');
    const lost = tally.acknowledged.filter((m) => !all.includes(`"${m}"`) && !all.includes(`\\"${m}\\"`));
    expect(lost).toEqual([]);
  }, 60_000);
});
