/**
 * Readiness (`/ready`, `/v1/health/ready`) and the closing rules of `src/http/drain.ts`, over
 * real sockets: a connection accepted just before the close still gets its request answered,
 * answers say `Connection: close` while draining, idle keep-alive connections are closed.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, PG_ADMIN_URI } from './support/databases.js';
import { startTestServer, type TestServer } from './support/server.js';
import { startTcpProxy } from './support/tcp-proxy.js';

/** Opens a raw TCP connection to `server`. */
function rawConnect(server: TestServer): Promise<Socket> {
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes one request on `socket` and reads one whole answer (headers and a JSON body). */
function exchange(socket: Socket, path: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString();
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      const body = data.slice(end + 4);
      if (body.length < length) return;
      socket.off('data', onData);
      resolve({ head, body });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe.each(DIALECTS)('readiness (%s)', (dialect) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('is ready, public under --auth, and 503 draining from the moment a shutdown begins', async () => {
    server = await startTestServer(dialect, {
      flags: { auth: true },
      env: { LETTA_API_KEY: 'k'.repeat(32) },
    });
    for (const path of ['/ready', '/v1/health/ready']) {
      const res = await fetch(`${server.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ready' });
    }
    expect((await fetch(`${server.baseUrl}/health`)).headers.get('connection')).not.toBe('close');
    server.core.readiness.startDraining();
    const res = await fetch(`${server.baseUrl}/ready`);
    expect(res.status).toBe(503);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', reason: 'draining' });
    // Liveness is unaffected: the process still answers.
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });
});

describe('readiness follows the database (postgres)', () => {
  it('answers 503 database while PostgreSQL does not answer, and ready again once it does', async () => {
    // The server reaches PostgreSQL through a TCP proxy the test can cut.
    const proxy = await startTcpProxy(Number(new URL(PG_ADMIN_URI).port || 5432));
    const db = await createTestDatabase('postgres');
    const viaRelay = new URL(db.pgUri as string);
    viaRelay.host = `127.0.0.1:${proxy.port}`;
    const server = await startTestServer('postgres', { db, env: { LETTA_PG_URI: viaRelay.toString() } });
    try {
      expect((await fetch(`${server.baseUrl}/ready`)).status).toBe(200);
      await proxy.cut();
      const waitFor = async (status: number) => {
        for (let i = 0; i < 100; i++) {
          const res = await fetch(`${server.baseUrl}/ready`);
          if (res.status === status) return (await res.json()) as Record<string, unknown>;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`/ready never answered ${status}`);
      };
      expect(await waitFor(503)).toMatchObject({ code: 'DATABASE_UNAVAILABLE', reason: 'database' });
      expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
      await proxy.restore();
      expect(await waitFor(200)).toMatchObject({ status: 'ready' });
    } finally {
      await proxy.restore();
      await server.close();
      await db.drop();
      await proxy.cut();
    }
  });
});

describe('closing the HTTP server (sqlite)', () => {
  it('answers a request on a connection accepted just before the close, with Connection: close', async () => {
    const server = await startTestServer('sqlite');
    const socket = await rawConnect(server);
    await new Promise((r) => setTimeout(r, 50)); // accepted by the server, nothing sent yet
    const closing = server.app.close();
    const { head, body } = await exchange(socket, '/health');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/connection: close/i);
    expect(JSON.parse(body)).toMatchObject({ status: 'ok' });
    await closed(socket);
    await closing;
    await server.close();
  });

  it('closes an idle keep-alive connection at once when not draining', async () => {
    const server = await startTestServer('sqlite');
    const socket = await rawConnect(server);
    const { head } = await exchange(socket, '/health');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/connection: keep-alive/i);
    const gone = closed(socket);
    await server.app.close();
    await gone;
    await server.close();
  });

  it('while draining, answers the next request on an idle keep-alive connection, then closes it', async () => {
    const server = await startTestServer('sqlite');
    const socket = await rawConnect(server);
    expect((await exchange(socket, '/health')).head).toMatch(/^HTTP\/1\.1 200/);
    server.core.readiness.startDraining();
    const closing = server.app.close();
    await new Promise((r) => setTimeout(r, 200)); // the proxy's next request, a moment later
    const { head } = await exchange(socket, '/health');
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/connection: close/i);
    await closed(socket);
    await closing;
    await server.close();
  });
});
