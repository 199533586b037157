/**
 * Letta's official Python SDK (letta-client 1.12.1) for tests: a virtual environment made by
 * `.ci/python-sdk-venv.sh` (offline, from the SDK sources in ../shared/vendor/letta-python or
 * `LETTA_PY_SRC`) in `.letta-test-python-sdk/` (or `LETTA_PY_VENV`). Made once and kept: when the
 * venv's python already imports the SDK, nothing is run. When it cannot be made, the error says
 * why (the script's own log), so the test fails clearly instead of skipping.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './server.js';

const run = promisify(execFile);
export const PYTHON_SDK_VERSION = '1.12.1';

/** The venv's python, making the venv first when needed. */
export async function pythonSdk(): Promise<string> {
  const venv = process.env.LETTA_PY_VENV ?? join(REPO_ROOT, '.letta-test-python-sdk');
  const python = join(venv, 'bin', 'python');
  if (existsSync(python)) {
    const check = `import letta_client, sys; sys.exit(letta_client.__version__ != '${PYTHON_SDK_VERSION}')`;
    const ok = await run(python, ['-c', check]).then(
      () => true,
      () => false,
    );
    if (ok) return python;
  }
  try {
    await run('bash', [join(REPO_ROOT, '.ci', 'python-sdk-venv.sh')], {
      env: { ...process.env, LETTA_PY_VENV: venv },
      timeout: 180_000,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    throw new Error(`cannot make the Python SDK venv (.ci/python-sdk-venv.sh):\n${stderr}`);
  }
  return python;
}

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with `python` (killed after `timeoutMs`), in the repository root. */
export function runPython(
  python: string,
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
