/**
 * The web console (`GET /console`), driven like a person in a real headless Chromium
 * (playwright-core over Debian's /usr/bin/chromium; skipped with a reason when it is missing):
 * create an agent through the form, chat with streaming, watch the agent's own memory edit and its
 * run appear, edit a block, open a conversation; and, on a server with --auth, the key form.
 * Screenshots go to a temp dir (printed) for a human look.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

/** The little of the DOM the in-page checks use (the test is compiled without `lib: dom`). */
interface BrowserDocument {
  querySelector(selector: string): { textContent: string | null } | null;
}

const CHROMIUM = process.env.LETTA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('web console: HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the page and its assets with types, a strict CSP and revalidation; / redirects', async () => {
    const page = await fetch(`${server.baseUrl}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // No inline code: every <script> has a src, no style attributes or <style> elements.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);

    const types: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'api.js': 'text/javascript; charset=utf-8',
      'console.css': 'text/css; charset=utf-8',
      'icon.svg': 'image/svg+xml',
    };
    for (const [file, type] of Object.entries(types)) {
      const res = await fetch(`${server.baseUrl}/console/assets/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toBe(type);
      const etag = res.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${server.baseUrl}/console/assets/${file}`, {
        headers: { 'if-none-match': etag! },
      });
      expect(again.status, file).toBe(304);
    }
    expect((await fetch(`${server.baseUrl}/console/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/console/assets/..%2Fpackage.json`)).status).toBeGreaterThanOrEqual(
      400,
    );

    const root = await fetch(`${server.baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console');
  });
});

