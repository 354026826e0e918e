/**
 * The layers of ARCHITECTURE.md, enforced on the sources: criteria import nothing that touches a
 * process, a socket, a file or the clock; reporters read reports only; nothing below the engine
 * imports it, the checks or the reporters.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/cli.js';

const imports = (dir: string): [string, string][] =>
  readdirSync(join(ROOT, 'harness', dir))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) => [...readFileSync(join(ROOT, 'harness', dir, file), 'utf8').matchAll(/^(?:import|export)[^;]*? from '([^']+)'/gm)].map((m) => [`${dir}/${file}`, m[1]!] as [string, string]));

/** Layer -> what its modules may import (besides their own layer's files, './x.js'). */
const ALLOWED: Record<string, RegExp> = {
  judge: /^\.\.\/report\.js$/,
  reporters: /^\.\.\/(report|judge\/[\w-]+|catalog)\.js$/,
  observe: /^(node:[\w/]+|\.\.\/(report|judge\/[\w-]+|run\/time)\.js)$/,
  run: /^(node:[\w/]+|zx|ws|get-port|\.\.\/(report|paths|judge\/[\w-]+|observe\/[\w-]+)\.js)$/,
  checks: /^(node:[\w/]+|\.\.\/(report|judge\/[\w-]+|observe\/[\w-]+|run\/[\w-]+|inject\/[\w-]+)\.js)$/,
};

for (const [layer, allowed] of Object.entries(ALLOWED)) {
  test(`harness/${layer}/ imports only what its layer may`, () => {
    const wrong = imports(layer).filter(([, spec]) => !spec.startsWith('./') && !allowed.test(spec));
    assert.deepEqual(wrong.map(([file, spec]) => `${file} imports ${spec}`), []);
  });
}
