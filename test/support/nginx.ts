/**
 * Real nginx for tests (Debian's package; CI's `.ci/run` installs it): a child process in the
 * foreground (`daemon off`) with its own prefix, config, pid file and logs in a temp directory,
 * never the system service.
 *
 * - {@link tutorialNginxConf}: the tutorial's "Load Balancing" `nginx.conf`, word for word, with
 *   only the addresses changed (upstream servers, and the listen port instead of 80).
 * - {@link deployNginxConf}: `deploy/nginx.conf` with its addresses changed the same way.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './server.js';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) =>
  existsSync(p),
);

/** The tutorial's nginx.conf (docs "Load Balancing"), with only the addresses changed. */
export function tutorialNginxConf(upstreams: string[], port: number): string {
  return `events {}
http {
    upstream letta_backend {
${upstreams.map((u) => `        server ${u};`).join('\n')}
    }

    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://letta_backend;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
        }
    }
}
`;
}

/** deploy/nginx.conf with `letta1:8283`, `letta2:8283` and `listen 80` replaced. */
export function deployNginxConf(upstreams: [string, string], port: number): string {
  const text = readFileSync(join(REPO_ROOT, 'deploy', 'nginx.conf'), 'utf8');
  const out = text
    .replaceAll('letta1:8283', upstreams[0])
    .replaceAll('letta2:8283', upstreams[1])
    .replace(/listen\s+80;/, `listen 127.0.0.1:${port};`);
  if (out === text) throw new Error('deploy/nginx.conf: no addresses to replace');
  return out;
}

export interface Nginx extends AsyncDisposable {
  port: number;
  baseUrl: string;
  /** The error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

function nginxBin(): string {
  if (!NGINX_BIN) throw new Error('nginx not found: apt-get install nginx (CI installs it in .ci/run)');
  return NGINX_BIN;
}

/** Writes `conf` to a temp prefix and runs `nginx -t` on it; returns nginx's output. */
export function testNginxConf(conf: string): string {
  const prefix = scratchPrefix(conf);
  try {
    return execFileSync(nginxBin(), args(prefix, ['-t']), { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`nginx -t failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

/** Starts nginx with `conf(port)` and waits until it answers on that port. */
export async function startNginx(conf: (port: number) => string): Promise<Nginx> {
  const port = await freePort();
  const prefix = scratchPrefix(conf(port));
  const child: ChildProcess = spawn(nginxBin(), args(prefix, []), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return readFileSync(join(prefix, 'logs', 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(prefix, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${errorLog()}`);
    try {
      await fetch(`${baseUrl}/health`);
      break;
    } catch {
      if (i > 100) {
        await stop();
        throw new Error(`nginx did not answer: ${stderr}${errorLog()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { port, baseUrl, errorLog, stop, [Symbol.asyncDispose]: stop };
}

function scratchPrefix(conf: string): string {
  const prefix = mkdtempSync(join(tmpdir(), 'letta-nginx-'));
  // nginx's workers run as an unprivileged user when the master is root: let them in.
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'logs'));
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  return prefix;
}

function args(prefix: string, extra: string[]): string[] {
  return [
    '-p',
    `${prefix}/`,
    '-c',
    join(prefix, 'nginx.conf'),
    '-e',
    join(prefix, 'logs', 'error.log'),
    '-g',
    `daemon off; pid ${join(prefix, 'nginx.pid')};`,
    ...extra,
  ];
}
