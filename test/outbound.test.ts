/**
 * Outbound requests a caller can point the server at (run callbacks): refused by default for
 * loopback, private, link-local/metadata, CGNAT, multicast and their IPv6 forms, when the URL is
 * given (422) and again at connect time (DNS rebinding: a name resolving to a public address, then
 * to 127.0.0.1); redirects are answers, never followed; `LETTA_OUTBOUND_ALLOW` opens a
 * destination; callbacks carry an HMAC signature with the organization's secret. The receivers
 * are real listeners on 127.0.0.1.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LettaError } from '../src/errors.js';
import { DEFAULT_ORG_ID } from '../src/ids.js';
import { createLogger } from '../src/logger.js';
import {
  embeddedIpv4,
  OutboundClient,
  OutboundPolicy,
  parseOutboundAllow,
  signCallback,
  verifyCallback,
} from '../src/net/index.js';
import type { Resolver } from '../src/net/outbound-client.js';
import { CallbackService } from '../src/services/callback-service.js';
import { DIALECTS } from './support/databases.js';
import { startFakeLlm } from './support/fake-llm.js';
import { runCli, startTestServer } from './support/server.js';
import { until } from './support/until.js';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver extends AsyncDisposable {
  port: number;
  hits: Hit[];
}

/** A listener on 127.0.0.1 recording every request; `answer` picks status and headers. */
async function receiver(
  answer: () => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
): Promise<Receiver> {
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body });
      const { status, headers } = answer();
      res.writeHead(status, headers).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    [Symbol.asyncDispose]: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LettaError);
  expect((err as LettaError).code).toBe('OUTBOUND_URL_REFUSED');
  return (err as LettaError).message;
}

