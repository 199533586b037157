/**
 * `letta-ts/client`: a typed client for the tutorial API, on `fetch` only (Node and browsers).
 *
 * @example
 * import { createClient } from 'letta-ts/client';
 * const client = createClient({ baseUrl: 'http://localhost:8283', token: process.env.LETTA_API_KEY });
 * console.log((await client.sendMessage('sam', 'Hello!')).content);
 */
export {
  type ClientOptions,
  createClient,
  LettaClient,
  type MessageStream,
  type SendOptions,
} from './client.js';
export { LettaApiError, LettaConnectionError, LettaStreamError } from './errors.js';
export { ndjsonLines } from './ndjson.js';
export type * from './types.js';