describe.skipIf(!HAVE_CHROMIUM)(
  `web console in Chromium${HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM}; CI installs it)`}`,
  () => {
    let llm: FakeLlm;
    let server: TestServer;
    let browser: Browser;
    const shots = mkdtempSync(join(tmpdir(), 'letta-console-'));

    beforeAll(async () => {
      llm = await startFakeLlm();
      server = await startTestServer('sqlite', {
        env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      console.info(`console screenshots: ${shots}`);
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await llm?.close();
    });

    /** A fresh page that records console errors and uncaught exceptions. */
    async function openPage(): Promise<{ page: Page; errors: string[] }> {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      return { page, errors };
    }

    it('create an agent, chat with streaming, see memory and runs update, edit a block', async () => {
      const { page, errors } = await openPage();
      await page.goto(`${server.baseUrl}/`);
      expect(page.url()).toBe(`${server.baseUrl}/console`);
      await page.getByText('No agents yet').waitFor();

      // Create an agent through the form.
      await page.getByLabel('Name').fill('Tea Helper');
      await page.getByLabel('Model').selectOption('openai/gpt-4o-mini');
      await page.getByLabel('Persona').fill('I am a helpful tea assistant.');
      await page.getByLabel('Human').fill('Name: Ada.');
      await page.getByRole('button', { name: 'Create agent' }).click();
      await page.getByRole('heading', { level: 1, name: 'Tea Helper' }).waitFor();
      expect(page.url()).toMatch(/#\/agents\/agent-/);
      const agentId = decodeURIComponent(page.url().split('#/agents/')[1]!);
      expect(await page.locator('#block-persona').inputValue()).toBe('I am a helpful tea assistant.');
      expect(await page.locator('#block-human-count').textContent()).toMatch(/^10\/\d+ chars$/);

      // Back to the list: the agent is there, with its model.
      await page.getByRole('link', { name: 'Agents' }).first().click();
      const row = page.locator('#agents tbody tr', { hasText: 'Tea Helper' });
      await row.waitFor();
      expect(await row.textContent()).toContain('gpt-4o-mini');
      await page.screenshot({ path: join(shots, 'agents.png'), fullPage: true });
      await row.getByRole('link', { name: 'Tea Helper' }).click();
      await page.locator('#composer-input').waitFor();

      // Send a message: the model first edits `human` with memory_insert, then streams its reply.
      const reply = 'Noted, Ada: you like green tea. I will remember that for next time.';
      llm.script([
        {
          toolCalls: [
            { name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes green tea.' } },
          ],
        },
        { content: reply, chunkDelayMs: 60 },
      ]);
      await page.locator('#composer-input').fill('I like <b>green tea</b>.');
      await page.getByRole('button', { name: 'Send' }).click();
      // Streamed: part of the reply is on screen before all of it.
      // (Runs in the page; this file is type-checked without the DOM lib, hence the cast.)
      await page.waitForFunction(
        (full) => {
          const doc = (globalThis as unknown as { document: BrowserDocument }).document;
          const t = doc.querySelector('#streaming-reply .text')?.textContent ?? '';
          return t.length > 0 && t.length < full;
        },
        reply.length,
        { timeout: 10_000 },
      );
      // Then the whole turn, re-read from the server: typed messages in order.
      await page
        .locator('#messages .assistant_message', { hasText: 'remember that for next time' })
        .waitFor();
      await expect.poll(() => page.locator('#streaming-reply').count()).toBe(0);
      await expect
        .poll(() =>
          page.locator('#messages li').evaluateAll((els) => els.map((e) => e.getAttribute('data-type'))),
        )
        .toEqual(['user_message', 'tool_call_message', 'tool_return_message', 'assistant_message']);
      const call = page.locator('#messages .tool_call_message');
      expect(await call.textContent()).toContain('memory_insert');
      expect(await call.textContent()).toContain('"new_string": "Likes green tea."');
      // Text, not markup.
      const user = page.locator('#messages .user_message');
      expect(await user.locator('.text').textContent()).toBe('I like <b>green tea</b>.');
      expect(await user.locator('b').count()).toBe(0);

      // The agent's memory edit shows at once; the run is listed.
      await expect.poll(() => page.locator('#block-human').inputValue()).toContain('Likes green tea.');
      const run = page.locator('#runs tbody tr[data-run]').first();
      await run.waitFor();
      const runText = (await run.textContent()) ?? '';
      expect(runText).toContain('completed');
      expect(runText).toContain('end_turn');
      const tokens = Number(await run.locator('td.num').first().textContent());
      expect(tokens).toBeGreaterThan(0);
      await expect
        .poll(() => page.locator('#conversations a[aria-current="page"]').textContent())
        .toContain('last message');
      await page.screenshot({ path: join(shots, 'agent.png'), fullPage: true });

      // Edit the persona block and save: the API has the new value.
      const persona = page.locator('#block-persona');
      await persona.fill('I am a tea sommelier.\nI answer briefly.');
      const personaForm = page.locator('form.block[data-label="persona"]');
      await personaForm.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved memory block persona.').waitFor();
      const block = (await (
        await fetch(`${server.baseUrl}/v1/agents/${agentId}/core-memory/blocks/persona`)
      ).json()) as { value: string };
      expect(block.value).toBe('I am a tea sommelier.\nI answer briefly.');
      expect(await personaForm.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);

      // A new conversation starts empty and is selected; the default one keeps its messages.
      await page.getByRole('button', { name: 'New conversation' }).click();
      await page.waitForURL(/\/c\/conv-/);
      await page.getByText('No messages yet').waitFor();
      expect(await page.locator('#conversations li').count()).toBe(2);
      await page.locator('#conversations a', { hasText: 'Default' }).click();
      await page.locator('#messages .assistant_message').waitFor();

      // Narrow screens: one column, nothing wider than the viewport.
      await page.setViewportSize({ width: 420, height: 900 });
      const overflow = await page.evaluate('document.documentElement.scrollWidth - innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shots, 'agent-narrow.png'), fullPage: true });

      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('with --auth: asks for the key on 401, keeps it in sessionStorage, sends it', async () => {
      await using authed = await startTestServer('sqlite', {
        flags: { auth: true },
        env: { LETTA_API_KEY: 'console-secret', OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url },
      });
      const created = await fetch(`${authed.baseUrl}/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer console-secret' },
        body: JSON.stringify({ name: 'guarded', model: 'gpt-4o-mini' }),
      });
      expect(created.status).toBe(201);

      const { page, errors } = await openPage();
      await page.goto(`${authed.baseUrl}/console`);
      const key = page.getByLabel('API key');
      await key.waitFor();
      expect(await page.locator('#auth-reason').textContent()).toContain('needs an API key');
      await key.fill('wrong-key');
      await page.getByRole('button', { name: 'Use key' }).click();
      await expect.poll(() => page.locator('#auth-reason').textContent()).toContain('refused the key');
      await key.fill('console-secret');
      await page.getByRole('button', { name: 'Use key' }).click();
      await page.locator('#agents', { hasText: 'guarded' }).waitFor();
      expect(await page.locator('#auth').isHidden()).toBe(true);
      expect(await page.evaluate('Object.values(sessionStorage)')).toEqual(['console-secret']);
      // A reload in the same tab keeps the key.
      await page.reload();
      await page.locator('#agents', { hasText: 'guarded' }).waitFor();
      // Only the two expected 401s were logged (Chromium reports failed fetches as console errors).
      expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
      await page.context().close();
    }, 60_000);
  },
);
