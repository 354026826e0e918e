/** `npm run fixtures:readme`: writes the kill matrix of each spec revision, from fixtures/catalog.json, into fixtures/README.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { README, freshReadme, missingMatrices } from './helpers/fixture-matrix.js';

const text = readFileSync(README, 'utf8');
const missing = missingMatrices(text);
if (missing.length > 0) {
  // A block is replaced, never invented: where it goes in the text is the README's to say.
  console.error(`fixtures/README.md has no matrix block for ${missing.join(', ')}: add <!-- matrix:<revision>:start --> and <!-- matrix:<revision>:end --> lines where it belongs`);
  process.exit(1);
}
const fresh = freshReadme(text);
if (fresh === text) console.log('fixtures/README.md: the matrices are current');
else {
  writeFileSync(README, fresh);
  console.log('fixtures/README.md: matrices regenerated from fixtures/catalog.json');
}
