/**
 * The web console: a small, self-hosted UI over the HTTP API, served by the server itself.
 * `GET /console` is the page and `/console/assets/{file}` its scripts, styles and icon, read
 * once from `web/` (shipped in the npm package). All are public: the page holds no data; the API
 * calls it makes carry the key the user enters (kept in sessionStorage) when auth is on.
 * `GET /` redirects to the console.
 *
 * The page runs under a strict Content-Security-Policy (scripts, styles and connections from
 * 'self' only, no inline code), and assets are revalidated by ETag on every load.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { LettaError } from '../../errors.js';
import type { Services } from '../../services/services.js';
import { defineRoute, type Route } from '../route.js';

/** `web/` at the package root: three levels up from both `src/http/ops` and `dist/http/ops`. */
export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'web');

export const CONSOLE_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Reads `web/index.html` and every `web/assets/*` file with a known type; missing files are skipped. */
export function loadConsoleAssets(root: string = WEB_ROOT): { page?: Asset; assets: Map<string, Asset> } {
  const read = (path: string): Asset | undefined => {
    const type = TYPES[extname(path)];
    if (!type) return undefined;
    try {
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      return { body, type, etag };
    } catch {
      return undefined;
    }
  };
  const assets = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = readdirSync(join(root, 'assets'));
  } catch {
    // no assets directory: the page answers 404 below
  }
  for (const name of names) {
    const asset = read(join(root, 'assets', name));
    if (asset) assets.set(name, asset);
  }
  return { page: read(join(root, 'index.html')), assets };
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply.header('content-type', asset.type);
  reply.header('etag', asset.etag);
  // Names are not content-hashed, so the browser revalidates each load (a 304 when unchanged).
  reply.header('cache-control', 'no-cache');
  reply.header('content-security-policy', CONSOLE_CSP);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.code(200).send(asset.body);
}

const tags = ['console'];

export function consoleRoutes(_services: Services): Route[] {
  const { page, assets } = loadConsoleAssets();
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      public: true,
      schema: { summary: 'Redirect to the web console', tags },
      handler: async (_req, reply) => reply.redirect('/console', 302),
    }),
    defineRoute({
      method: 'GET',
      url: '/console',
      public: true,
      schema: {
        summary: 'The web console (HTML)',
        description: 'A browser UI over this API. The page is public; its API calls send the key you enter.',
        tags,
      },
      handler: async (req, reply) => {
        if (!page)
          throw new LettaError('NOT_FOUND', 'The web console is not installed (web/index.html missing)');
        return sendAsset(req, reply, page);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/console/assets/:file',
      public: true,
      schema: {
        summary: "The web console's scripts, styles and icon",
        tags,
        params: Type.Object({ file: Type.String({ maxLength: 100, pattern: '^[a-z0-9][a-z0-9.-]*$' }) }),
      },
      handler: async (req, reply) => {
        const asset = assets.get(req.params.file);
        if (!asset) throw new LettaError('NOT_FOUND', `No console asset '${req.params.file}'`);
        return sendAsset(req, reply, asset);
      },
    }),
  ];
}
