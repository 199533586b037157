/**
 * Who is calling. With `--auth` (tutorial) or `--secure` (Letta V1), every route not marked
 * public needs `Authorization: Bearer <key>` or Letta's `X-BARE-PASSWORD: password <pw>`;
 * the key is checked by {@link resolveCaller}, which maps it to an organization (LETTA_API_KEY →
 * the default one; a stored API key → its own). Without auth,
 * every request acts for the default organization.
 *
 * The check runs in `preParsing`: after rate limiting (`onRequest`) and before any body is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.js';
import { LettaError } from '../errors.js';
import { DEFAULT_ORG_ID } from '../ids.js';
import type { RequestContext } from '../services/context.js';
import type { Services } from '../services/services.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, passed to every service call. */
    ctx: RequestContext;
  }
}

/** Whether requests need credentials under this configuration. */
export function authEnabled(config: Pick<ServerConfig, 'auth' | 'secure'>): boolean {
  return config.auth || config.secure;
}

/** The credential a request carries: a Bearer token or Letta's `X-BARE-PASSWORD: password <pw>`. */
export function credentialOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S{1,1024})\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const bare = request.headers['x-bare-password'];
  if (typeof bare === 'string') {
    const m = /^password\s+(\S{1,1024})\s*$/i.exec(bare);
    if (m) return m[1];
  }
  return undefined;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The caller a credential stands for, or null. The configured `LETTA_API_KEY` and
 * `LETTA_SERVER_PASSWORD` map to the default organization (compared in constant time over sha256
 * digests); any other key is looked up among the stored API keys (`letta keys create`), which map
 * to their own organizations.
 *
 * @example
 * const caller = await resolveCaller(services, 'lt-…'); // { org: 'org-…' } or null
 */
export async function resolveCaller(
  services: Pick<Services, 'config' | 'apiKeys'>,
  token: string,
): Promise<RequestContext | null> {
  const given = digest(token);
  let ok = false;
  for (const secret of [services.config.apiKey, services.config.serverPassword]) {
    if (secret && timingSafeEqual(given, digest(secret))) ok = true;
  }
  if (ok) return { org: DEFAULT_ORG_ID };
  return services.apiKeys.verify(token);
}

/** A short, non-reversible name for a credential (rate-limit keys, logs). */
export function credentialKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32);
}

/** Why no credential was found: a header without its `Bearer ` prefix is said so. */
function missingCredentials(request: FastifyRequest): string {
  const header = request.headers.authorization?.trim();
  if (header && !/^bearer\s/i.test(header)) {
    return "The Authorization header must start with 'Bearer ': send Authorization: Bearer <API key>";
  }
  return 'Missing credentials: send Authorization: Bearer <API key>';
}

/** Installs `request.ctx` and, when auth is on, the credential check. */
export function installAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  const required = authEnabled(services.config);
  app.addHook('onRequest', async (request) => {
    request.ctx = { org: DEFAULT_ORG_ID };
  });
  if (!required) return;
  app.addHook('preParsing', async (request, reply) => {
    if (request.routeOptions.config.public || request.method === 'OPTIONS') return;
    const token = credentialOf(request);
    const caller = token === undefined ? null : await resolveCaller(services, token);
    if (!caller) {
      reply.header('WWW-Authenticate', 'Bearer');
      throw new LettaError(
        'UNAUTHORIZED',
        token === undefined ? missingCredentials(request) : 'Invalid API key or password',
      );
    }
    request.ctx = caller;
  });
}
