/** The test Redis (127.0.0.1:6379 unless LETTA_TEST_REDIS_URL), and whether it answers. */
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.LETTA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when Redis at `url` answers PING within a second (tests skip with a reason otherwise). */
export async function redisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}
