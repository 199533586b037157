/**
 * Vitest global setup: builds `dist/` once (`tsc -p tsconfig.build.json`) so the CLI tests run
 * the real `bin/letta.js`. tsc emits even when some file has a type error; the run then goes on
 * (with the errors printed) as long as `dist/cli/main.js` exists. `LETTA_TEST_SKIP_BUILD=1` skips.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default function setup(): void {
  if (process.env.LETTA_TEST_SKIP_BUILD === '1') return;
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) throw new Error(`build failed:\n${out}`);
    process.stderr.write(`global-setup: tsc reported errors (dist/ emitted anyway):\n${out}\n`);
  }
}
