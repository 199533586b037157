/**
 * Hardening over real HTTP (SQLite; none of this depends on the dialect): rate-limit counters
 * shared by two `letta server` processes through Redis, `--trust-proxy`, every input in
 * `/openapi.json` bounded, slow clients dropped, no secrets in logs, no internals in 500 bodies,
 * security headers on every kind of answer.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { closeCore, createCore } from '../src/core.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from './support/databases.js';
import { startFakeLlm } from './support/fake-llm.js';
import { operations, type Schema } from './support/openapi-walk.js';
import { redisReachable, TEST_REDIS_URL } from './support/redis.js';
import { startCli, startTestServer } from './support/server.js';

type Json = Record<string, unknown>;
const REDIS_URL = TEST_REDIS_URL;

describe('rate limits across processes', () => {
  it('two letta servers sharing one Redis count together: the 6th request of 5/minute is 429', async (ctx) => {
    if (!(await redisReachable())) ctx.skip(`no Redis at ${REDIS_URL} (set LETTA_TEST_REDIS_URL)`);
    const prefix = `letta-test-${process.pid}-${Date.now()}:`;
    await using dbA = await createTestDatabase('sqlite');
    await using dbB = await createTestDatabase('sqlite');
    const args = ['--rate-limit', '5/minute', '--redis-url', REDIS_URL];
    await using a = await startCli({ ...dbA.env, LETTA_REDIS_PREFIX: prefix }, args);
    await using b = await startCli({ ...dbB.env, LETTA_REDIS_PREFIX: prefix }, args);
    const statuses: number[] = [];
    for (const base of [a.baseUrl, b.baseUrl, a.baseUrl, b.baseUrl, a.baseUrl]) {
      const res = await fetch(`${base}/agents`);
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const sixth = await fetch(`${b.baseUrl}/agents`);
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('x-ratelimit-limit')).toBe('5');
    expect(sixth.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(sixth.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await sixth.json()).toEqual({ detail: expect.stringContaining('5/minute'), code: 'RATE_LIMITED' });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    await redis.quit();
  });
});

describe('rate limits per key', () => {
  it('a stored key has its own bucket (by its hash); invalid tokens share the client address bucket', async () => {
    await using server = await startTestServer('sqlite', { flags: { rateLimit: '2/minute', auth: true } });
    const k1 = (await server.core.apiKeys.create('acme')).key;
    const k2 = (await server.core.apiKeys.create('acme')).key;
    const as = async (token: string) => {
      const res = await fetch(`${server.baseUrl}/agents`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      return res.status;
    };
    expect([await as(k1), await as(k1), await as(k1)]).toEqual([200, 200, 429]);
    expect(await as(k2)).toBe(200);
    expect([await as('lt-random-1'), await as('lt-random-2'), await as('lt-random-3')]).toEqual([
      401, 401, 429,
    ]);
  });
});

describe('--trust-proxy', () => {
  const hit = (base: string, ip: string) =>
    fetch(`${base}/agents`, { headers: { 'x-forwarded-for': ip } }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });

  it('keys the rate limit by X-Forwarded-For only when on', async () => {
    await using trusted = await startTestServer('sqlite', {
      flags: { rateLimit: '1/minute', trustProxy: true },
    });
    expect(await hit(trusted.baseUrl, '203.0.113.1')).toBe(200);
    expect(await hit(trusted.baseUrl, '203.0.113.1')).toBe(429);
    expect(await hit(trusted.baseUrl, '203.0.113.2')).toBe(200);
    await using direct = await startTestServer('sqlite', { flags: { rateLimit: '1/minute' } });
    expect(await hit(direct.baseUrl, '203.0.113.1')).toBe(200);
    expect(await hit(direct.baseUrl, '203.0.113.2')).toBe(429); // the header is not believed
  });

  it('parses true, hop counts and proxy lists from the flag or LETTA_TRUST_PROXY', () => {
    expect(resolveConfig({}, {}).trustProxy).toBe(false);
    expect(resolveConfig({ trustProxy: true }, {}).trustProxy).toBe(true);
    expect(resolveConfig({}, { LETTA_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(resolveConfig({}, { LETTA_TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' }).trustProxy).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
    ]);
    expect(() => resolveConfig({ trustProxy: 'not an ip' }, {})).toThrow(/invalid --trust-proxy/);
  });
});

/** Inputs that cannot carry a bound, with the reason. */
const UNBOUNDED_ALLOWED: Record<string, string> = {};

