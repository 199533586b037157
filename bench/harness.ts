/**
 * What the benchmarks share: starting the processes (scripted model, proxy, `letta server`),
 * stopping them, reading a process's RSS, percentiles.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Started {
  child: ChildProcess;
  url: string;
}

/** Spawns a process that prints `{"url": …}` on its first stdout line (the model, the proxy). */
export async function startJsonLine(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i !== -1) resolve(buf.slice(0, i));
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

/** Starts `letta server` and waits until `/health` answers; `ms` is the time that took. */
export async function startLetta(
  env: NodeJS.ProcessEnv,
  port: number,
  nodeFlags: string[] = [],
): Promise<{ child: ChildProcess; url: string; ms: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, 'bin/letta.js', 'server', '--port', String(port)], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`letta server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return { child, url, ms: performance.now() - t0 };
}

/** SIGTERM, then waits for the exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** The p-th percentile of an ascending array. */
export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

/** `letta server` on a fresh SQLite home, talking to the scripted model at `modelUrl`. */
export async function startLettaOnSqlite(
  modelUrl: string,
  name: string,
): Promise<{ child: ChildProcess; url: string; ms: number; home: string }> {
  const home = mkdtempSync(join(tmpdir(), `letta-${name}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LETTA_HOME: home,
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: modelUrl,
    LETTA_LOG_LEVEL: 'warn',
  };
  delete env.LETTA_PG_URI;
  const server = await startLetta(env, 18800 + Math.floor(Math.random() * 400));
  return { ...server, home };
}
