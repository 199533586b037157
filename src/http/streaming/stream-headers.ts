/**
 * Headers every streamed answer (NDJSON, SSE) carries so that proxies pass each line on as it is
 * written: `X-Accel-Buffering: no` turns off nginx's response buffering for this answer (nginx
 * buffers proxied answers by default, which delivers a stream all at once at its end), and
 * `Cache-Control: no-cache, no-transform` keeps caches and compressing proxies from holding or
 * rewriting it. Keepalive lines (every `LETTA_KEEPALIVE_INTERVAL` seconds) keep idle-timeouts of
 * proxies from cutting a stream while the model thinks.
 *
 * @example
 * setStreamHeaders(reply, 'application/x-ndjson; charset=utf-8');
 * return reply.send(body);
 */
import type { FastifyReply } from 'fastify';

export function setStreamHeaders(reply: FastifyReply, contentType: string): void {
  reply.header('content-type', contentType);
  reply.header('cache-control', 'no-cache, no-transform');
  reply.header('x-accel-buffering', 'no');
}
