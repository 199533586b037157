/**
 * The floor: a bare pass-through proxy with the tutorial's interface. `POST /agents/:agent/messages`
 * `{message, stream?}` forwards one chat completion to the model and answers `{content}` (or
 * NDJSON `{"content": delta}` lines when streaming). No database, no memory, no validation:
 * whatever letta-ts costs above this is the price of being an agent server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const modelUrl = new URL(process.argv[2] ?? 'http://127.0.0.1:1/v1');
const pool = new Pool(modelUrl.origin, { connections: 64, pipelining: 1 });

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { message?: string; stream?: boolean };
  const upstream = await pool.request({
    method: 'POST',
    path: `${modelUrl.pathname}/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: body.message ?? '' }],
      stream: body.stream === true,
    }),
  });
  if (!body.stream) {
    const json = (await upstream.body.json()) as { choices: { message: { content: string } }[] };
    const payload = JSON.stringify({ content: json.choices[0]?.message.content ?? '' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let buffer = '';
  for await (const chunk of upstream.body) {
    buffer += chunk.toString();
    let i = buffer.indexOf('\n\n');
    while (i !== -1) {
      const line = buffer.slice(0, i).replace(/^data: /, '');
      buffer = buffer.slice(i + 2);
      if (line !== '[DONE]') {
        const delta = (JSON.parse(line) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta
          ?.content;
        if (delta) res.write(`${JSON.stringify({ content: delta })}\n`);
      }
      i = buffer.indexOf('\n\n');
    }
  }
  res.end(`${JSON.stringify({ done: true })}\n`);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
