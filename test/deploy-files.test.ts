/**
 * deploy/: what can be checked without a Docker engine. nginx.conf passes `nginx -t` (Debian's
 * nginx, the deploy hostnames replaced by loopback addresses); compose.yaml parses and has the
 * tutorial's topology; the Dockerfile is multi-stage, runs as a non-root user with a health
 * check, copies only files that exist and its .dockerignore lets in; the health check command
 * itself is run against a real server. (Running the image is left to docs/deploy.md's checklist.)
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IDLE_QUIET_MS } from '../src/http/drain.js';
import { deployNginxConf, testNginxConf } from './support/nginx.js';
import { freePort, REPO_ROOT, startTestServer } from './support/server.js';

const deployFile = (name: string) => readFileSync(join(REPO_ROOT, 'deploy', name), 'utf8');

describe('deploy/nginx.conf', () => {
  it('passes nginx -t', () => {
    const out = testNginxConf(deployNginxConf(['127.0.0.1:18283', '127.0.0.1:18284'], 18080));
    expect(out).toBe(''); // nginx -t reports on stderr; success is silent on stdout
  });

  it('keeps upstream connections alive over HTTP/1.1 and closes idle ones before a draining server would', () => {
    const conf = deployFile('nginx.conf');
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(conf).toMatch(/proxy_set_header Connection "";/);
    const seconds = Number(/keepalive_timeout (\d+)s;/.exec(conf)?.[1]);
    expect(seconds * 1000).toBeLessThan(IDLE_QUIET_MS);
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(conf)?.[1])).toBeGreaterThan(20); // > keepalive lines
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(deployFile('compose.yaml'), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };

  it("reproduces the tutorial's topology: two servers behind nginx, PostgreSQL with pgvector, optional Redis", () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(['letta1', 'letta2', 'nginx', 'postgres', 'redis']);
    for (const name of ['letta1', 'letta2']) {
      const s = services[name] as { environment: Record<string, string>; stop_grace_period: string };
      expect(s.environment.LETTA_PG_URI).toMatch(/@postgres:5432\//);
      expect(Number.parseInt(s.stop_grace_period, 10)).toBeGreaterThan(30); // the drain's bound
    }
    expect(services.nginx?.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(String(services.postgres?.image)).toMatch(/pgvector/);
    expect(services.redis?.profiles).toEqual(['redis']);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = deployFile('Dockerfile');
  const lines = dockerfile.split('\n').filter((l) => !l.startsWith('#'));

  it('is multi-stage, runs `letta server --host 0.0.0.0` as a non-root user, with a health check', () => {
    expect(lines.filter((l) => l.startsWith('FROM ')).length).toBe(2);
    const user = lines.findIndex((l) => /^USER \S+/.test(l));
    expect(lines[user]).not.toMatch(/^USER (root|0)\b/);
    expect(lines.findIndex((l) => l.startsWith('CMD '))).toBeGreaterThan(user);
    expect(dockerfile).toMatch(/CMD \["server", "--host", "0\.0\.0\.0"\]/);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it('copies only files that exist and that its .dockerignore lets in', () => {
    const allowed = deployFile('Dockerfile.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    const sources = lines
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) =>
        l
          .split(/\s+/)
          .slice(1)
          .filter((w) => !w.startsWith('--'))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
      expect(allowed, source).toContain(source);
    }
  });

  it('has a health check command that passes against a live server and fails when nothing answers', async () => {
    const command = /CMD \["node", "-e", "(.+)"\]\s*$/m.exec(dockerfile.split('HEALTHCHECK')[1] ?? '')?.[1];
    expect(command).toBeDefined();
    const script = JSON.parse(`"${command}"`) as string;
    // The server answers from this process: run the check without blocking it.
    const check = (port: number) =>
      new Promise<number | null>((resolve) => {
        const child = execFile(process.execPath, ['-e', script], {
          env: { LETTA_PORT: String(port) },
          timeout: 10_000,
        });
        child.once('exit', (code) => resolve(code));
      });
    await using server = await startTestServer('sqlite');
    expect(await check(Number(new URL(server.baseUrl).port))).toBe(0);
    expect(await check(await freePort())).toBe(1);
  });
});
