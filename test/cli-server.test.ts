/**
 * The real `letta` binary (bin/letta.js over dist/, built by the global setup) as a child process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from './support/databases.js';
import { freePort, REPO_ROOT, runCli, startCli } from './support/server.js';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
const json = { 'content-type': 'application/json' };

describe('letta (no database)', () => {
  it('--version prints the package version', async () => {
    const res = await runCli(['--version']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(VERSION);
  });

  it('--help lists the commands; server --help lists the flags', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/server/);
    expect(top.stdout).toMatch(/migrate/);
    const server = await runCli(['server', '--help']);
    expect(server.code).toBe(0);
    for (const flag of [
      '--host',
      '--port',
      '--cors',
      '--auth',
      '--secure',
      '--docs',
      '--pg-uri',
      '--rate-limit',
    ]) {
      expect(server.stdout).toContain(flag);
    }
  });

  it('a bad flag or flag value exits non-zero with one line on stderr', async () => {
    for (const args of [
      ['server', '--bogus'],
      ['server', '--port', 'abc'],
      ['server', '--rate-limit', 'lots'],
      ['frob'],
    ]) {
      const res = await runCli(args);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(res.stderr).toMatch(/^letta: /);
    }
  });

  it('refuses --auth without LETTA_API_KEY', async () => {
    const home = mkdtempSync(join(tmpdir(), 'letta-cli-'));
    try {
      const res = await runCli(['server', '--auth', '--port', String(await freePort())], {
        LETTA_HOME: home,
      });
      expect(res.code).not.toBe(0);
      expect(res.stderr.trim()).toMatch(/^letta: --auth needs an API key: set LETTA_API_KEY/);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('reports an unreachable database in one line', async () => {
    const port = await freePort();
    const res = await runCli(['server', '--pg-uri', `postgresql://postgres@127.0.0.1:${port}/nowhere`]);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim()).toMatch(
      /^letta: cannot reach PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/nowhere/,
    );
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('letta server with unreachable Redis', () => {
  it('reports it in one line', async () => {
    const redisPort = await freePort();
    const res = await runCli([
      'server',
      '--port',
      String(await freePort()),
      '--rate-limit',
      '10/minute',
      '--redis-url',
      `redis://127.0.0.1:${redisPort}`,
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim()).toBe(
      `letta: cannot reach Redis at redis://127.0.0.1:${redisPort}: connect ECONNREFUSED 127.0.0.1:${redisPort}`,
    );
  });
});

describe('letta server (sqlite; port and auth handling do not depend on the dialect)', () => {
  it('exits non-zero with a clear message when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await using db = await createTestDatabase('sqlite');
    try {
      const res = await runCli(['server', '--port', String(port)], db.env);
      expect(res.code).not.toBe(0);
      expect(res.stderr.trim()).toBe(`letta: port ${port} is already in use on 127.0.0.1`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('with --auth and LETTA_API_KEY: 401 without or with a wrong key, 200 with it, /health open', async () => {
    await using db = await createTestDatabase('sqlite');
    const key = 'cli-test-key-0123456789abcdef';
    await using server = await startCli({ ...db.env, LETTA_API_KEY: key }, ['--auth']);
    const none = await fetch(`${server.baseUrl}/agents`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const wrong = await fetch(`${server.baseUrl}/agents`, { headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    await wrong.arrayBuffer();
    const right = await fetch(`${server.baseUrl}/agents`, { headers: { authorization: `Bearer ${key}` } });
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual([]);
    const health = await fetch(`${server.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: VERSION });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it('--docs writes openapi.json to the working directory and prints where the docs are', async () => {
    await using db = await createTestDatabase('sqlite');
    const cwd = mkdtempSync(join(tmpdir(), 'letta-docs-'));
    try {
      await using server = await startCli(db.env, ['--docs'], { cwd });
      expect(server.stdout()).toContain(`${server.baseUrl}/docs`);
      const file = join(cwd, 'openapi.json');
      expect(existsSync(file)).toBe(true);
      const doc = JSON.parse(readFileSync(file, 'utf8')) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.paths['/agents']).toBeDefined();
      expect((await fetch(`${server.baseUrl}/docs`)).status).toBe(200);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasOpenssl())('letta server over HTTPS (sqlite; TLS does not depend on the dialect)', () => {
  it('serves HTTPS with --ssl-cert and --ssl-key', async () => {
    await using db = await createTestDatabase('sqlite');
    const cert = join(db.home, 'cert.pem');
    const key = join(db.home, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    await using server = await startCli(db.env, ['--ssl-cert', cert, '--ssl-key', key]);
    expect(server.baseUrl).toMatch(/^https:\/\//);
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    const res = await undiciFetch(`${server.baseUrl}/health`, { dispatcher });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const created = await undiciFetch(`${server.baseUrl}/agents`, {
      dispatcher,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'tls' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'tls' });
    await dispatcher.close();
  });

  it('refuses --ssl-cert without --ssl-key', async () => {
    const res = await runCli([
      'server',
      '--ssl-cert',
      '/nonexistent.pem',
      '--port',
      String(await freePort()),
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr.trim()).toBe('letta: HTTPS needs both --ssl-cert and --ssl-key');
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.each(DIALECTS)('letta server and migrate (%s)', (dialect) => {
  it('keeps agents across a SIGTERM and a restart on the same database', async () => {
    await using db = await createTestDatabase(dialect);
    const first = await startCli(db.env);
    expect(first.stdout()).toMatch(
      new RegExp(`letta-ts listening on http://127\\.0\\.0\\.1:${first.port} \\(${dialect}: `),
    );
    const created = await fetch(`${first.baseUrl}/agents`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'sam', persona: 'I am Sam', human: 'Ann' }),
    });
    expect(created.status).toBe(201);
    const agent = (await created.json()) as { id: string };
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    await using second = await startCli(db.env);
    const res = await fetch(`${second.baseUrl}/agents/sam`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: agent.id, persona: 'I am Sam', human: 'Ann' });
    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('letta migrate applies migrations to an empty database, then finds nothing to do', async () => {
    await using db = await createTestDatabase(dialect);
    const first = await runCli(['migrate'], db.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^applied 001-initial$/m);
    expect(first.stdout).toMatch(new RegExp(`migrated ${dialect} database`));
    const again = await runCli(['migrate'], db.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is up to date/);
    expect(again.stdout).not.toMatch(/^applied/m);
  });
});
