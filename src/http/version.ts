/**
 * The package version, read once from `package.json` (two levels up from both `src/http/` and
 * `dist/http/`), for `/health` and `letta --version`.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** This server's version, e.g. `0.1.0`. */
export const VERSION: string = readVersion();
