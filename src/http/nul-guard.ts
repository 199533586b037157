/**
 * Refuses NUL characters (U+0000) in path parameters, query values and JSON bodies with a 422
 * before validation. PostgreSQL cannot store them in text (the driver fails, which would be a
 * 500), so they are refused on every database alike; no API field needs them.
 */
import type { FastifyInstance } from 'fastify';
import { LettaError } from '../errors.js';

/** The location of the first string (or key) containing U+0000 in `value`, or undefined. */
export function findNul(value: unknown, where: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? where : undefined;
  if (typeof value !== 'object' || value === null || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return where;
    const found = findNul(item, `${where}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function installNulGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const found =
      findNul(request.params, 'params') ??
      findNul(request.query, 'querystring') ??
      findNul(request.body, 'body');
    if (found) {
      throw new LettaError('VALIDATION_ERROR', `${found} must not contain NUL (U+0000) characters`);
    }
  });
}
