/**
 * A full disk (issue 11), on a real filesystem that fills: a small tmpfs holds `LETTA_HOME` (the
 * SQLite database) of the real `letta server`. Once a filler file takes the rest of the space,
 * sends answer `507 STORAGE_FULL` saying the disk is full (never a 200 for a turn whose writes
 * failed, never a 500), streams end with that error, the log says the same, the conversation is
 * not left claimed (the next send answers at once instead of waiting for the claim's lease), and
 * the server recovers by itself when the space comes back.
 *
 * Mounting needs root (CI runs as root); elsewhere the test is skipped, saying why.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm } from './support/fake-llm.js';
import { startCli } from './support/server.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'letta-full-'));
let mounted = false;
let why = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
}

/** Writes 64 KiB blocks into `path` until the filesystem refuses (ENOSPC). */
function fill(path: string): void {
  const block = Buffer.alloc(64 * 1024, 1);
  const fd = openSync(path, 'w');
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!mounted)(
  `a full disk (SQLite on a 24 MiB tmpfs)${mounted ? '' : `: skipped, ${why}`}`,
  () => {
    beforeAll(() => {
      writeFileSync(join(mountPoint, '.keep'), '');
    });
    afterAll(() => {
      try {
        execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
      } catch {
        // already gone
      }
      rmSync(mountPoint, { recursive: true, force: true });
    });

    it('answers 507 STORAGE_FULL, frees the conversation, and recovers when space returns', async () => {
      await using llm = await startFakeLlm({ defaultReply: { content: 'stored?' } });
      const home = join(mountPoint, 'home');
      await using server = await startCli({
        LETTA_HOME: home,
        OPENAI_API_KEY: 'test',
        OPENAI_BASE_URL: llm.url,
        LETTA_LLM_MAX_RETRIES: '0',
        LETTA_CONVERSATION_WAIT_MS: '20000',
        LETTA_SQLITE_WAL_CHECKPOINT_MB: '1',
      });
      const post = (path: string, body: unknown) =>
        fetch(`${server.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/agents', { name: 'full', model: 'gpt-4o-mini' })).status).toBe(201);
      expect((await post('/agents/full/messages', { message: 'before' })).status).toBe(200);

      const filler = join(mountPoint, 'filler');
      fill(filler);
      // The WAL may still have room of its own; sends fail once a write needs a new page.
      let failed: Response | undefined;
      const statuses: number[] = [];
      for (let i = 0; i < 300 && !failed; i++) {
        const res = await post('/agents/full/messages', { message: `x${i} ${'y'.repeat(2000)}` });
        statuses.push(res.status);
        if (res.status !== 200) failed = res;
        else await res.arrayBuffer();
      }
      expect(failed, `no send failed: ${statuses.join(',')}`).toBeDefined();
      const body = (await failed!.json()) as { code: string; detail: string };
      expect([failed!.status, body.code]).toEqual([507, 'STORAGE_FULL']);
      expect(body.detail).toMatch(/disk .*full/);

      // The next send is not held by a claim the failed turn left behind: it answers at once.
      const again = await post('/agents/full/messages', { message: 'still full' });
      expect(again.status).toBe(507);
      expect(((await again.json()) as { code: string }).code).toBe('STORAGE_FULL');
      // A stream fails with the same error, as its last lines say.
      const streamed = await post('/agents/full/messages', { message: 'stream', stream: true });
      const text = await streamed.text();
      if (streamed.status === 200) expect(text).toMatch(/"code":"STORAGE_FULL"/);
      else expect(streamed.status).toBe(507);
      // The log says the disk is full.
      expect(server.stdout() + server.stderr()).toMatch(/STORAGE_FULL|disk .*full/);

      // Space returns: the server recovers by itself, on the same conversation.
      rmSync(filler);
      let ok = 0;
      for (let i = 0; i < 50 && ok === 0; i++) {
        const res = await post('/agents/full/messages', { message: 'space is back' });
        if (res.status === 200) ok++;
        else await new Promise((r) => setTimeout(r, 100));
      }
      expect(ok).toBe(1);
      const history = await fetch(`${server.baseUrl}/agents/full/conversations/default/messages`);
      expect(JSON.stringify(await history.json())).toContain('space is back');
      expect(server.child.exitCode).toBeNull();
    }, 60_000);
  },
);
