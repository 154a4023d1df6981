/** The store's promises, kept by the embedded lowdb store: in memory (tests) and in files. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { coordinationCases } from './coordination-cases.js';
import { storeCases } from './store-cases.js';

storeCases('lowdb in memory', () => Store.open(':memory:'));
storeCases('lowdb in files', () => Store.open(join(mkdtempSync(join(tmpdir(), 'irm-store-cases-')), 'db.json')));
coordinationCases('one process alone', async () => {
  const store = await Store.open(':memory:');
  return [store.coordination, store.coordination];
});