describe('hostile input', () => {
  it('every request-body and query string in /openapi.json has maxLength, every array maxItems', async () => {
    await using server = await startTestServer('sqlite');
    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as unknown;
    const problems: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (typeof node !== 'object' || node === null) return;
      const s = node as Schema;
      const types = [s.type ?? []].flat();
      const fixed = s.enum !== undefined || s.const !== undefined || s.format === 'date-time';
      if (types.includes('string') && !fixed && s.maxLength === undefined && !(where in UNBOUNDED_ALLOWED))
        problems.push(`${where}: string without maxLength`);
      if (types.includes('array') && s.maxItems === undefined && !(where in UNBOUNDED_ALLOWED))
        problems.push(`${where}: array without maxItems`);
      for (const [k, v] of Object.entries(s)) {
        if (k === 'propertyNames' || k === 'examples' || k === 'default') continue;
        if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, `${where}.${k}[${i}]`);
        else walk(v, `${where}.${k}`);
      }
    };
    const ops = operations(doc);
    for (const op of ops) {
      walk(op.body, `${op.method} ${op.path} body`);
      for (const q of op.query) walk(q.schema, `${op.method} ${op.path} query.${q.name}`);
    }
    expect(ops.filter((o) => o.body).length).toBeGreaterThan(15);
    expect(problems).toEqual([]);
  });

  it('refuses NUL characters in paths, queries and bodies with 422 (PostgreSQL cannot store them)', async () => {
    await using server = await startTestServer('sqlite');
    const body = await fetch(`${server.baseUrl}/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a\u0000b' }),
    });
    expect(body.status).toBe(422);
    expect(await body.json()).toEqual({
      detail: 'body/name must not contain NUL (U+0000) characters',
      code: 'VALIDATION_ERROR',
    });
    expect((await fetch(`${server.baseUrl}/agents/a%00b`)).status).toBe(422);
    expect((await fetch(`${server.baseUrl}/v1/agents/?name=a%00b`)).status).toBe(422);
    expect(((await (await fetch(`${server.baseUrl}/agents`)).json()) as unknown[]).length).toBe(0);
  });

  it('drops a client that sends its headers too slowly, and one that never finishes its body', async () => {
    await using server = await startTestServer('sqlite', {
      config: { headersTimeoutMs: 500, requestTimeoutMs: 1000 },
    });
    const port = Number(new URL(server.baseUrl).port);
    const slow = (first: string, drip: string) =>
      new Promise<{ ms: number; answer: string }>((resolve) => {
        const started = Date.now();
        const socket = connect(port, '127.0.0.1', () => socket.write(first));
        let answer = '';
        socket.on('data', (d: Buffer) => {
          answer += d.toString();
        });
        const timer = setInterval(() => socket.writable && socket.write(drip), 100);
        const done = () => {
          clearInterval(timer);
          resolve({ ms: Date.now() - started, answer });
        };
        socket.on('close', done);
        socket.on('error', () => {});
        setTimeout(() => socket.destroy(), 8000);
      });
    const headers = await slow('GET /health HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n');
    expect(headers.ms).toBeLessThan(4000);
    expect(headers.answer).toMatch(/^HTTP\/1\.1 408|^$/);
    const body = await slow(
      'POST /agents HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
      ' ',
    );
    expect(body.ms).toBeLessThan(5000);
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });
});

describe('no leaks', () => {
  it('keeps bearer tokens and provider keys out of the logs', async () => {
    const bearer = 'sekret-bearer-0123456789abcdef';
    const providerKey = 'sk-sekret-provider-0123456789';
    await using llm = await startFakeLlm({
      defaultReply: { error: { status: 401, message: 'Incorrect API key provided' } },
    });
    await using db = await createTestDatabase('sqlite');
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    const env = {
      ...db.env,
      LETTA_API_KEY: bearer,
      OPENAI_API_KEY: providerKey,
      OPENAI_BASE_URL: llm.url,
      LETTA_LLM_MAX_RETRIES: '0',
    };
    const core = await createCore(resolveConfig({ auth: true }, env), createLogger('trace', sink), { env });
    const app = await buildApp(core.services);
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const auth = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
      const created = await fetch(`${base}/agents`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'sam', model: 'openai/gpt-4o-mini' }),
      });
      expect(created.status).toBe(201);
      const send = await fetch(`${base}/agents/sam/messages`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ message: 'hi' }),
      });
      const sendText = await send.text();
      expect(send.status).toBeGreaterThanOrEqual(400);
      expect(sendText).not.toContain(providerKey);
      const wrong = await fetch(`${base}/agents`, {
        headers: { authorization: `Bearer ${bearer}-wrong`, 'x-bare-password': `password ${bearer}` },
      });
      await wrong.arrayBuffer();
      expect(llm.chatRequests.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      await closeCore(core);
    }
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).toContain('request');
    expect(logged).toContain('LLM_AUTH_ERROR'); // the provider error was logged, without the key
    expect(logged).not.toContain(bearer);
    expect(logged).not.toContain(providerKey);
  });

  it('a 500 carries no stack, SQL or driver text; security headers on every kind of answer', async () => {
    await using llm = await startFakeLlm({ defaultReply: { content: 'OK' } });
    const server = await startTestServer('sqlite', {
      env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: llm.url, LETTA_LLM_MAX_RETRIES: '0' },
      flags: { rateLimit: '100/minute' },
    });
    const json = { 'content-type': 'application/json' };
    const agent = (await (
      await fetch(`${server.baseUrl}/v1/agents/`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'sam', model: 'openai/gpt-4o-mini' }),
      })
    ).json()) as Json;
    const answers: Array<[string, Response]> = [
      ['200 json', await fetch(`${server.baseUrl}/agents`)],
      ['404 route', await fetch(`${server.baseUrl}/nope`)],
      ['404 agent', await fetch(`${server.baseUrl}/agents/nobody`)],
      ['400 bad json', await fetch(`${server.baseUrl}/agents`, { method: 'POST', headers: json, body: '{' })],
      [
        '415',
        await fetch(`${server.baseUrl}/agents`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        }),
      ],
      ['422', await fetch(`${server.baseUrl}/agents?limit=0`)],
      ['docs', await fetch(`${server.baseUrl}/docs`)],
      ['openapi', await fetch(`${server.baseUrl}/openapi.json`)],
      [
        'sse stream',
        await fetch(`${server.baseUrl}/v1/agents/${String(agent.id)}/messages/stream`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ input: 'hi' }),
        }),
      ],
      [
        'ndjson stream',
        await fetch(`${server.baseUrl}/agents/sam/messages`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ message: 'hi', stream: true }),
        }),
      ],
    ];
    for (const [what, res] of answers) {
      expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), what).toBe('DENY');
      expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
      await res.arrayBuffer();
    }
    // Pull the database out from under the running server: every store call now throws.
    await server.core.database.close();
    const broken = await fetch(`${server.baseUrl}/agents`);
    expect(broken.status).toBe(500);
    expect(broken.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await broken.text();
    expect(JSON.parse(text)).toEqual({ detail: 'An unknown error occurred', code: 'INTERNAL_ERROR' });
    expect(text).not.toMatch(/at .*\.(ts|js):\d+|select|from|sqlite|database|Error:/i);
    await server.app.close();
    await server.db.drop();
  });
});
