/** `npm run fixtures:readme`: writes the kill matrix of fixtures/catalog.json into fixtures/README.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { README, freshReadme } from './helpers/fixture-matrix.js';

const text = readFileSync(README, 'utf8');
const fresh = freshReadme(text);
if (fresh === text) console.log('fixtures/README.md: the matrix is current');
else {
  writeFileSync(README, fresh);
  console.log('fixtures/README.md: matrix regenerated from fixtures/catalog.json');
}
