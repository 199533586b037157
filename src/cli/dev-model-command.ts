/**
 * `letta dev-model [--port N] [--host H]`: runs the scripted OpenAI-compatible model
 * (src/dev-model) until SIGINT/SIGTERM, printing the line to start the server with.
 */
import { startDevModel } from '../dev-model/dev-model-server.js';

export async function runDevModel(flags: { port?: string; host?: string }): Promise<number> {
  const port = Number(flags.port ?? process.env.LETTA_DEV_MODEL_PORT ?? 8284);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer from 0 to 65535, got '${flags.port}'`);
  }
  const dev = await startDevModel({ port, host: flags.host ?? '127.0.0.1' }).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is already in use`);
    throw err;
  });
  process.stdout.write(
    `letta dev-model listening on ${dev.url} (a scripted model: no key, no network)\n` +
      `start the server with: OPENAI_BASE_URL=${dev.url} letta server\n`,
  );
  return new Promise((resolve) => {
    const stop = () => void dev.close().then(() => resolve(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
