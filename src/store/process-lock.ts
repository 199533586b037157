/**
 * One server process per SQLite file. The conversation claims would keep two processes correct,
 * but crash recovery assumes that at start no other process is running runs on the file, so a
 * second `letta server` on the same file refuses to start with a clear message. The lock is a
 * pid file beside the database; a lock left by a dead process is taken over.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LettaError } from '../errors.js';

export function acquireProcessLock(sqlitePath: string): () => void {
  if (sqlitePath === ':memory:') return () => {};
  const lockPath = `${sqlitePath}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LettaError(
          'SERVICE_UNAVAILABLE',
          `another letta server (pid ${pid}) is using ${sqlitePath}; stop it, or use PostgreSQL (LETTA_PG_URI) to run several processes`,
        );
      }
      unlinkSync(lockPath);
    }
  }
  throw new LettaError('SERVICE_UNAVAILABLE', `could not lock ${sqlitePath}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
