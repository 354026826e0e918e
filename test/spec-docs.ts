/** `npm run spec:docs`: writes the spec revisions' generated documents (harness/spec-docs.ts) from their sources. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { specDocuments } from '../harness/spec-docs.js';
import { ROOT } from './helpers/cli.js';

for (const [path, text] of specDocuments()) {
  writeFileSync(join(ROOT, path), text);
  console.log(`${path}: regenerated`);
}
