// The storage conformance suite in Node: IndexedDB from fake-indexeddb (fast); the same suite runs
// in real Chromium from test/browser/storage.browser.test.ts.
import 'fake-indexeddb/auto';
import { storageConformance } from '../conformance/storage-conformance';
import { storageTargets } from '../conformance/storage-targets';
import { storageSpecifics } from '../conformance/storage-specifics';
import { describe } from 'vitest';

// fake-indexeddb keeps everything in JS objects: 20 MB (not piece-aligned) still spans several
// write transactions, pieces and crypt blocks; real Chromium runs the full 50 MB.
for (const target of storageTargets({ largeAttachmentBytes: 20 * 1024 * 1024 + 3 })) storageConformance(target);

describe('storage specifics', storageSpecifics);
