/**
 * The reaper: a process of its own (own process group, stdin a pipe from the harness) that ends
 * what the harness leaves if it dies without cleaning up (SIGKILL, a test runner's process.exit).
 * Lines on stdin: `+group <pgid>`, `-group <pgid>`, `+dir <path>`, `-dir <path>`. At end of input
 * it SIGKILLs every group still listed and removes every directory still listed.
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const groups = new Set<number>();
const dirs = new Set<string>();

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [, sign, kind, value] = /^([+-])(group|dir) (.+)$/.exec(line) ?? [];
    if (!value) return;
    if (kind === 'group') sign === '+' ? groups.add(Number(value)) : groups.delete(Number(value));
    else sign === '+' ? dirs.add(value) : dirs.delete(value);
  })
  .on('close', () => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
