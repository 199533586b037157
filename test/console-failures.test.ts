/**
 * The console when a turn fails (issue 18), in a real headless Chromium (skipped with a reason
 * when Debian's chromium is missing): the model breaks mid-stream; the status line keeps the
 * error's detail after the `done` line, the typed text comes back to the composer, and the
 * user message is marked failed in the history. The model field lists the server's models.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startFakeLlm } from './support/fake-llm.js';
import { startTestServer } from './support/server.js';

const CHROMIUM = process.env.LETTA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

describe.skipIf(!HAVE_CHROMIUM)(
  `console: a failed turn${HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    it('shows the error detail, gives the text back and marks the message', async () => {
      await using llm = await startFakeLlm({ models: ['gpt-4o-mini', 'local-qwen'] });
      await using server = await startTestServer('sqlite', {
        env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
      });
      await server.core.providers.refresh({ timeoutMs: 2000 });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      });
      const shots = mkdtempSync(join(tmpdir(), 'letta-console-failures-'));
      console.info(`console screenshots: ${shots}`);
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        await page.goto(`${server.baseUrl}/console`);
        await page.getByLabel('Name').fill('breakable');
        // The model field offers the models the server can reach, and the server default.
        const options = await page.locator('#na-model option').allTextContents();
        expect(options).toEqual(['Server default', 'openai/gpt-4o-mini', 'openai/local-qwen']);
        await page.getByRole('button', { name: 'Create agent' }).click();
        await page.locator('#composer-input').waitFor();

        llm.script({ error: { status: 400, message: 'the model refused: context too spicy' } });
        await page.locator('#composer-input').fill('Tell me about pepper');
        await page.getByRole('button', { name: 'Send' }).click();
        const status = page.locator('#status');
        await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain('context too spicy');
        expect(await status.textContent()).toContain('llm_api_error');
        expect(await page.locator('#composer-input').inputValue()).toBe('Tell me about pepper');
        const failed = page.locator('#messages .user_message.failed', { hasText: 'Tell me about pepper' });
        await failed.waitFor();
        expect(await failed.locator('.run-error').textContent()).toMatch(
          /failed: llm_api_error.*context too spicy/,
        );
        await page.screenshot({ path: join(shots, 'failed-turn.png'), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  },
);
