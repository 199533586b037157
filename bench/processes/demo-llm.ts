/**
 * The scripted demo model (`letta dev-model`, src/dev-model) on a free port, for benchmarks and
 * manual runs from the bench build. Prints `{"url": …}` on its first line.
 */
import { startDevModel } from '../../src/dev-model/dev-model-server.js';

const dev = await startDevModel({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: dev.url })}\n`);
process.on('SIGTERM', () => void dev.close().then(() => process.exit(0)));
