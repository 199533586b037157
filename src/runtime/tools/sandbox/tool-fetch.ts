/**
 * The host side of the sandbox's fetch bridge: one HTTP request on behalf of a tool, allowed only
 * when (1) the URL's host is on the operator's tool list (`LETTA_TOOL_ALLOWED_HOSTS`: names,
 * `*.example.com` for subdomains), and (2) every address it connects to passes the server's
 * outbound address policy (`src/net`: no loopback, private, link-local… unless
 * `LETTA_OUTBOUND_ALLOW` opens them), checked at connect time so DNS rebinding is refused too.
 * Redirects are answers (not followed); the response body is capped; the call's deadline bounds
 * the whole request. Never throws: failures come back as `{error}` for the guest to raise.
 *
 * Wire format (JSON both ways): request `{url, method, headers, body, encoding}` where
 * `encoding` (`text` or `base64`) applies to both bodies; answer `{status, statusText, headers,
 * body}` or `{error}`.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import type { OutboundPolicy } from '../../../net/index.js';

export interface ToolNetwork {
  /** Host names a tool may reach (lower case; `*.x.y` matches subdomains of x.y). */
  allowedHosts: string[];
  /** The server's address policy (with the operator's LETTA_OUTBOUND_ALLOW). */
  policy: OutboundPolicy;
  /** Cap on a response body (and a request body), in bytes. */
  maxBytes: number;
}

interface BridgeRequest {
  url?: unknown;
  method?: unknown;
  headers?: unknown;
  body?: unknown;
  encoding?: unknown;
}

class Refused extends Error {}

/** `dns.lookup` with `{all: true}` (tests may give another resolver). */
export type Resolver = (
  hostname: string,
  options: { all: true; family?: number | undefined },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'content-length',
]);

/** Whether `host` is on the tool allowlist. */
export function toolHostAllowed(allowed: readonly string[], host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return allowed.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) : h === a));
}

/** Parses `LETTA_TOOL_ALLOWED_HOSTS`; throws on an entry that is not a host name. */
export function parseToolHosts(text: string | undefined): string[] {
  const out: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (!entry) continue;
    const bare = entry.replace(/^\[|\]$/g, '');
    if (isIP(bare)) out.push(bare);
    else if (/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(entry))
      out.push(entry);
    else
      throw new Error(
        `invalid LETTA_TOOL_ALLOWED_HOSTS entry '${raw.trim()}': expected a host name or *.domain`,
      );
  }
  return out;
}

export class ToolFetcher {
  /** undici is loaded with the first fetch (start-up time: most servers never fetch from a tool). */
  private client: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;

  constructor(
    private readonly net: ToolNetwork,
    private readonly resolve: Resolver = dnsLookup,
  ) {}

  private undici() {
    this.client ??= import('undici').then(({ Agent, request }) => ({
      agent: new Agent({ connect: { lookup: this.guardedLookup }, keepAliveTimeout: 4_000 }),
      request,
    }));
    return this.client;
  }

  /** Performs the request in `text` (the guest's JSON) before `deadline` (epoch ms). */
  async fetch(text: string, deadline: number): Promise<string> {
    try {
      return JSON.stringify(await this.perform(JSON.parse(text) as BridgeRequest, deadline));
    } catch (err) {
      return JSON.stringify({ error: describe(err) });
    }
  }

  async close(): Promise<void> {
    if (this.client) await (await this.client).agent.close();
  }

  private async perform(r: BridgeRequest, deadline: number) {
    let url: URL;
    try {
      url = new URL(String(r.url));
    } catch {
      throw new Refused(`'${String(r.url).slice(0, 200)}' is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Refused(`only http and https URLs can be fetched, not ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!toolHostAllowed(this.net.allowedHosts, host))
      throw new Refused(
        `host '${host}' is not allowed for tools (the operator allows hosts with LETTA_TOOL_ALLOWED_HOSTS)`,
      );
    if (isIP(host) && !this.net.policy.hostAllowed(host)) {
      const why = this.net.policy.refusal(host);
      if (why) throw refusedAddress(host, host, why);
    }
    const encoding = r.encoding === 'base64' ? 'base64' : 'text';
    let body: Buffer | undefined;
    if (typeof r.body === 'string')
      body = encoding === 'base64' ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
    if (body && body.length > this.net.maxBytes)
      throw new Refused(`the request body is larger than ${this.net.maxBytes} bytes`);
    const headers: Record<string, string> = {};
    if (r.headers && typeof r.headers === 'object')
      for (const [k, v] of Object.entries(r.headers as Record<string, unknown>))
        if (!DROPPED_HEADERS.has(k.toLowerCase())) headers[k] = String(v);
    const left = deadline - Date.now();
    if (left <= 0) throw new Refused('the tool is out of time');
    const method = typeof r.method === 'string' ? r.method.toUpperCase() : 'GET';
    if (!/^[A-Z]{1,16}$/.test(method)) throw new Refused(`invalid method '${method}'`);
    const { agent, request } = await this.undici();
    const res = await request(url, {
      method: method as 'GET',
      headers,
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(left),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > this.net.maxBytes) {
        res.body.destroy();
        throw new Refused(`the response is larger than ${this.net.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const data = Buffer.concat(chunks);
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) outHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
    return {
      status: res.statusCode,
      statusText: '',
      headers: outHeaders,
      body: encoding === 'base64' ? data.toString('base64') : data.toString('utf8'),
    };
  }

  /** `net.connect`'s lookup: refuses unless every resolved address passes the policy. */
  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : undefined;
    this.resolve(hostname, { all: true, family }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!this.net.policy.hostAllowed(hostname)) {
        for (const a of addresses) {
          const why = this.net.policy.refusal(a.address);
          if (why) return callback(refusedAddress(hostname, a.address, why), '', 0);
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

function refusedAddress(host: string, address: string, why: string): Refused {
  const at = host === address ? host : `${host} (${address})`;
  return new Refused(
    `${at} is not a public address (${why}); the operator can allow it with LETTA_OUTBOUND_ALLOW`,
  );
}

function describe(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof Refused) return e.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'the request timed out';
  return `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(err)}`;
}
