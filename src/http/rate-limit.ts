/**
 * Rate limiting (`--rate-limit 60/minute`): a fixed window per caller, keyed by the caller's
 * credential (hashed) when it is valid, else by client IP (from X-Forwarded-For with
 * `--trust-proxy`), so random tokens cannot buy fresh buckets. Counters live in Redis when `--redis-url` is set (shared by every process behind a
 * load balancer), else in memory; if Redis fails after start, requests pass unlimited. Public
 * routes (health, docs) are exempt. Over the limit: 429 `RATE_LIMITED` with `Retry-After` and
 * `X-RateLimit-*` headers.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { LettaError } from '../errors.js';
import { redactUrl } from '../net/index.js';
import type { Services } from '../services/services.js';
import { authEnabled, credentialKey, credentialOf, resolveCaller } from './auth.js';

export async function registerRateLimit(app: FastifyInstance, services: Services): Promise<void> {
  const limit = services.config.rateLimit;
  if (!limit) return;
  let redis: Redis | undefined;
  if (services.config.redisUrl) {
    // Imported only when Redis is configured (start-up time).
    const { Redis } = await import('ioredis');
    redis = new Redis(services.config.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    let lastError: Error | undefined;
    redis.on('error', (err: Error) => {
      lastError = err;
      services.log.warn({ err: err.message }, 'redis error (rate limiting)');
    });
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      const reason = (lastError ?? (err as Error)).message;
      throw new LettaError(
        'SERVICE_UNAVAILABLE',
        `cannot reach Redis at ${redactUrl(services.config.redisUrl)}: ${reason}`,
      );
    }
    app.addHook('onClose', async () => {
      await redis?.quit().catch(() => redis?.disconnect());
    });
  }
  const keyFor = async (request: FastifyRequest): Promise<string> => {
    const token = credentialOf(request);
    if (token !== undefined && authEnabled(services.config) && (await resolveCaller(services, token))) {
      return `key:${credentialKey(token)}`;
    }
    return `ip:${request.ip}`;
  };
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: keyFor,
    allowList: (request) => request.routeOptions.config.public === true,
    // If Redis goes away after start, serve without limiting rather than failing every request.
    skipOnError: true,
    ...(redis ? { redis, nameSpace: services.config.redisPrefix } : {}),
    errorResponseBuilder: (_request, context) =>
      new LettaError('RATE_LIMITED', `Rate limit of ${limit.text} exceeded: retry in ${context.after}`),
  });
}
