/**
 * Auth, CORS, rate limiting, body limits and input bounds, over real HTTP. Auth runs on both
 * dialects; the rest never touches the store beyond startup, so it runs on SQLite only.
 */
import { describe, expect, it } from 'vitest';
import { ROUTE_MODULES } from '../src/http/routes.js';
import { DIALECTS } from './support/databases.js';
import { redisReachable, TEST_REDIS_URL } from './support/redis.js';
import { startTestServer } from './support/server.js';

type Json = Record<string, unknown>;

describe.each(DIALECTS)('auth (%s)', (dialect) => {
  it('needs the API key or server password on API routes, not on health and docs', async () => {
    await using server = await startTestServer(dialect, {
      flags: { auth: true },
      env: { LETTA_API_KEY: 'the-right-key-0123456789', LETTA_SERVER_PASSWORD: 'pw-0123456789abcdef' },
    });
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${server.baseUrl}${path}`, { headers });
    const none = await get('/agents');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.headers.get('content-type')).toContain('application/json');
    expect(((await none.json()) as Json).code).toBe('UNAUTHORIZED');
    const wrong = await get('/agents', { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: expect.any(String) });
    expect((await get('/agents', { authorization: 'Bearer the-right-key-0123456789' })).status).toBe(200);
    expect((await get('/agents', { authorization: 'Bearer pw-0123456789abcdef' })).status).toBe(200);
    expect((await get('/agents', { 'x-bare-password': 'password pw-0123456789abcdef' })).status).toBe(200);
    expect((await get('/no/route')).status).toBe(401);
    for (const path of ['/health', '/v1/health/', '/openapi.json', '/docs']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
    const post = await fetch(`${server.baseUrl}/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(post.status).toBe(401);
    const doc = (await (await get('/openapi.json')).json()) as { components?: Json; security?: unknown[] };
    expect(doc.components).toMatchObject({
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
    });
  });
});

describe('CORS (sqlite; no store involved)', () => {
  it('is off by default', async () => {
    await using server = await startTestServer('sqlite');
    const res = await fetch(`${server.baseUrl}/health`, { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('--cors allows any origin and answers preflight', async () => {
    await using server = await startTestServer('sqlite', { flags: { cors: true } });
    const res = await fetch(`${server.baseUrl}/agents`, { headers: { origin: 'https://app.example.com' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const pre = await fetch(`${server.baseUrl}/agents`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('--cors <list> allows only those origins', async () => {
    await using server = await startTestServer('sqlite', { flags: { cors: 'https://a.example.com' } });
    const ok = await fetch(`${server.baseUrl}/health`, { headers: { origin: 'https://a.example.com' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://a.example.com');
    const other = await fetch(`${server.baseUrl}/health`, {
      headers: { origin: 'https://evil.example.com' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

async function clearRedisCounters(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  const keys = await redis.keys('letta-rate-limit:*');
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}

describe('rate limiting (sqlite; no store involved)', () => {
  for (const store of ['memory', 'redis'] as const) {
    it(`answers 429 RATE_LIMITED with Retry-After once over the limit (${store})`, async (ctx) => {
      const redisUrl = TEST_REDIS_URL;
      if (store === 'redis' && !(await redisReachable(redisUrl))) {
        ctx.skip(`no Redis at ${redisUrl} (set LETTA_TEST_REDIS_URL)`);
      }
      if (store === 'redis') await clearRedisCounters(redisUrl);
      await using server = await startTestServer('sqlite', {
        flags: { rateLimit: '3/minute', ...(store === 'redis' ? { redisUrl } : {}) },
        env: { LETTA_API_KEY: `k-${Math.random()}` },
      });
      const get = (path: string) => fetch(`${server.baseUrl}${path}`);
      for (let i = 0; i < 3; i++) {
        const res = await get('/agents');
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      }
      const limited = await get('/agents');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
      expect((await get('/health')).status).toBe(200);
      if (store === 'redis') await clearRedisCounters(redisUrl);
    });
  }

  it('keys by valid API key, not by IP, when auth is on', async () => {
    await using server = await startTestServer('sqlite', {
      flags: { rateLimit: '2/minute', auth: true },
      env: { LETTA_API_KEY: 'key-one-0123456789abcdef', LETTA_SERVER_PASSWORD: 'key-two-0123456789abcdef' },
    });
    const as = (key: string) =>
      fetch(`${server.baseUrl}/agents`, { headers: { authorization: `Bearer ${key}` } });
    expect((await as('key-one-0123456789abcdef')).status).toBe(200);
    expect((await as('key-one-0123456789abcdef')).status).toBe(200);
    expect((await as('key-one-0123456789abcdef')).status).toBe(429);
    expect((await as('key-two-0123456789abcdef')).status).toBe(200);
  });
});

describe('limits and bounds (sqlite; no store involved)', () => {
  it('answers 413 PAYLOAD_TOO_LARGE over --body-limit', async () => {
    await using server = await startTestServer('sqlite', { flags: { bodyLimit: '1kb' } });
    const res = await fetch(`${server.baseUrl}/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'big', persona: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('bounds every string and array in every route input schema', async () => {
    await using server = await startTestServer('sqlite');
    const problems: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (typeof node !== 'object' || node === null) return;
      const s = node as Json;
      const types = [s.type ?? []].flat();
      const fixed = s.enum !== undefined || s.const !== undefined;
      if (types.includes('string') && !fixed && s.maxLength === undefined)
        problems.push(`${where}: string without maxLength`);
      if (types.includes('array') && s.maxItems === undefined)
        problems.push(`${where}: array without maxItems`);
      for (const [k, v] of Object.entries(s)) {
        if (k === 'propertyNames') continue;
        if (Array.isArray(v)) {
          for (const [i, x] of v.entries()) walk(x, `${where}.${k}[${i}]`);
        } else walk(v, `${where}.${k}`);
      }
    };
    for (const module of ROUTE_MODULES) {
      for (const route of module(server.core.services)) {
        for (const part of ['params', 'querystring', 'body'] as const) {
          walk(route.schema[part], `${route.method} ${route.url} ${part}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
