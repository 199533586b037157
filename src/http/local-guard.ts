/**
 * What keeps web pages from driving a server without `--auth` (a developer's laptop): any page
 * the user visits can send requests to 127.0.0.1, and a `no-cors` POST without a body needs no
 * preflight; with DNS rebinding (a name that resolves to the page's server, then to 127.0.0.1) it
 * can even read the answers. Two checks, first thing on every request (onRequest):
 *
 * - **Host** names this server: `localhost`/`*.localhost`, any IP address (a rebinding page always
 *   uses a DNS name it controls), the `--host` name, this machine's hostname when bound to all
 *   interfaces, and `--allowed-hosts` (`*` turns the check off). Else 403 HOST_NOT_ALLOWED.
 * - **Origin** of a state-changing request (not GET/HEAD/OPTIONS) is this server's own or allowed
 *   by `--cors`. Browsers send `Origin` on every POST/PUT/PATCH/DELETE; non-browser clients (the
 *   official SDKs, curl, python `requests`) send none and pass unchanged. A browser request without
 *   `Origin` but with `Sec-Fetch-Site: cross-site|same-site` is refused too. Else 403
 *   ORIGIN_NOT_ALLOWED.
 *
 * With `--auth`/`--secure` a foreign page cannot authenticate (a bearer header needs a preflight),
 * so the Origin check is off and the Host check runs only when `--allowed-hosts` is given.
 *
 * @example
 * installLocalGuard(app, config); // before CORS, rate limits and auth
 */

import { isIP } from 'node:net';
import { hostname as machineHostname } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config.js';
import { LettaError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '']);

export function installLocalGuard(app: FastifyInstance, config: ServerConfig): void {
  const authenticated = config.auth || config.secure;
  const hostCheck = !config.allowedHosts.includes('*') && (!authenticated || config.allowedHosts.length > 0);
  const originCheck = !authenticated && config.cors !== true;
  if (!hostCheck && !originCheck) return;
  const names = new Set(config.allowedHosts.filter((h) => !h.startsWith('*.')));
  const suffixes = config.allowedHosts.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
  names.add(config.host.toLowerCase().replace(/^\[|\]$/g, ''));
  if (WILDCARD_BINDS.has(config.host)) names.add(machineHostname().toLowerCase());
  const corsOrigins = new Set(Array.isArray(config.cors) ? config.cors.map((o) => o.toLowerCase()) : []);

  const hostAllowed = (host: string): boolean =>
    isIP(host) !== 0 ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    names.has(host) ||
    suffixes.some((s) => host.endsWith(s));

  app.addHook('onRequest', async (request) => {
    const hostHeader = request.headers.host;
    if (hostCheck && hostHeader !== undefined) {
      const host = hostName(hostHeader);
      if (!hostAllowed(host)) {
        throw new LettaError(
          'HOST_NOT_ALLOWED',
          `Host '${host.slice(0, 100)}' is not a name of this server; start it with --allowed-hosts ${host.slice(0, 100)} to serve it`,
        );
      }
    }
    if (originCheck && !SAFE_METHODS.has(request.method) && !originAllowed(request, corsOrigins)) {
      throw new LettaError(
        'ORIGIN_NOT_ALLOWED',
        'state-changing requests from a web page of another origin are refused (allow its origin with --cors, or use --auth)',
      );
    }
  });
}

/** The host name of a `Host` header value: lowercase, without port, brackets or trailing dot. */
function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  const name = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

function originAllowed(request: FastifyRequest, corsOrigins: Set<string>): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) {
    const site = request.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }
  if (corsOrigins.has(origin.toLowerCase())) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (sandboxed frames, file:) and anything unparsable
  }
  // Our own origin: the page was served by this server under the Host it addressed (request.host
  // honours X-Forwarded-Host behind a trusted proxy).
  try {
    return new URL(`${url.protocol}//${request.host}`).host === url.host;
  } catch {
    return false;
  }
}
