/**
 * The tutorial's client code, run as written against the real `letta server` (CLI process) with
 * the fake model: the Python snippets (test/python/tutorial_snippets.py: requests, streaming,
 * batch, error handling, monitoring, the Flask app) and the JavaScript web-app snippets
 * (frontend `sendToAgent` and the Express backend handler, on a node:http stand-in for Express).
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/databases.js';
import { type FakeLlm, lastUserText, startFakeLlm } from './support/fake-llm.js';
import { type CliServer, REPO_ROOT, startCli } from './support/server.js';

const STORY = 'Once upon a time, a small agent learned to stream its words one by one.';

/** The fake model's answers, by the user's text (the default conversation sees them all). */
function answer(text: string): string {
  if (text === 'Tell me a story') return STORY;
  if (text === 'Hello, how are you?') return "I'm doing well, thank you!";
  if (text === 'Hello') return 'Hi there!';
  if (text === 'How are you?') return 'Great, thanks.';
  if (text === "What's your name?") return 'My name is Sam.';
  return `You said: ${text}`;
}

function runPython(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [script], {
      env: { ...process.env, ...env },
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The printed text of each `=== name ===` section. */
function sections(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = stdout.split(/\n=== (.+) ===\n/);
  for (let i = 1; i < parts.length; i += 2) out[parts[i] as string] = (parts[i + 1] ?? '').trimEnd();
  return out;
}

describe('the tutorial client code against a real server', () => {
  let llm: FakeLlm;
  let db: TestDatabase;
  let server: CliServer;

  beforeAll(async () => {
    llm = await startFakeLlm({
      defaultReply: (req) => ({ content: answer(lastUserText(req)), chunkDelayMs: 5 }),
    });
    db = await createTestDatabase('sqlite');
    server = await startCli({
      ...db.env,
      OPENAI_API_KEY: 'test',
      OPENAI_BASE_URL: llm.url,
      LETTA_LLM_MAX_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await db?.drop();
    await llm?.close();
  });

  it('runs the Python snippets as written and prints what the tutorial promises', async () => {
    const script = join(REPO_ROOT, 'test', 'python', 'tutorial_snippets.py');
    const { code, stdout, stderr } = await runPython(script, { LETTA_BASE_URL: server.baseUrl });
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
    const s = sections(stdout);
    expect(s['agent management']).toBe(
      ["agents: ['sam']", 'agent: sam', 'new_agent: api-agent 201'].join('\n'),
    );
    expect(s.conversations).toBe(['conversations: 1', 'messages: 0', 'conversation: True 201'].join('\n'));
    expect(s['sending messages']).toBe("I'm doing well, thank you!");
    // stream_agent_response printed exactly the reply, chunk by chunk
    expect(s.streaming).toBe(STORY);
    expect(s.batch).toBe(
      ['Message 1: Hi there!', 'Message 2: Great, thanks.', 'Message 3: My name is Sam.'].join('\n'),
    );
    const errors = (s['error handling'] ?? '').split('\n');
    expect(errors[0]).toBe('Hi there!');
    expect(errors[1]).toMatch(/^Error: Failed to send message after 3 attempts: 404 Client Error/);
    expect(s.monitoring).toBe('You said: Monitor me');
    expect(stderr).toMatch(/INFO:__main__:Agent sam response time: \d+\.\d\ds/);
    expect(stderr).toContain('ERROR:__main__:Agent nobody-here error: 404');
    expect((s.flask ?? '').split('\n')).toEqual([
      'flask: 200 You said: Hi from Flask',
      'flask error: 500 Agent error',
    ]);
    expect(s.end).toBe('');

    // The streamed story really was streamed by the provider, in the right conversation.
    const storyRequest = llm.chatRequests.find((r) => lastUserText(r) === 'Tell me a story');
    expect(storyRequest?.body.stream).toBe(true);
  });

  it("runs the tutorial's JavaScript frontend and Express backend snippets", async () => {
    // `sam` exists if the Python test ran; create it otherwise (409 when it exists).
    await globalThis.fetch(`${server.baseUrl}/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sam', model: 'gpt-4o-mini' }),
    });
    // glue: the backend's `fetch('http://localhost:8283/...')` reaches this test's server.
    const fetch = (url: string, init?: RequestInit) =>
      globalThis.fetch(url.replace('http://localhost:8283', server.baseUrl), init);

    // A minimal stand-in for Express: `app.post(path, handler)` with `req.body`, `res.json`, `res.status`.
    type Req = { body: { message: string } };
    type Res = { json(v: unknown): void; status(code: number): Res };
    const routes = new Map<string, (req: Req, res: Res) => Promise<void>>();
    const app = {
      post: (path: string, handler: (req: Req, res: Res) => Promise<void>) => routes.set(path, handler),
    };
    const web = createServer((req: IncomingMessage, raw: ServerResponse) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const handler = routes.get(req.url ?? '');
        if (!handler) return void raw.writeHead(404).end();
        const res: Res = {
          json(v) {
            raw.writeHead(raw.statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(v));
          },
          status(code) {
            raw.statusCode = code;
            return res;
          },
        };
        void handler({ body: JSON.parse(body) as { message: string } }, res);
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;

    try {
      // backend.js - Express/FastAPI/etc.  (as written in the tutorial)
      app.post('/api/chat', async (req, res) => {
        try {
          const response = await fetch('http://localhost:8283/agents/sam/messages', {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              Authorization: 'Bearer your-letta-api-key',
            },
            body: JSON.stringify({
              message: req.body.message,
            }),
          });

          const data = (await response.json()) as { content: string };
          res.json({ response: data.content });
        } catch (error) {
          res.status(500).json({ error: (error as Error).message });
        }
      });

      // frontend.js - React/Vue/etc.  (as written; glue: the page's origin is the stand-in server)
      const pageFetch = (path: string, init?: RequestInit) => globalThis.fetch(`${webUrl}${path}`, init);
      async function sendToAgent(message: string) {
        const response = await pageFetch('/api/chat', {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ message }),
        });

        const data = (await response.json()) as { response: string };
        return data.response;
      }

      expect(await sendToAgent('Hi from the web app')).toBe('You said: Hi from the web app');
    } finally {
      await new Promise<void>((r) => web.close(() => r()));
    }
  });
});
