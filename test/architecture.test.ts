/**
 * The layers of ARCHITECTURE.md, enforced on the sources: criteria import nothing that touches a
 * process, a socket, a file or the clock; reporters read reports only; nothing below the engine
 * imports it, the checks or the reporters.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
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
  observe: /^(node:[\w/]+|\.\.\/(report|judge\/[\w-]+)\.js)$/,
  run: /^(node:[\w/]+|zx|ws|get-port|\.\.\/(report|paths|judge\/[\w-]+|observe\/[\w-]+)\.js)$/,
  checks: /^(node:[\w/]+|\.\.\/(report|judge\/[\w-]+|observe\/[\w-]+|run\/[\w-]+|inject\/[\w-]+)\.js)$/,
};

for (const [layer, allowed] of Object.entries(ALLOWED)) {
  test(`harness/${layer}/ imports only what its layer may`, () => {
    const wrong = imports(layer).filter(([, spec]) => !spec.startsWith('./') && !allowed.test(spec));
    assert.deepEqual(wrong.map(([file, spec]) => `${file} imports ${spec}`), []);
  });
}

test('no module of harness/ imports, directly or through others, one that imports it', () => {
  const files = ['', ...readdirSync(join(ROOT, 'harness'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)].flatMap((dir) =>
    readdirSync(join(ROOT, 'harness', dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => (dir ? `${dir}/${f}` : f)),
  );
  const graph = new Map(
    files.map((file) => {
      const here = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
      const specs = [...readFileSync(join(ROOT, 'harness', file), 'utf8').matchAll(/^(?:import|export)[^;]*? from '(\.[^']+)'/gm)].map((m) => m[1]!);
      return [file, specs.map((spec) => normalize(join(here, spec)).replace(/\.js$/, '.ts'))] as const;
    }),
  );
  const cycles: string[] = [];
  for (const start of files) {
    const path: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string): boolean => {
      for (const dep of graph.get(file) ?? []) {
        if (dep === start) return cycles.push([start, ...path, start].join(' -> ')) > 0;
        if (seen.has(dep)) continue;
        seen.add(dep);
        path.push(dep);
        if (visit(dep)) return true;
        path.pop();
      }
      return false;
    };
    visit(start);
  }
  assert.deepEqual(cycles, []);
});
