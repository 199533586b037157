/**
 * The console's agent panels (issue 18, item 3), driven like a person in a real headless Chromium
 * (playwright-core over Debian's /usr/bin/chromium; skipped with a reason when it is missing): the
 * context window (bars by part, read against GET /v1/agents/{id}/context), agent settings (model,
 * window, system prompt, rename, tools attach/detach, delete), the archival memory browser
 * (insert, search, delete), run details (steps, tool calls and returns, usage, errors) and the
 * Stop button while a reply streams. Screenshots at 1400 and 420 px go to a temp dir (printed).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer } from './support/server.js';

const CHROMIUM = process.env.LETTA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];

interface Overview {
  context_window_size_max: number;
  context_window_size_current: number;
  num_tokens_system: number;
  num_tokens_core_memory: number;
  num_tokens_external_memory_summary: number;
  num_tokens_functions_definitions: number;
  num_tokens_messages: number;
  functions_definitions: unknown[];
}

const fmt = new Intl.NumberFormat('en');

describe.skipIf(!HAVE_CHROMIUM)(
  `console agent panels in Chromium${HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    let llm: FakeLlm;
    let server: TestServer;
    let browser: Browser;
    const shots = mkdtempSync(join(tmpdir(), 'letta-console-ade-'));

    beforeAll(async () => {
      llm = await startFakeLlm({ models: ['gpt-4o-mini', 'local-qwen'] });
      server = await startTestServer('sqlite', {
        env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
      });
      await server.core.providers.refresh({ timeoutMs: 2000 });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
      console.info(`console screenshots: ${shots}`);
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await llm?.close();
    });

    const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
      const res = await fetch(`${server.baseUrl}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) },
      });
      expect(res.ok, `${path}: ${res.status}`).toBe(true);
      return (await res.json()) as T;
    };
    const createAgent = (name: string) =>
      json<{ id: string; name: string }>('/agents', {
        method: 'POST',
        body: JSON.stringify({
          name,
          model: 'gpt-4o-mini',
          persona: 'I am a tea sommelier.',
          human: 'Name: Ada.',
        }),
      });

    /** The agent's page in a fresh context; console errors and page errors are collected. */
    async function openAgent(id: string): Promise<{ page: Page; errors: string[] }> {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      await page.goto(`${server.baseUrl}/console#/agents/${id}`);
      await page.locator('#composer-input').waitFor();
      return { page, errors };
    }

    async function shoot(page: Page, name: string, selector?: string): Promise<void> {
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      await page.setViewportSize({ width: 420, height: 900 });
      const overflow = await page.evaluate('document.documentElement.scrollWidth - innerWidth');
      expect(overflow, `${name} at 420 px`).toBeLessThanOrEqual(0);
      if (selector) await page.locator(selector).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, `${name}-420.png`), fullPage: true });
      await page.setViewportSize({ width: 1400, height: 900 });
    }

    async function sendAndWait(page: Page, text: string, expectText: string): Promise<void> {
      await page.locator('#composer-input').fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('#messages .assistant_message', { hasText: expectText }).waitFor();
      await expect.poll(() => page.locator('#streaming-reply').count()).toBe(0);
    }

    it('context window: bars by part, as the API counts them, and keyboard tabs', async () => {
      const agent = await createAgent('Context Helper');
      const { page, errors } = await openAgent(agent.id);
      llm.script([
        {
          toolCalls: [
            { name: 'memory_insert', arguments: { label: 'human', new_string: 'Likes green tea.' } },
          ],
        },
        { content: 'Noted: green tea.' },
      ]);
      await sendAndWait(page, 'I like green tea', 'Noted: green tea.');

      // Keyboard: from the Memory tab, the right arrow moves to the Context tab.
      await page.getByRole('tab', { name: 'Memory' }).focus();
      await page.keyboard.press('ArrowRight');
      const contextTab = page.getByRole('tab', { name: 'Context' });
      expect(await contextTab.getAttribute('aria-selected')).toBe('true');
      expect(await page.evaluate('document.activeElement.id')).toBe('tab-context');
      await page.locator('#context-window [data-part="messages"]').waitFor();

      const o = await json<Overview>(`/v1/agents/${agent.id}/context`);
      expect(await page.locator('#context-used').textContent()).toBe(
        fmt.format(o.context_window_size_current),
      );
      const tokensOf = (part: string) =>
        page.locator(`#context-window [data-part="${part}"] .ctx-tokens`).first().textContent();
      expect(await tokensOf('system')).toBe(`${fmt.format(o.num_tokens_system)} tok`);
      expect(await tokensOf('core')).toBe(`${fmt.format(o.num_tokens_core_memory)} tok`);
      expect(await tokensOf('external')).toBe(`${fmt.format(o.num_tokens_external_memory_summary)} tok`);
      expect(await tokensOf('tools')).toBe(`${fmt.format(o.num_tokens_functions_definitions)} tok`);
      expect(await tokensOf('messages')).toBe(`${fmt.format(o.num_tokens_messages)} tok`);
      expect(await page.locator('#context-window [data-part="messages"]').textContent()).toContain(
        'Messages (4)',
      );
      expect(await page.locator('#context-window [data-part="tools"]').textContent()).toContain(
        `Tool definitions (${o.functions_definitions.length})`,
      );
      // Each bar's width is its share of the window.
      const width = await page
        .locator('#context-window [data-part="core"] .ctx-fill')
        .evaluate((el) => (el as unknown as { style: { width: string } }).style.width);
      expect(Number.parseFloat(width)).toBeCloseTo(
        (100 * o.num_tokens_core_memory) / o.context_window_size_max,
        1,
      );

      // A part opens to show its text: core memory holds the agent's own edit.
      await page.locator('#context-window [data-part="core"] summary').click();
      await page.locator('#context-window [data-part="core"] pre', { hasText: 'Likes green tea.' }).waitFor();

      // After another turn the panel (left open) follows: more messages.
      llm.script({ content: 'Sencha, then.' });
      await sendAndWait(page, 'Which one?', 'Sencha, then.');
      await expect
        .poll(() => page.locator('#context-window [data-part="messages"]').textContent())
        .toContain('Messages (6)');
      // The part opened before the turn is still open, and shows the memory as it is now.
      expect(await page.locator('#context-window [data-part="core"] details').getAttribute('open')).toBe('');
      await shoot(page, 'context', '#context-window');
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(shots, 'context-dark.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('settings: model, window, system prompt, rename, tools, delete', async () => {
      const agent = await createAgent('Settings Helper');
      const { page, errors } = await openAgent(agent.id);
      await page.getByRole('tab', { name: 'Settings' }).click();
      const model = page.getByLabel('Model');
      await model.waitFor();
      expect(await model.locator('option').allTextContents()).toEqual([
        'openai/gpt-4o-mini',
        'openai/local-qwen',
      ]);
      await model.selectOption('openai/local-qwen');
      await page.getByLabel('Name').fill('Renamed Helper');
      await page.getByLabel('Context window limit (tokens)').fill('20000');
      const system = page.getByLabel('System prompt');
      await system.fill('You are a terse tea expert.\n\n{CORE_MEMORY}');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Saved the agent settings.').waitFor();
      await page.getByRole('heading', { level: 1, name: 'Renamed Helper' }).waitFor();
      expect(await page.locator('#agent-model').textContent()).toBe('openai/local-qwen');
      const stored = await json<{
        name: string;
        model: string;
        system: string;
        context_window_limit: number;
      }>(`/agents/${agent.id}`);
      expect(stored).toMatchObject({
        name: 'Renamed Helper',
        model: 'openai/local-qwen',
        system: 'You are a terse tea expert.\n\n{CORE_MEMORY}',
        context_window_limit: 20000,
      });

      // Tools: attach one that is available, detach one that is attached.
      const attached = page.locator('#tools-attached');
      const available = page.locator('#tools-available');
      await available.getByRole('button', { name: 'Attach archival_memory_insert' }).click();
      await attached.getByText('archival_memory_insert').waitFor();
      await attached.getByRole('button', { name: 'Detach memory_replace' }).click();
      await available.getByText('memory_replace', { exact: true }).waitFor();
      const tools = await json<{ name: string }[]>(`/v1/agents/${agent.id}/tools?limit=100`);
      expect(tools.map((t) => t.name)).toContain('archival_memory_insert');
      expect(tools.map((t) => t.name)).not.toContain('memory_replace');

      // The context window follows the new window and system prompt.
      await page.getByRole('tab', { name: 'Context' }).click();
      await expect.poll(() => page.locator('.ctx-total').textContent()).toContain('of 20,000 tokens');
      await page.locator('#context-window [data-part="system"] summary').click();
      await page
        .locator('#context-window [data-part="system"] pre', { hasText: 'terse tea expert' })
        .waitFor();
      await page.getByRole('tab', { name: 'Settings' }).click();
      await shoot(page, 'settings', '#settings-form');

      // Delete, after a confirmation that can be cancelled.
      await page.getByRole('button', { name: 'Delete agent…' }).click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      expect(await page.locator('.confirm').isHidden()).toBe(true);
      await page.getByRole('button', { name: 'Delete agent…' }).click();
      await page.getByText('This cannot be undone.').waitFor();
      await page.getByRole('button', { name: 'Delete Renamed Helper' }).click();
      await page.waitForURL(/#\/$/);
      await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor();
      expect(await page.locator('#status').textContent()).toContain('Deleted agent Renamed Helper.');
      expect((await fetch(`${server.baseUrl}/agents/${agent.id}`)).status).toBe(404);
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('archival memory: insert with tags, list, search, delete', async () => {
      const agent = await createAgent('Archive Helper');
      const { page, errors } = await openAgent(agent.id);
      await page.getByRole('tab', { name: 'Archival' }).click();
      await page.getByText('No archival memories.').waitFor();
      const insert = page.locator('#archival-insert');
      await insert.getByLabel('Text').fill("Ada's cat is called Miso and hates rain.");
      await insert.getByLabel('Tags').fill('pets, ada');
      await insert.getByRole('button', { name: 'Insert' }).click();
      await page.getByText('Inserted into archival memory.').waitFor();
      await insert.getByLabel('Text').fill('Ada drinks sencha every morning.');
      await insert.getByRole('button', { name: 'Insert' }).click();
      await expect.poll(() => page.locator('#passages li[data-passage]').count()).toBe(2);
      const miso = page.locator('#passages li', { hasText: 'Miso' });
      expect(await miso.locator('.tag').allTextContents()).toEqual(['pets', 'ada']);

      await page.getByLabel('Search archival memory').fill('cat Miso');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await expect.poll(() => page.locator('#passages-caption').textContent()).toContain('for “cat Miso”');
      expect(await page.locator('#passages li[data-passage]').first().textContent()).toContain('Miso');
      await shoot(page, 'archival', '#passages');

      await page
        .locator('#passages li', { hasText: 'Miso' })
        .getByRole('button', { name: /^Delete memory/ })
        .click();
      await page.getByText('Deleted the memory.').waitFor();
      const left = await json<{ text: string }[]>(`/v1/agents/${agent.id}/archival-memory`);
      expect(left.map((p) => p.text)).toEqual(['Ada drinks sencha every morning.']);
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('run details: steps with usage, tool calls and returns, timings; a failed run shows its error', async () => {
      const agent = await createAgent('Runs Helper');
      const { page, errors } = await openAgent(agent.id);
      llm.script([
        {
          toolCalls: [{ name: 'memory_insert', arguments: { label: 'human', new_string: 'Has a cat.' } }],
          usage: { prompt_tokens: 1200, completion_tokens: 30 },
        },
        { content: 'Saved: you have a cat.', usage: { prompt_tokens: 1300, completion_tokens: 12 } },
      ]);
      await sendAndWait(page, 'I have a cat', 'Saved: you have a cat.');
      const row = page.locator('#runs tbody tr[data-run]').first();
      await row.getByRole('button').click();
      const details = page.locator('#run-details');
      await details.waitFor();
      expect(await row.getByRole('button').getAttribute('aria-expanded')).toBe('true');
      expect(await page.evaluate('document.activeElement.id')).toBe('run-details-title');
      const text = (await details.textContent()) ?? '';
      expect(text).toContain('completed');
      expect(text).toContain('end_turn');
      expect(text).toContain('2,542 (2,500 prompt + 42 completion)');
      const steps = details.locator('li.step');
      expect(await steps.count()).toBe(2);
      expect(await steps.nth(0).locator('.step-usage').textContent()).toBe('1,200 in · 30 out');
      expect(await steps.nth(0).locator('.tool_call_message').textContent()).toContain('memory_insert');
      expect(await steps.nth(0).locator('.tool_call_message').textContent()).toContain(
        '"new_string": "Has a cat."',
      );
      expect(await steps.nth(0).locator('.tool_return_message .badge').textContent()).toBe('success');
      expect(await steps.nth(1).locator('.assistant_message').textContent()).toContain(
        'Saved: you have a cat.',
      );
      expect(await steps.nth(1).locator('.step-head').textContent()).toMatch(/ended \+\d/);
      expect(await details.locator('.user_message').textContent()).toContain('I have a cat');
      await shoot(page, 'run-details', '#run-details');

      // A run whose model call fails: its error is in the details.
      llm.script({ error: { status: 400, message: 'the model refused: too much cat' } });
      await page.locator('#composer-input').fill('More cats');
      await page.getByRole('button', { name: 'Send' }).click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 10_000 })
        .toContain('too much cat');
      await expect.poll(() => page.locator('#runs tbody tr[data-run]').count()).toBe(2);
      await page.locator('#runs tbody tr[data-run]').first().getByRole('button').click();
      await page.locator('#run-details > .run-error', { hasText: 'too much cat' }).waitFor();
      expect(await page.locator('#run-details').textContent()).toContain('llm_api_error');
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('message search over every conversation; conversations with summaries', async () => {
      const agent = await createAgent('Search Helper');
      const { page, errors } = await openAgent(agent.id);
      llm.script({ content: 'Jasmine noted.' });
      await sendAndWait(page, 'I love jasmine tea', 'Jasmine noted.');
      const defaultUrl = page.url();

      // A new conversation with a summary; the list shows it; its summary can be edited.
      await page.getByLabel('Summary of the new conversation').fill('Travel plans');
      await page.getByRole('button', { name: 'New conversation' }).click();
      await page.waitForURL(/\/c\/conv-/);
      await page.locator('#conversations a[aria-current="page"]', { hasText: 'Travel plans' }).waitFor();
      llm.script({ content: 'Kyoto sounds lovely.' });
      await sendAndWait(page, 'Visiting Kyoto in May, with jasmine pearls', 'Kyoto sounds lovely.');
      await page.getByLabel('Summary of this conversation').fill('Kyoto trip');
      await page.getByRole('button', { name: 'Save summary' }).click();
      await page.getByText('Saved the conversation summary.').waitFor();
      await page.locator('#conversations a', { hasText: 'Kyoto trip' }).waitFor();
      const convs = await json<{ summary: string | null; is_default: boolean }[]>(
        `/agents/${agent.id}/conversations`,
      );
      expect(convs.map((c) => c.summary)).toEqual([null, 'Kyoto trip']);

      // Search: both conversations, newest first; a role filter; a link to the hit's conversation.
      await page.getByRole('tab', { name: 'Search' }).click();
      await page.getByLabel('Search messages').fill('jasmine');
      await page.getByRole('button', { name: 'Find' }).click();
      await expect.poll(() => page.locator('#message-hits li').count()).toBe(3);
      expect(await page.locator('#message-hits li .text').allTextContents()).toEqual([
        'Visiting Kyoto in May, with jasmine pearls',
        'Jasmine noted.',
        'I love jasmine tea',
      ]);
      expect(await page.locator('#message-hits li').first().locator('mark').textContent()).toBe('jasmine');
      expect(await page.locator('#message-hits-caption').textContent()).toContain(
        '3 messages match “jasmine”',
      );
      expect(await page.locator('#message-hits li .kind').allTextContents()).toEqual(['You', 'Agent', 'You']);
      expect(await page.locator('#message-hits li a').allTextContents()).toEqual([
        'in Kyoto trip',
        'in Default',
        'in Default',
      ]);
      await shoot(page, 'search', '#message-hits');
      await page.locator('#message-hits li', { hasText: 'I love jasmine tea' }).getByRole('link').click();
      await page.locator('#messages .user_message', { hasText: 'I love jasmine tea' }).waitFor();
      expect(await page.locator('#conversations a[aria-current="page"]').textContent()).toContain('Default');
      await shoot(page, 'conversations', '#conversations');

      // Delete (archive) the side conversation: back to the default one, one conversation left.
      await page.locator('#conversations a', { hasText: 'Kyoto trip' }).click();
      await page.getByRole('button', { name: 'Delete conversation' }).click();
      await page.getByText('Deleted the conversation.').waitFor();
      await expect.poll(() => page.locator('#conversations li').count()).toBe(1);
      expect(page.url()).toBe(defaultUrl.replace(/\/c\/.*$/, ''));
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);

    it('Stop cancels the streaming reply', async () => {
      const agent = await createAgent('Stop Helper');
      const { page, errors } = await openAgent(agent.id);
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The reply streams its first words, then the model hangs until the test lets it go.
      llm.script({
        content: 'Let me think about this for a very long time',
        beforeChunk: (i) => (i >= 3 ? held : Promise.resolve()),
      });
      await page.locator('#composer-input').fill('Take your time');
      await page.getByRole('button', { name: 'Send' }).click();
      const stop = page.getByRole('button', { name: 'Stop' });
      await stop.waitFor();
      expect(await page.getByRole('button', { name: 'Send' }).isHidden()).toBe(true);
      await page.locator('#streaming-reply .text', { hasText: 'Let' }).waitFor();
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(shots, 'stop-streaming-dark.png'), fullPage: true });
      await stop.click();
      await expect
        .poll(() => page.locator('#status').textContent(), { timeout: 10_000 })
        .toContain('Stopped');
      await page.getByRole('button', { name: 'Send' }).waitFor();
      expect(await stop.isHidden()).toBe(true);
      release();
      const runs = await json<{ status: string; stop_reason: string }[]>(`/v1/runs/?agent_id=${agent.id}`);
      expect(runs[0]).toMatchObject({ status: 'cancelled', stop_reason: 'cancelled' });
      await expect
        .poll(() => page.locator('#runs tbody tr[data-run]').first().textContent())
        .toContain('cancelled');
      expect(errors).toEqual([]);
      await page.context().close();
    }, 60_000);
  },
);
