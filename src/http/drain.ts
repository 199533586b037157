/**
 * Closing without dropping a request. Node's `server.close()` destroys every connection without a
 * request in progress, including one accepted a moment ago whose request is still on its way (a
 * proxy such as nginx opens a connection and sends its request at once): the proxy then reads a
 * reset and, for a POST, answers 502. Here, once the server closes (or a shutdown began):
 *
 * - every answer says `Connection: close`, so a keep-alive client opens its next request
 *   elsewhere;
 * - a connection that has not sent a request yet gets {@link FRESH_GRACE_MS} from its accept to
 *   send one, which is answered;
 * - a keep-alive connection with nothing in flight is closed. While draining (a shutdown
 *   signal came, see `Readiness`) only once it has been idle for {@link IDLE_QUIET_MS}: closing
 *   an idle connection races with a proxy sending its next request on it (nginx does not retry
 *   a POST it has sent, not even on a kept-alive connection), so the proxy, which closes its
 *   idle upstream connections sooner (deploy/nginx.conf: `keepalive_timeout 4s`), closes them
 *   itself; one it uses meanwhile is answered with `Connection: close`;
 * - a connection with a request in flight stays until its answer is sent.
 *
 * `server.close()` calls back once every connection is gone; the caller bounds the wait.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Readiness } from '../services/readiness.js';

/** How long a connection that has sent nothing yet may stay once the server closes. */
export const FRESH_GRACE_MS = 2000;
/**
 * While draining, how long a kept-alive connection must have been idle before it is closed: more
 * than a proxy in front keeps idle upstream connections (deploy/nginx.conf: 4 s).
 */
export const IDLE_QUIET_MS = 5000;
const SWEEP_MS = 100;

interface Connection {
  acceptedAt: number;
  /** Requests answered on it so far. */
  served: number;
  /** Requests in progress. */
  active: number;
  idleSince: number;
  /** `socket.bytesRead` when the last answer ended: more means a request is on its way. */
  bytesAtIdle: number;
}

/**
 * Installs the closing rules on `app.server` (call before `listen`).
 *
 * @example
 * installDrain(app, services.readiness, services.config.headersTimeoutMs);
 * services.readiness.startDraining(); // on SIGTERM: answers say Connection: close, /ready is 503
 * await app.close();              // stops accepting, waits for every connection to finish
 */
export function installDrain(app: FastifyInstance, readiness: Readiness, headersTimeoutMs: number): void {
  const server = app.server as Server;
  const connections = new Map<Socket, Connection>();
  let closing = false;
  let sweeper: NodeJS.Timeout | undefined;
  const stopSweeping = () => {
    if (sweeper) clearInterval(sweeper);
    sweeper = undefined;
  };

  const track = (socket: Socket) => {
    const now = Date.now();
    connections.set(socket, { acceptedAt: now, served: 0, active: 0, idleSince: now, bytesAtIdle: 0 });
    socket.once('close', () => {
      connections.delete(socket);
      if (connections.size === 0) stopSweeping();
    });
  };
  // Over TLS the request's socket is the TLS socket, known once the handshake is done.
  server.on(isTls(server) ? 'secureConnection' : 'connection', track);

  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    let conn = connections.get(socket);
    if (!conn) {
      track(socket);
      conn = connections.get(socket) as Connection;
    }
    conn.active++;
    if ((closing || readiness.draining) && req.httpVersionMajor < 2) res.setHeader('connection', 'close');
    res.once('close', () => {
      conn.active--;
      conn.served++;
      conn.idleSince = Date.now();
      conn.bytesAtIdle = socket.bytesRead;
    });
  });

  const sweep = () => {
    const now = Date.now();
    const quietMs = readiness.draining ? IDLE_QUIET_MS : 0;
    for (const [socket, conn] of connections) {
      if (conn.active > 0) continue;
      // Bytes read since its last answer: a request is arriving, within the headers timeout
      // (Node stops enforcing it once the server closes).
      const since = conn.served === 0 ? conn.acceptedAt : conn.idleSince;
      const arriving = socket.bytesRead > conn.bytesAtIdle && now - since < headersTimeoutMs;
      const grace = conn.served === 0 ? FRESH_GRACE_MS : quietMs;
      if (arriving || now - since < grace) continue;
      socket.destroy();
    }
  };

  // Node's close() calls this first; so does anyone closing idle connections by hand.
  server.closeIdleConnections = () => {
    closing = true;
    sweep();
    if (!sweeper && connections.size > 0) {
      sweeper = setInterval(sweep, SWEEP_MS);
      sweeper.unref();
    }
  };
  app.addHook('onClose', async () => stopSweeping());
}

function isTls(server: Server): boolean {
  return 'setSecureContext' in server;
}
