/**
 * A TCP proxy a test can cut: the server under test talks to PostgreSQL through it, and the test
 * takes the database "away" (every open connection reset, new ones refused) and brings it back,
 * without touching the PostgreSQL cluster other tests share.
 *
 * @example
 * await using proxy = await startTcpProxy(5432);
 * const uri = `postgresql://postgres@127.0.0.1:${proxy.port}/mydb`;
 * await proxy.cut(); … await proxy.restore();
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy extends AsyncDisposable {
  port: number;
  /** Resets every open connection and refuses new ones (the port stops listening). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Connections accepted so far. */
  readonly accepted: number;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let server = makeServer();
  function makeServer(): Server {
    return createServer((client) => {
      accepted++;
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  const port = await listen(0);
  let listening = true;
  const cut = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.resetAndDestroy();
    await closed;
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut,
    restore: async () => {
      if (listening) return;
      server = makeServer();
      await listen(port);
      listening = true;
    },
    [Symbol.asyncDispose]: cut,
  };
}
