/**
 * The Python sandbox against code that knows the runtime: each escape that works on a bare
 * Pyodide in Node is tried on purpose, and must fail inside the sandbox; failures (loops,
 * allocation, exceptions, unserialisable returns, exits) end as error results and the next call
 * runs on a healthy worker.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sandboxConfigFromEnv, ToolSandbox } from '../src/runtime/tools/sandbox/tool-sandbox.js';
import { compileTool } from '../src/runtime/tools/sandbox/typescript-tool.js';

const SECRET = 'sandbox-secret-7f3a';
process.env.LETTA_TEST_SANDBOX_SECRET = SECRET;

const sandbox = new ToolSandbox({
  ...sandboxConfigFromEnv({}),
  workers: 1,
  timeoutMs: 60_000,
  memoryMb: 256,
});
afterAll(() => sandbox.close());

const script = (source: string) => sandbox.runPython({ source });

function leaks(r: { result: string | null; stdout: string; stderr: string }): boolean {
  const text = `${r.result}${r.stdout}${r.stderr}`;
  return text.includes(SECRET) || text.includes('root:x:0:0') || /ESCAPED/.test(r.stdout);
}

describe('Python sandbox: escapes', () => {
  const attempts: Array<[string, string, RegExp]> = [
    ['import js', 'import js\nprint(js.process.env)', /ImportError: module 'js' is not available/],
    ['__import__("js")', '__import__("js").process', /ImportError: module 'js'/],
    ['import pyodide_js', 'import pyodide_js\nprint(pyodide_js._api)', /ImportError: module 'pyodide_js'/],
    [
      'from pyodide.ffi import',
      'from pyodide.ffi import to_js\nprint(to_js({}))',
      /ImportError: module 'pyodide' is not available/,
    ],
    [
      'pyodide.http network',
      'from pyodide.http import pyfetch',
      /ImportError: module 'pyodide' is not available/,
    ],
    [
      'urllib network',
      'import urllib.request\nurllib.request.urlopen("http://127.0.0.1:1/")',
      /URLError: <urlopen error network access is disabled in the tool sandbox/,
    ],
    ['socket', 'import socket', /ImportError: module 'socket'/],
    ['http.client', 'import http.client', /ImportError: module '(_?socket|ssl|select)'/],
    ['ctypes', 'import ctypes', /ImportError: module 'ctypes'/],
    ['subprocess', 'import subprocess\nsubprocess.run(["ls"])', /ImportError: module 'subprocess'/],
    ['os.system', 'import os\nos.system("id")', /AttributeError: module 'os' has no attribute 'system'/],
    ['open /etc/passwd', 'print(open("/etc/passwd").read())', /FileNotFoundError/],
    [
      'sys.meta_path cleared, then js and pyodide_js',
      'import sys\nsys.meta_path.clear()\nfor m in ("js", "pyodide_js"):\n  try:\n    __import__(m)\n    print("ESCAPED", m)\n  except ImportError as e:\n    print(type(e).__name__)\nraise RuntimeError("done")',
      /RuntimeError: done/,
    ],
    [
      'sys.modules lookups',
      'import sys\nprint([k for k in sys.modules if "pyodide" in k or k in ("js", "pyodide_js")])\nraise RuntimeError("done")',
      /RuntimeError: done/,
    ],
  ];
  for (const [name, source, expected] of attempts) {
    it(`refuses ${name}`, async () => {
      const r = await script(source);
      expect(r.status).toBe('error');
      expect(r.result).toMatch(expected);
      expect(leaks(r)).toBe(false);
      if (name === 'sys.modules lookups') expect(r.stdout).toBe('[]\n');
    });
  }

  it('gives no JS object a path back to the realm (gc walk, Function constructor, builtin _pyodide_core)', async () => {
    const r = await script(
      [
        'import gc, sys',
        'sys.meta_path.clear()',
        'found = []',
        'try:',
        '  import _pyodide_core as core',
        '  found += [getattr(core, n) for n in dir(core)]',
        'except ImportError:',
        '  pass',
        'for o in gc.get_objects():',
        '  if isinstance(o, dict):',
        '    found += [v for v in list(o.values()) if "Js" in type(v).__name__]',
        'out = set()',
        'for p in found:',
        '  for probe in (lambda: p.constructor.constructor("return process")(), lambda: p.globalThis.process.env, lambda: p.process.env):',
        '    try:',
        '      v = probe()',
        '      if v is not None and str(v) not in ("undefined", "None"): print("ESCAPED", v)',
        '    except BaseException as e:',
        '      out.add(type(e).__name__)',
        'print(sorted(out))',
      ].join('\n'),
    );
    expect(r.status).toBe('success');
    expect(leaks(r)).toBe(false);
  });

  it('mounts no host directory: the filesystem is the in-memory one', async () => {
    const r = await script(
      'import os\nprint(sorted(os.listdir("/")))\nprint(os.path.exists("/work"), os.path.exists("/proc/self/environ"))',
    );
    expect(r.status).toBe('success');
    expect(r.stdout).not.toMatch(/work|root|etc'/);
    expect(r.stdout).toContain('False False');
  });

  it("sees only the call's environment, never the server's", async () => {
    const r = await sandbox.runPython({
      source: 'import os\nprint(dict(os.environ))',
      env: { WEATHER_KEY: 'k1' },
    });
    expect(r.stdout.trim()).toBe("{'WEATHER_KEY': 'k1'}");
    const again = await script('import os\nprint(dict(os.environ))');
    expect(again.stdout.trim()).toBe('{}');
  });
});

describe('Python sandbox: failures end as error results', () => {
  it('calls a function with arguments and keeps what it printed', async () => {
    const r = await sandbox.runPython({
      source: 'def add(a: int, b: int = 2):\n    print("adding")\n    return {"sum": a + b}',
      entry: 'add',
      args: { a: 40 },
    });
    expect(r).toEqual({ status: 'success', result: '{"sum": 42}', stdout: 'adding\n', stderr: '' });
  });

  it('an exception is an error with its traceback on stderr', async () => {
    const r = await sandbox.runPython({ source: 'def f():\n    raise ValueError("bad city")', entry: 'f' });
    expect(r.status).toBe('error');
    expect(r.result).toBe('ValueError: bad city');
    expect(r.stderr).toContain('Traceback');
  });

  it('an unserialisable return is an error naming the type', async () => {
    const r = await sandbox.runPython({ source: 'def f():\n    return object()', entry: 'f' });
    expect(r.status).toBe('error');
    expect(r.result).toMatch(/type object, which cannot be serialised/);
  });

  it('allocation without end is a MemoryError, and the worker still answers', async () => {
    const r = await script('x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))');
    expect(r.status).toBe('error');
    expect(r.result).toMatch(/MemoryError/);
    expect((await sandbox.runPython({ source: 'def f():\n    return 1', entry: 'f' })).result).toBe('1');
  });

  it('output is capped', async () => {
    const small = new ToolSandbox({ ...sandboxConfigFromEnv({}), workers: 1, outputLimit: 1000 });
    try {
      const r = await small.runPython({ source: 'print("x" * 50000)' });
      expect(r.stdout.length).toBeLessThan(1100);
      expect(r.stdout).toMatch(/truncated 49001 characters/);
    } finally {
      await small.close();
    }
  });

  it('SystemExit and os._exit are errors; the next call runs', async () => {
    expect((await script('raise SystemExit(3)')).status).toBe('error');
    const exited = await script('import os\nos._exit(1)');
    expect(exited.status).toBe('error');
    expect((await sandbox.runPython({ source: 'def f():\n    return "ok"', entry: 'f' })).result).toBe('ok');
  });

  it('a loop without end is stopped at the deadline and the worker replaced', async () => {
    const quick = new ToolSandbox({ ...sandboxConfigFromEnv({}), workers: 1, timeoutMs: 2000 });
    try {
      await quick.warm();
      const r = await quick.runPython({ source: 'while True:\n    pass' });
      expect(r.status).toBe('error');
      expect(r.result).toMatch(/timed out after 2 s/);
    } finally {
      await quick.close();
    }
  });
});

describe('Python tool schema', () => {
  it('comes from the signature and the Google-style docstring', async () => {
    const schema = await sandbox.pythonSchema(
      [
        'from typing import List, Optional',
        'def helper():',
        '    pass',
        'def get_weather(city: str, days: int = 3, units: Optional[str] = None, tags: List[str] = []) -> str:',
        '    """Get the weather forecast for a city.',
        '',
        '    Args:',
        '        city (str): The city name,',
        '            as written locally.',
        '        days: Number of days.',
        '        units: metric or imperial.',
        '',
        '    Returns:',
        '        str: the forecast',
        '    """',
        '    return city',
      ].join('\n'),
    );
    expect(schema).toEqual({
      name: 'get_weather',
      description: 'Get the weather forecast for a city.',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'The city name, as written locally.' },
          days: { type: 'integer', description: 'Number of days.', default: 3 },
          units: { type: 'string', description: 'metric or imperial.', default: null },
          tags: { type: 'array', items: { type: 'string' } },
        },
        required: ['city'],
      },
    });
  });

  it('a source that does not parse names the line', async () => {
    expect(await sandbox.pythonSchema('def ok():\n    pass\n\ndef broken(:\n    pass')).toEqual({
      error: 'line 4: invalid syntax',
    });
  });
});

describe('JavaScript sandbox (QuickJS)', () => {
  it('runs a script, captures console output, and sees no host objects (its process has only an empty env)', async () => {
    const r = await sandbox.runJs({
      source:
        'console.log("hi", {a: 1}); [typeof process, typeof require, typeof fetch, typeof globalThis.process, typeof import.meta].join(",")',
    });
    expect(r.status).toBe('error'); // import.meta outside a module is a SyntaxError
    const ok = await sandbox.runJs({
      source:
        'console.log("hi", {a: 1}); [JSON.stringify(process), typeof require, typeof Deno, typeof __letta_fetch].join(",")',
    });
    expect(ok).toEqual({
      status: 'success',
      result: '{"env":{}},undefined,undefined,undefined',
      stdout: 'hi {"a":1}\n',
      stderr: '',
    });
  });

  it('dynamic import, the Function constructor and a thrown error stay inside', async () => {
    const imp = await sandbox.runJs({
      source: 'let out; import("node:fs").then((m) => { out = m }); typeof out',
    });
    expect(imp.result).toBe('undefined');
    // The guest's own `process` (only `env`, empty here), never the host's.
    const fn = await sandbox.runJs({ source: 'Function("return JSON.stringify(process)")()' });
    expect(fn.result).toBe('{"env":{}}');
    const thrown = await sandbox.runJs({ source: 'throw new TypeError("nope")' });
    expect(thrown).toMatchObject({ status: 'error', result: 'TypeError: nope' });
  });

  it('a loop without end and allocation without end are errors; the next run works', async () => {
    const quick = new ToolSandbox({ ...sandboxConfigFromEnv({}), workers: 1, timeoutMs: 1500, memoryMb: 64 });
    try {
      expect((await quick.runJs({ source: 'while (true) {}' })).status).toBe('error');
      const mem = await quick.runJs({
        source: 'const a = []; while (true) a.push("x".repeat(1e6) + a.length);',
      });
      expect(mem.status).toBe('error');
      expect((await quick.runJs({ source: '6 * 7' })).result).toBe('42');
    } finally {
      await quick.close();
    }
  });

  it('a TypeScript tool that loops, never settles or escapes its runtime ends as an error; the next call works', async () => {
    const quick = new ToolSandbox({ ...sandboxConfigFromEnv({}), workers: 1, timeoutMs: 1500, memoryMb: 64 });
    const call = async (source: string, args: Record<string, unknown> = {}) => {
      const t = await compileTool(source, 'typescript');
      if ('error' in t) throw new Error(t.error);
      return quick.runJsTool({ code: t.code, entry: t.entry, params: t.params, args });
    };
    try {
      const loop = await call(
        'export async function spin(): Promise<number> { await null; while (true) {} }',
      );
      expect(loop).toMatchObject({ status: 'error', result: 'timed out after 1.5 s' });
      const never = await call('export function wait(): Promise<string> { return new Promise(() => {}); }');
      expect(never).toMatchObject({
        status: 'error',
        result: 'Error: the tool returned a promise that never settled',
      });
      const probe = await call(
        'export function probe(): string { return [typeof require, typeof globalThis.__letta_fetch, typeof std, typeof os, JSON.stringify(process)].join(","); }',
      );
      expect(probe).toMatchObject({
        status: 'success',
        result: 'undefined,undefined,undefined,undefined,{"env":{}}',
      });
      const ok = await call('export function add(a: number, b = 10): number { return a + b; }', { a: 1 });
      expect(ok).toMatchObject({ status: 'success', result: '11' });
    } finally {
      await quick.close();
    }
  });
});
