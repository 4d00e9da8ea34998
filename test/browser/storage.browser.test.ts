// The storage conformance suite in real Chromium: real IndexedDB, real WebCrypto, 50 MB attachments.
import { describe } from 'vitest';
import { storageConformance } from '../conformance/storage-conformance';
import { storageSpecifics } from '../conformance/storage-specifics';
import { storageTargets } from '../conformance/storage-targets';

for (const target of storageTargets()) storageConformance(target);

describe('storage specifics', storageSpecifics);
