/**
 * Python workers restored from a memory snapshot (`python-boot.ts`): the snapshot is written to
 * the cache directory by the first worker that boots the slow way; a later sandbox restores from
 * it, and the escapes still fail there (the lockdown and the realm hardening run after the
 * restore); a corrupt file, or one Pyodide refuses, falls back to a normal boot.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SandboxPool } from '../src/runtime/tools/sandbox/sandbox-pool.js';
import { sandboxConfigFromEnv, ToolSandbox } from '../src/runtime/tools/sandbox/tool-sandbox.js';

const SECRET = 'snapshot-secret-5c1d';
process.env.LETTA_TEST_SNAPSHOT_SECRET = SECRET;
const cacheDir = mkdtempSync(join(tmpdir(), 'letta-snapshot-'));
const open: ToolSandbox[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  rmSync(cacheDir, { recursive: true, force: true });
});

function sandbox(): ToolSandbox {
  const s = new ToolSandbox({ ...sandboxConfigFromEnv({}), workers: 1, timeoutMs: 60_000, cacheDir });
  open.push(s);
  return s;
}

const add = { source: 'def add(a: int, b: int):\n    return a + b', entry: 'add', args: { a: 2, b: 3 } };

function leaks(r: { result: string | null; stdout: string; stderr: string }): boolean {
  const text = `${r.result}${r.stdout}${r.stderr}`;
  return text.includes(SECRET) || text.includes('root:x:0:0') || /ESCAPED/.test(r.stdout);
}

describe('Python sandbox: boot from a memory snapshot', () => {
  let file = '';

  it('the first worker boots normally and writes the snapshot to the cache directory (older ones go)', async () => {
    const stale = join(cacheDir, 'pyodide-0.0.1-0123456789abcdef.snapshot');
    writeFileSync(stale, 'an older version');
    const first = sandbox();
    file = first.pythonBoot.file ?? '';
    expect(file.startsWith(cacheDir)).toBe(true);
    expect((await first.runPython(add)).result).toBe('5');
    expect(existsSync(file)).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(first.pythonBoot.hasSnapshot()).toBe(true);
  }, 120_000);

  it('a restored worker runs tools, and the escapes still fail after the restore', async () => {
    const restored = sandbox();
    await restored.pythonBoot.prepare();
    expect(restored.pythonBoot.hasSnapshot()).toBe(true);
    expect((await restored.runPython(add)).result).toBe('5');
    expect(restored.pythonBoot.hasSnapshot()).toBe(true);
    const attempts: Array<[string, RegExp]> = [
      ['import js\nprint(js.process.env)', /ImportError: module 'js' is not available/],
      ['import pyodide_js\nprint(pyodide_js._api)', /ImportError: module 'pyodide_js'/],
      ['from pyodide.ffi import to_js', /ImportError: module 'pyodide' is not available/],
      ['import subprocess', /ImportError: module 'subprocess'/],
      ['import os\nos.system("id")', /AttributeError/],
      ['print(open("/etc/passwd").read())', /FileNotFoundError/],
      // Last: this undoes the import hook for the rest of this worker's life (layer 4 only).
      ['import sys\nsys.meta_path.clear()\nimport js\nprint(js.process.env)', /No module named 'js'/],
    ];
    for (const [source, expected] of attempts) {
      const r = await restored.runPython({ source });
      expect(r.status, source).toBe('error');
      expect(r.result, source).toMatch(expected);
      expect(leaks(r), source).toBe(false);
    }
    const walk = await restored.runPython({
      source: [
        'import gc, sys, os',
        'sys.meta_path.clear()',
        'print(dict(os.environ), sorted(os.listdir("/")))',
        'found = []',
        'try:',
        '  import _pyodide_core as core',
        '  found += [getattr(core, n) for n in dir(core)]',
        'except ImportError:',
        '  pass',
        'for o in gc.get_objects():',
        '  if isinstance(o, dict):',
        '    found += [v for v in list(o.values()) if "Js" in type(v).__name__]',
        'for p in found:',
        '  for probe in (lambda: p.constructor.constructor("return process")(), lambda: p.globalThis.process.env, lambda: p.process.env):',
        '    try:',
        '      v = probe()',
        '      if v is not None and str(v) not in ("undefined", "None"): print("ESCAPED", v)',
        '    except BaseException:',
        '      pass',
      ].join('\n'),
    });
    expect(walk.status).toBe('success');
    expect(walk.stdout).toMatch(/^\{\} \[/);
    expect(walk.stdout).not.toMatch(/work|root|etc'/);
    expect(leaks(walk)).toBe(false);
  }, 120_000);

  it('a corrupt snapshot file is deleted and the worker boots normally (and writes a sound one)', async () => {
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 0xff, bytes.length - 100);
    writeFileSync(file, bytes);
    const s = sandbox();
    await s.pythonBoot.prepare();
    expect(s.pythonBoot.hasSnapshot()).toBe(false);
    expect((await s.runPython(add)).result).toBe('5');
    expect(s.pythonBoot.hasSnapshot()).toBe(true);
    expect(existsSync(file)).toBe(true);
  }, 120_000);

  it('a snapshot Pyodide refuses (sound file, wrong build) falls back to a normal boot and is dropped', async () => {
    const bytes = readFileSync(file);
    const body = bytes.subarray(40);
    // The snapshot's header holds the build id of the runtime that made it (words 4 to 11).
    body.writeUInt8(body.readUInt8(16) ^ 0xff, 16);
    createHash('sha256').update(body).digest().copy(bytes, 8);
    writeFileSync(file, bytes);
    const s = sandbox();
    await s.pythonBoot.prepare();
    expect(s.pythonBoot.hasSnapshot()).toBe(true);
    const r = await s.runPython(add);
    expect(r.result).toBe('5');
    expect(s.pythonBoot.hasSnapshot()).toBe(false);
    expect(existsSync(file)).toBe(false);
    const attempt = await s.runPython({
      source: 'import sys\nsys.meta_path.clear()\nimport js\nprint(js.process.env)',
    });
    expect(attempt.status).toBe('error');
    expect(leaks(attempt)).toBe(false);
  }, 120_000);
});

describe('Sandbox pool: boot notices', () => {
  it('takes notices (the snapshot) only while a worker boots, never once guest code may run', async () => {
    const seen: unknown[] = [];
    const pool = new SandboxPool({
      label: 'Test',
      source: () => `
        const { parentPort } = require('node:worker_threads');
        parentPort.once('message', (m) => {
          parentPort.postMessage({ notice: { boot: m.boot.n } });
          parentPort.postMessage({ ready: true });
          parentPort.on('message', (job) => {
            parentPort.postMessage({ notice: { late: true } });
            parentPort.postMessage({ id: job.id, reply: 'ok' });
          });
        });`,
      workerData: {},
      bootData: async () => ({ n: 7 }),
      onNotice: (notice) => seen.push(notice),
      size: 1,
      heapMb: 32,
    });
    try {
      expect(await pool.run({}, 10_000)).toEqual({ ok: true, reply: 'ok' });
      expect(await pool.run({}, 10_000)).toEqual({ ok: true, reply: 'ok' });
      expect(seen).toEqual([{ boot: 7 }]);
    } finally {
      await pool.close();
    }
  });
});
