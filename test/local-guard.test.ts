/**
 * A server without `--auth` (a developer's laptop) cannot be driven by the web pages its user
 * visits: state-changing requests from another origin are refused (403 ORIGIN_NOT_ALLOWED), and a
 * `Host` that does not name the server (DNS rebinding) is refused on every request (403
 * HOST_NOT_ALLOWED). Non-browser clients (no `Origin`) and the console (same origin) are unchanged.
 * First over raw HTTP, then in a real Chromium: a page from another origin fires `no-cors` POSTs,
 * and a page whose name "rebinds" to the server reads and writes same-origin; nothing changes.
 */
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from './support/fake-llm.js';
import { startTestServer, type TestServer, type TestServerOptions } from './support/server.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** One request with exactly these headers (fetch cannot set `Host`). */
function send(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const url = new URL(path, baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const allHeaders = payload === undefined ? headers : { 'content-type': 'application/json', ...headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: allHeaders }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function withServer(
  options: TestServerOptions,
  fn: (server: TestServer) => Promise<void>,
): Promise<void> {
  await using server = await startTestServer('sqlite', options);
  expect((await send(server.baseUrl, 'POST', '/agents', {}, { name: 'sam' })).status).toBe(201);
  await fn(server);
}

describe('local guard over HTTP', () => {
  it('without --auth: foreign Host refused on every method; names of the server pass', async () => {
    await withServer({}, async (server) => {
      const port = new URL(server.baseUrl).port;
      for (const host of [
        `rebind.evil.test:${port}`,
        'evil.test',
        'localhost.evil.test',
        `127.0.0.1.nip.io:${port}`,
      ]) {
        const read = await send(server.baseUrl, 'GET', '/agents', { host });
        expect(read.status, host).toBe(403);
        expect(read.body.code).toBe('HOST_NOT_ALLOWED');
        const write = await send(server.baseUrl, 'POST', '/agents/sam/conversations', { host });
        expect(write.body.code, host).toBe('HOST_NOT_ALLOWED');
      }
      for (const host of [
        `127.0.0.1:${port}`,
        `localhost:${port}`,
        'LOCALHOST.',
        `[::1]:${port}`,
        'app.localhost',
        '192.168.1.20:8283',
      ]) {
        expect((await send(server.baseUrl, 'GET', '/agents', { host })).status, host).toBe(200);
      }
      expect((await send(server.baseUrl, 'GET', '/health', { host: 'evil.test' })).status).toBe(403);
    });
  });

  it('without --auth: writes from another origin are refused; own origin and no Origin pass', async () => {
    await withServer({}, async (server) => {
      const before = await send(server.baseUrl, 'GET', '/agents/sam/conversations');
      for (const headers of [
        { origin: 'http://evil.test' },
        { origin: 'null' },
        { origin: `http://127.0.0.1:1` },
        { origin: `https://${new URL(server.baseUrl).host}.evil.test` },
        { 'sec-fetch-site': 'cross-site' },
      ] as Record<string, string>[]) {
        for (const [method, path] of [
          ['POST', '/agents/sam/conversations'],
          ['POST', '/agents/sam/messages/cancel'],
          ['DELETE', '/agents/sam'],
          ['PATCH', '/agents/sam'],
        ] as const) {
          const res = await send(
            server.baseUrl,
            method,
            path,
            headers,
            method === 'PATCH' ? { description: 'x' } : undefined,
          );
          expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
          expect(res.body.code).toBe('ORIGIN_NOT_ALLOWED');
        }
      }
      expect(await send(server.baseUrl, 'GET', '/agents/sam/conversations')).toEqual(before);
      // Reads are not refused (the browser keeps their answers from a foreign page: no CORS).
      expect((await send(server.baseUrl, 'GET', '/agents', { origin: 'http://evil.test' })).status).toBe(200);
      expect(
        (await send(server.baseUrl, 'POST', '/agents/sam/conversations', { origin: server.baseUrl })).status,
      ).toBe(201);
      expect(
        (await send(server.baseUrl, 'POST', '/agents/sam/conversations', { 'sec-fetch-site': 'same-origin' }))
          .status,
      ).toBe(201);
      expect((await send(server.baseUrl, 'POST', '/agents/sam/conversations')).status).toBe(201);
    });
  });

  it('--allowed-hosts and --cors open names and origins; --cors (any) opens every origin', async () => {
    await withServer(
      { flags: { allowedHosts: 'letta.internal,*.dev.test', cors: 'https://app.example.com' } },
      async (server) => {
        for (const host of ['letta.internal', 'a.b.dev.test:8283'])
          expect((await send(server.baseUrl, 'GET', '/agents', { host })).status, host).toBe(200);
        expect((await send(server.baseUrl, 'GET', '/agents', { host: 'dev.test.evil' })).status).toBe(403);
        const listed = { origin: 'https://app.example.com' };
        expect((await send(server.baseUrl, 'POST', '/agents/sam/conversations', listed)).status).toBe(201);
        const other = { origin: 'https://other.example.com' };
        expect((await send(server.baseUrl, 'POST', '/agents/sam/conversations', other)).status).toBe(403);
      },
    );
    await withServer({ flags: { cors: true } }, async (server) => {
      const res = await send(server.baseUrl, 'POST', '/agents/sam/conversations', {
        origin: 'https://any.example',
      });
      expect(res.status).toBe(201);
    });
  });

  it("bound to all interfaces: this machine's hostname is served too, other names are not", async () => {
    await withServer({ config: { host: '0.0.0.0' } }, async (server) => {
      expect((await send(server.baseUrl, 'GET', '/agents', { host: `${hostname()}:8283` })).status).toBe(200);
      expect((await send(server.baseUrl, 'GET', '/agents', { host: '10.0.0.7:8283' })).status).toBe(200);
      expect((await send(server.baseUrl, 'GET', '/agents', { host: 'rebind.evil.test' })).status).toBe(403);
    });
  });

  it('with --auth: no Origin check (a page cannot authenticate); Host checked only with --allowed-hosts', async () => {
    const key = 'k'.repeat(32);
    const auth = { authorization: `Bearer ${key}` };
    await using server = await startTestServer('sqlite', {
      flags: { auth: true },
      env: { LETTA_API_KEY: key },
    });
    expect((await send(server.baseUrl, 'GET', '/agents', { host: 'evil.test' })).status).toBe(401);
    expect((await send(server.baseUrl, 'GET', '/agents', { host: 'api.example.com', ...auth })).status).toBe(
      200,
    );
    const res = await send(
      server.baseUrl,
      'POST',
      '/agents',
      { origin: 'https://tool.example', ...auth },
      { name: 'sam' },
    );
    expect(res.status).toBe(201);
    await using strict = await startTestServer('sqlite', {
      flags: { auth: true, allowedHosts: 'api.example.com' },
      env: { LETTA_API_KEY: key },
    });
    expect((await send(strict.baseUrl, 'GET', '/agents', { host: 'api.example.com', ...auth })).status).toBe(
      200,
    );
    const foreign = await send(strict.baseUrl, 'GET', '/agents', { host: 'evil.test', ...auth });
    expect(foreign.body.code).toBe('HOST_NOT_ALLOWED');
  });
});

const CHROMIUM = process.env.LETTA_TEST_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const REBIND_HOST = 'rebind.evil.test';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The attacker's name resolves to the server's address (what a rebinding DNS answer does).
  `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`,
  // Newer Chromium also blocks a page it deems public from reaching a loopback address (Local
  // Network Access); other and older browsers do not, so the server must refuse on its own.
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights',
];

describe.skipIf(!HAVE_CHROMIUM)(
  `hostile pages in Chromium${HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`,
  () => {
    let llm: FakeLlm;
    let server: TestServer;
    let browser: Browser;
    let evil: Server;
    let evilUrl: string;
    let agentId: string;

    beforeAll(async () => {
      llm = await startFakeLlm();
      server = await startTestServer('sqlite', {
        env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
      });
      agentId = String(
        (await send(server.baseUrl, 'POST', '/agents', {}, { name: 'sam', model: 'gpt-4o-mini' })).body.id,
      );
      // Another origin: a second loopback listener on another port, serving the attacker's page.
      evil = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>cat pictures</title>');
      });
      await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
      evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise<void>((r) => (evil ? evil.close(() => r()) : r()));
      await server?.close();
      await llm?.close();
    });

    /** What the tests compare before and after: the agent's conversations, agents, the run. */
    async function snapshot(runId?: string): Promise<unknown> {
      return {
        conversations: (await send(server.baseUrl, 'GET', '/agents/sam/conversations')).body,
        agents: (await send(server.baseUrl, 'GET', '/agents')).body,
        run: runId ? (await send(server.baseUrl, 'GET', `/v1/runs/${runId}`)).body.status : undefined,
      };
    }

    it('a page of another origin cannot create a conversation or cancel a run with no-cors POSTs', async () => {
      // A run in progress (the model answers when released) that the page will try to cancel.
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      llm.script(async () => {
        await held;
        return { content: 'finished despite the page' };
      });
      const started = await send(
        server.baseUrl,
        'POST',
        '/agents/sam/messages/async',
        {},
        { message: 'work' },
      );
      expect(started.status).toBe(202);
      const runId = String(started.body.id);
      await llm.waitForRequests(1, 5000, '/v1/chat/completions');
      const before = await snapshot(runId);

      const context = await browser.newContext();
      const page = await context.newPage();
      const refused: number[] = [];
      page.on('response', (res) => {
        if (res.url().startsWith(server.baseUrl)) refused.push(res.status());
      });
      await page.goto(evilUrl);
      const outcomes = await page.evaluate(
        async ({ base, agent }) => {
          const targets = [
            `${base}/agents/sam/conversations`,
            `${base}/agents/sam/messages/cancel`,
            `${base}/v1/conversations/?agent_id=${agent}`,
            `${base}/v1/agents/${agent}/messages/cancel`,
          ];
          const out: string[] = [];
          for (const url of targets) {
            const res = await fetch(url, { method: 'POST', mode: 'no-cors' });
            out.push(res.type);
          }
          return out;
        },
        { base: server.baseUrl, agent: agentId },
      );
      expect(outcomes).toEqual(['opaque', 'opaque', 'opaque', 'opaque']);
      expect(refused).toEqual([403, 403, 403, 403]);
      expect(await snapshot(runId)).toEqual(before);
      await context.close();
      release();
      await expect
        .poll(async () => (await snapshot(runId)) as { run: string }, { timeout: 10_000 })
        .toMatchObject({
          run: 'completed',
        });
    });

    it('a page whose name rebinds to the server can neither read nor write (foreign Host)', async () => {
      const port = new URL(server.baseUrl).port;
      const rebound = `http://${REBIND_HOST}:${port}`;
      const before = await snapshot();
      const context = await browser.newContext();
      const page = await context.newPage();
      // The attacker served this document under its name; the later requests reach our server.
      await page.route(`${rebound}/`, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>rebound</title>' }),
      );
      await page.goto(`${rebound}/`);
      const answers = await page.evaluate(async () => {
        const read = await fetch('/agents');
        const write = await fetch('/agents', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'pwned' }),
        });
        const conv = await fetch('/agents/sam/conversations', { method: 'POST' });
        return Promise.all(
          [read, write, conv].map(async (r) => ({ status: r.status, body: await r.text() })),
        );
      });
      for (const answer of answers) {
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.body)).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
        expect(answer.body).not.toContain('sam');
      }
      expect(await snapshot()).toEqual(before);
      await context.close();
    });

    it('the console (same origin) still writes', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}/console`);
      const status = await page.evaluate(
        async () => (await fetch('/agents/sam/conversations', { method: 'POST' })).status,
      );
      expect(status).toBe(201);
      await context.close();
    });
  },
);
