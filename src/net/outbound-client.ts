/**
 * The one HTTP client for destinations a caller names (run callbacks, MCP servers; tool network
 * access has its own bridge with the same policy). Every address is checked by {@link OutboundPolicy} twice:
 *
 * - `check(url)` when the URL is given (a request answers 422 OUTBOUND_URL_REFUSED at once), and
 * - at connect time: the client's DNS lookup validates **every** address it resolved before the
 *   socket connects to it, so a name that resolved to a public address a moment ago and to
 *   127.0.0.1 now (DNS rebinding) is refused. IP-literal hosts are never looked up, so they are
 *   checked before each request. Redirects are not followed (a 3xx is an answer like any other).
 *
 * Operator-configured endpoints (model providers) do not go through here.
 *
 * @example
 * const client = new OutboundClient(new OutboundPolicy());
 * await client.check('http://169.254.169.254/', 'callback_url'); // throws OUTBOUND_URL_REFUSED
 * const { status } = await client.post('https://hooks.example.com/run', '{}', { 'content-type': 'application/json' });
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { LettaError } from '../errors.js';
import type { OutboundPolicy } from './address-policy.js';

export interface OutboundResponse {
  status: number;
}

/** `dns.lookup` with `{all: true}`: the resolver the client asks (tests give a rebinding one). */
export type Resolver = (
  hostname: string,
  options: { all: true; family?: number | undefined },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export class OutboundClient {
  private agent: Agent | undefined;

  constructor(
    readonly policy: OutboundPolicy,
    private readonly resolve: Resolver = dnsLookup,
  ) {}

  /**
   * Checks a URL given by a caller now: http(s) only, and its host (literal or every address it
   * resolves to) allowed. Throws OUTBOUND_URL_REFUSED (422) naming `what` (e.g. `callback_url`).
   */
  async check(text: string, what = 'URL'): Promise<URL> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new LettaError('OUTBOUND_URL_REFUSED', `${what} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new LettaError('OUTBOUND_URL_REFUSED', `${what} must be an http or https URL`);
    const host = bareHost(url.hostname);
    if (this.policy.hostAllowed(host)) return url;
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = (await this.lookupAll(host)).map((a) => a.address);
      } catch (err) {
        throw new LettaError(
          'OUTBOUND_URL_REFUSED',
          `${what} refused: host '${host}' does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
    for (const address of addresses) {
      const why = this.policy.refusal(address);
      if (why) throw refused(what, host, address, why);
    }
    return url;
  }

  /**
   * POSTs `body` to `url` (checked again here, and at connect time). Resolves with the status
   * (redirects are answers, not followed); rejects with OUTBOUND_URL_REFUSED or a network error.
   */
  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs = 10_000,
  ): Promise<OutboundResponse> {
    await this.check(url);
    const undici = await import('undici');
    try {
      const res = await undici.request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.dispatcher(undici, timeoutMs),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      return { status: res.statusCode };
    } catch (err) {
      // The lookup's refusal comes back wrapped by the socket; surface it as itself.
      const cause = findLettaError(err);
      throw cause ?? err;
    }
  }

  /**
   * A `fetch` for clients that speak HTTP themselves (the MCP transports): each URL is checked as
   * by {@link check}, connections go through the guarded lookup, and redirects come back as the
   * 3xx answer (never followed here; a caller that follows one fetches its target through this
   * again, so the target is checked too).
   */
  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    await this.check(url);
    const undici = await import('undici');
    try {
      const res = await undici.fetch(url, {
        ...(init as Parameters<typeof undici.fetch>[1]),
        redirect: 'manual',
        dispatcher: this.dispatcher(undici, 30_000),
      });
      return res as unknown as Response;
    } catch (err) {
      throw findLettaError(err) ?? err;
    }
  };

  async close(): Promise<void> {
    await this.agent?.close();
  }

  private dispatcher(undici: typeof import('undici'), timeoutMs: number): Agent {
    this.agent ??= new undici.Agent({
      connect: { lookup: this.guardedLookup, timeout: timeoutMs },
      keepAliveTimeout: 4_000,
    });
    return this.agent;
  }

  private lookupAll(host: string): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) =>
      this.resolve(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
    );
  }

  /** `net.connect`'s lookup: resolves, then refuses unless every address is allowed. */
  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : undefined;
    this.resolve(hostname, { all: true, family }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!this.policy.hostAllowed(hostname)) {
        for (const a of addresses) {
          const why = this.policy.refusal(a.address);
          if (why) return callback(refused('URL', hostname, a.address, why), '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

function refused(what: string, host: string, address: string, why: string): LettaError {
  const at = host === address ? host : `${host} (${address})`;
  return new LettaError(
    'OUTBOUND_URL_REFUSED',
    `${what} refused: ${at} is not a public address (${why}); the operator can allow it with LETTA_OUTBOUND_ALLOW`,
  );
}

/** `[::1]` → `::1` (URL keeps the brackets of an IPv6 host). */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function findLettaError(err: unknown): LettaError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof LettaError) return e;
  }
  return undefined;
}
