// The storage conformance suite in Node: IndexedDB from fake-indexeddb (fast); the same suite runs
// in real Chromium from test/browser/storage.browser.test.ts.
import 'fake-indexeddb/auto';
import { storageConformance } from '../conformance/storage-conformance';
import { storageTargets } from '../conformance/storage-targets';
import { storageSpecifics } from '../conformance/storage-specifics';
import { describe } from 'vitest';

for (const target of storageTargets()) storageConformance(target);

describe('storage specifics', storageSpecifics);
