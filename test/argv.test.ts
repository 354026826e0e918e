import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchIds } from '../harness/catalog.js';
import { fill, unknownPlaceholders, usesPort, withoutPortOption } from '../harness/run/argv.js';

test('placeholders are filled in every word, unknown ones are reported', () => {
  assert.equal(fill('--state={stateDir}/x:{port}', { port: '24000', stateDir: '/s' }), '--state=/s/x:24000');
  assert.deepEqual(unknownPlaceholders(['gw', '--port', '{prot}', '{"json": 1}']), ['{prot}']);
  assert.equal(usesPort(['gw', '--port={port}']), true);
  assert.equal(usesPort(['gw']), false);
});

test('the command without its port option, for BIND-2', () => {
  assert.deepEqual(withoutPortOption(['gw', '--port', '{port}', '--x']), ['gw', '--x']);
  assert.deepEqual(withoutPortOption(['gw', '--port={port}']), ['gw']);
  assert.deepEqual(withoutPortOption(['sh', '-c', 'node gw.js --port {port} --v']), ['sh', '-c', 'node gw.js --v']);
  assert.equal(withoutPortOption(['gw', 'listen:{port}']), undefined);
});

test('selection globs match catalogue IDs in catalogue order', () => {
  assert.deepEqual(matchIds(['crash-*']).ids, ['CRASH-1', 'CRASH-2', 'CRASH-3', 'CRASH-4']);
  assert.deepEqual(matchIds(['BIND-1', 'NOPE-*']), { ids: ['BIND-1'], unmatched: ['NOPE-*'] });
});
