/**
 * A bound on the size of one JSON answer (LETTA_MAX_RESPONSE_MB). `GET /v1/agents/?limit=1000&
 * include=agent.blocks` over agents sharing large blocks built a string past V8's limit (500
 * "Invalid string length", the process at 1 GB). Every object answer is measured before it is
 * serialized (a walk that adds up string lengths and stops as soon as it is over), and lists of
 * expensive views are built in chunks that stop early ({@link mapWithinBudget}). Over the bound:
 * 422 LIMIT_EXCEEDED, asking for a smaller `limit` or fewer `include`s.
 */
import type { FastifyInstance } from 'fastify';
import { LettaError } from '../errors.js';

/** Roughly the JSON size of `value` in bytes (strings by length), or `max + 1` once over `max`. */
export function jsonSizeOver(value: unknown, max: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (v === null || typeof v !== 'object') size += 8;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const x of v) stack.push(x);
    } else {
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 4;
        stack.push(x);
      }
    }
    if (size > max) return max + 1;
  }
  return size;
}

function tooLarge(max: number): LettaError {
  return new LettaError(
    'LIMIT_EXCEEDED',
    `the answer would be over ${Math.round(max / 1024 / 1024)} MB (LETTA_MAX_RESPONSE_MB): ask for a smaller limit or fewer include fields`,
  );
}

/**
 * Maps `items` through `view` a few at a time, failing with LIMIT_EXCEEDED as soon as the views
 * made so far are over `max` bytes (so an oversized page is not loaded whole first).
 *
 * @example
 * return mapWithinBudget(agents, (a) => loadAgentState(services, req, a, include), limits.responseBytes);
 */
export async function mapWithinBudget<T, V>(
  items: readonly T[],
  view: (item: T) => Promise<V>,
  max: number,
  chunk = 16,
): Promise<V[]> {
  const out: V[] = [];
  let size = 0;
  for (let i = 0; i < items.length; i += chunk) {
    const views = await Promise.all(items.slice(i, i + chunk).map(view));
    size += jsonSizeOver(views, max - size);
    if (size > max) throw tooLarge(max);
    out.push(...views);
  }
  return out;
}

/** Refuses any object answer over `max` bytes before it is serialized. */
export function installResponseBudget(app: FastifyInstance, max: number): void {
  app.addHook('preSerialization', async (_request, _reply, payload) => {
    if (typeof payload === 'object' && payload !== null && jsonSizeOver(payload, max) > max)
      throw tooLarge(max);
    return payload;
  });
}