describe('outbound address policy', () => {
  const policy = new OutboundPolicy();
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(policy.refusal(address)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('allows the public address %s', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });

  it('reads the IPv4 address inside mapped, compatible, NAT64 and 6to4 forms', () => {
    expect(embeddedIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('0:0:0:0:0:ffff:a00:1')).toBe('10.0.0.1');
    expect(embeddedIpv4('64:ff9b::7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('2002:7f00:1::')).toBe('127.0.0.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeUndefined();
    expect(embeddedIpv4('::1')).toBeUndefined();
  });

  it('opens hosts, subdomains, addresses and CIDRs on the allowlist; rejects junk entries', () => {
    const open = new OutboundPolicy(
      parseOutboundAllow(' hooks.internal, *.corp.test ,10.1.0.0/16,[::1],127.0.0.1 '),
    );
    expect(open.hostAllowed('HOOKS.internal.')).toBe(true);
    expect(open.hostAllowed('a.b.corp.test')).toBe(true);
    expect(open.hostAllowed('corp.test.evil')).toBe(false);
    expect(open.refusal('10.1.200.3')).toBeUndefined();
    expect(open.refusal('10.2.0.1')).toBe('private');
    expect(open.refusal('::1')).toBeUndefined();
    expect(open.refusal('::ffff:127.0.0.1')).toBeUndefined();
    expect(open.refusal('127.0.0.2')).toBe('loopback');
    for (const bad of ['http://x', '10.0.0.0/33', 'a b', '1.2.3.4/x'])
      expect(() => parseOutboundAllow(bad), bad).toThrow(/LETTA_OUTBOUND_ALLOW/);
  });
});

describe('outbound client', () => {
  it('refuses literal forms of loopback before connecting; a 3xx is an answer, never followed', async () => {
    await using target = await receiver();
    await using redirector = await receiver(() => ({
      status: 307,
      headers: { location: `http://127.0.0.1:${target.port}/followed` },
    }));
    const closed = new OutboundClient(new OutboundPolicy());
    for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1', '[::1]']) {
      await refusal(closed.post(`http://${host}:${target.port}/x`, '{}', {}));
    }
    expect(target.hits).toEqual([]);

    const open = new OutboundClient(new OutboundPolicy(parseOutboundAllow('127.0.0.1')));
    const res = await open.post(`http://127.0.0.1:${redirector.port}/start`, '{"a":1}', {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(307);
    expect(redirector.hits.map((h) => h.body)).toEqual(['{"a":1}']);
    expect(target.hits).toEqual([]);
    await open.close();
    await closed.close();
  });

  it('checks the address it connects to: a name that rebinds to 127.0.0.1 after the check is refused', async () => {
    await using target = await receiver();
    let calls = 0;
    // A rebinding DNS answer: public for the checks, loopback when the socket connects.
    const rebinding: Resolver = (_host, _options, callback) => {
      calls++;
      const address = calls <= 2 ? '93.184.216.34' : '127.0.0.1';
      const answer: LookupAddress[] = [{ address, family: 4 }];
      setImmediate(() => callback(null, answer));
    };
    const client = new OutboundClient(new OutboundPolicy(), rebinding);
    await client.check(`http://rebind.example.test:${target.port}/`); // call 1: public, accepted
    const message = await refusal(client.post(`http://rebind.example.test:${target.port}/hook`, '{}', {}));
    expect(message).toMatch(/127\.0\.0\.1.*loopback/);
    expect(calls).toBe(3); // the third lookup is the socket's own
    expect(target.hits).toEqual([]);
    await client.close();
  });
});

describe('callback signatures', () => {
  it('verify over the exact body and timestamp, within the tolerance only', () => {
    const header = signCallback('whsec_test', '{"run_id":"run-1"}', 1_767_225_600);
    expect(header).toMatch(/^t=1767225600,v1=[0-9a-f]{64}$/);
    const now = 1_767_225_700;
    expect(verifyCallback('whsec_test', '{"run_id":"run-1"}', header, { now })).toBe(true);
    expect(verifyCallback('whsec_test', '{"run_id":"run-2"}', header, { now })).toBe(false);
    expect(verifyCallback('whsec_other', '{"run_id":"run-1"}', header, { now })).toBe(false);
    expect(verifyCallback('whsec_test', '{"run_id":"run-1"}', header, { now: now + 1000 })).toBe(false);
    expect(verifyCallback('whsec_test', '{"run_id":"run-1"}', 'garbage', { now })).toBe(false);
  });

  it('letta keys callback-secret prints one secret, the same until --rotate', async () => {
    const home = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/letta-secret-`);
    const first = await runCli(['keys', 'callback-secret', '--org', 'default'], { LETTA_HOME: home });
    expect(first.code, first.stderr).toBe(0);
    const secret = first.stdout.trim().split('\n').at(-1);
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    const again = await runCli(['keys', 'callback-secret', '--org', 'default'], { LETTA_HOME: home });
    expect(again.stdout.trim().split('\n').at(-1)).toBe(secret);
    const rotated = await runCli(['keys', 'callback-secret', '--org', 'default', '--rotate'], {
      LETTA_HOME: home,
    });
    expect(rotated.stdout.trim().split('\n').at(-1)).not.toBe(secret);
    const unknown = await runCli(['keys', 'callback-secret', '--org', 'nobody'], { LETTA_HOME: home });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/organization 'nobody' not found/);
  });
});

describe.each(DIALECTS)('run callbacks over HTTP (%s)', (dialect) => {
  const env = (llmUrl: string, extra: Record<string, string> = {}) => ({
    OPENAI_API_KEY: 'test',
    OPENAI_BASE_URL: llmUrl,
    LETTA_LLM_MAX_RETRIES: '0',
    ...extra,
  });
  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('refuses callback_url on loopback, private and metadata addresses in both APIs (422, no run, nothing sent)', async () => {
    await using llm = await startFakeLlm();
    await using hook = await receiver();
    await using server = await startTestServer(dialect, { env: env(llm.url) });
    const agent = (await (
      await fetch(`${server.baseUrl}/v1/agents/`, json({ name: 'sam', model: 'openai/gpt-4o-mini' }))
    ).json()) as { id: string };
    const urls = [
      `http://127.0.0.1:${hook.port}/hook`,
      `http://localhost:${hook.port}/hook`,
      `http://[::ffff:127.0.0.1]:${hook.port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/hook',
      'http://[fd00::1]/hook',
    ];
    for (const url of urls) {
      const tutorial = await fetch(
        `${server.baseUrl}/agents/sam/messages/async`,
        json({ message: 'hi', callback_url: url }),
      );
      const v1 = await fetch(
        `${server.baseUrl}/v1/agents/${agent.id}/messages/async`,
        json({ input: 'hi', callback_url: url }),
      );
      for (const res of [tutorial, v1]) {
        expect(res.status, url).toBe(422);
        const body = (await res.json()) as { code: string; detail: string };
        expect(body.code, url).toBe('OUTBOUND_URL_REFUSED');
        expect(body.detail).toMatch(/callback_url refused: .*LETTA_OUTBOUND_ALLOW/);
      }
    }
    const runs = (await (await fetch(`${server.baseUrl}/v1/runs/?agent_id=${agent.id}`)).json()) as unknown[];
    expect(runs).toEqual([]);
    expect(llm.chatRequests).toEqual([]);
    expect(hook.hits).toEqual([]);
  });

  it('with LETTA_OUTBOUND_ALLOW the callback arrives, signed with the organization secret', async () => {
    await using llm = await startFakeLlm();
    await using hook = await receiver();
    await using server = await startTestServer(dialect, {
      env: env(llm.url, { LETTA_OUTBOUND_ALLOW: '127.0.0.1' }),
    });
    const agent = (await (
      await fetch(`${server.baseUrl}/v1/agents/`, json({ name: 'sam', model: 'openai/gpt-4o-mini' }))
    ).json()) as { id: string };
    const res = await fetch(
      `${server.baseUrl}/v1/agents/${agent.id}/messages/async`,
      json({ input: 'hi', callback_url: `http://127.0.0.1:${hook.port}/v1-hook` }),
    );
    expect(res.status).toBe(200);
    const run = (await res.json()) as { id: string };
    const tutorial = await fetch(
      `${server.baseUrl}/agents/sam/messages/async`,
      json({ message: 'again', callback_url: `http://127.0.0.1:${hook.port}/tutorial-hook` }),
    );
    expect(tutorial.status).toBe(202);
    await until(() => hook.hits.length >= 2, 10_000, 'two callbacks');

    const secret = (await (await fetch(`${server.baseUrl}/v1/callback-secret`)).json()) as {
      callback_secret: string;
      signature_header: string;
    };
    expect(secret.callback_secret).toMatch(/^whsec_/);
    expect(secret.signature_header).toBe('x-letta-signature');
    const v1Hit = hook.hits.find((h) => h.path === '/v1-hook')!;
    expect(JSON.parse(v1Hit.body)).toMatchObject({ run_id: run.id, status: 'completed' });
    for (const hit of hook.hits) {
      const header = hit.headers['x-letta-signature'] as string;
      expect(verifyCallback(secret.callback_secret, hit.body, header)).toBe(true);
      expect(verifyCallback(secret.callback_secret, `${hit.body} `, header)).toBe(false);
    }
    // Stored, one per organization: another organization has its own.
    const other = await server.core.store.organizations.ensure('acme');
    const otherSecret = await server.core.callbacks.secret({ org: other.id });
    expect(otherSecret).not.toBe(secret.callback_secret);
    expect(await server.core.callbacks.secret({ org: other.id })).toBe(otherSecret);
    // Rotation: the old secret no longer verifies new callbacks.
    const rotated = (await (
      await fetch(`${server.baseUrl}/v1/callback-secret/rotate`, { method: 'POST' })
    ).json()) as {
      callback_secret: string;
    };
    expect(rotated.callback_secret).not.toBe(secret.callback_secret);
  });

  it('a callback refused when the run ends (the name now resolves to loopback) is logged, not sent', async () => {
    await using llm = await startFakeLlm();
    await using hook = await receiver();
    await using server = await startTestServer(dialect, { env: env(llm.url) });
    const agent = (await (
      await fetch(`${server.baseUrl}/v1/agents/`, json({ name: 'sam', model: 'openai/gpt-4o-mini' }))
    ).json()) as { id: string };
    expect(
      (await fetch(`${server.baseUrl}/v1/agents/${agent.id}/messages`, json({ input: 'hi' }))).status,
    ).toBe(200);
    const [run] = (await (await fetch(`${server.baseUrl}/v1/runs/?agent_id=${agent.id}`)).json()) as {
      id: string;
    }[];
    const stored = await server.core.store.runs.get(DEFAULT_ORG_ID, run!.id);
    const lines: string[] = [];
    const log = createLogger(
      'warn',
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const toLoopback: Resolver = (_h, _o, cb) =>
      setImmediate(() => cb(null, [{ address: '127.0.0.1', family: 4 }]));
    const callbacks = new CallbackService(
      server.core.store,
      new OutboundClient(new OutboundPolicy(), toLoopback),
      log,
    );
    await callbacks.deliver({ ...stored!, callback_url: `http://hooks.example.test:${hook.port}/late` });
    expect(hook.hits).toEqual([]);
    const entry = JSON.parse(lines.find((l) => l.includes('run callback refused'))!) as Record<
      string,
      unknown
    >;
    expect(entry).toMatchObject({ level: 40, run_id: run!.id });
    expect(String(entry.reason)).toMatch(/loopback/);
  });
});
