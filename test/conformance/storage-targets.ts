// Every storage type and the stacks the app uses, described for the conformance suite.
import type { StorageDescription } from '../../src/storage';
import type { ConformanceTarget } from './storage-conformance';
import { indexedKeys } from './storage-fixtures';
import { uniqueName } from './helpers';

// Test-only: few PBKDF2 rounds keep the suite fast; the default is 600 000.
const crypt = (sub: StorageDescription): StorageDescription => ({ type: 'crypt', passphrase: 'correct horse battery staple', iterations: 1000, sub_storage: sub });

export function storageTargets(options: { largeAttachmentBytes?: number } = {}): ConformanceTarget[] {
  const extra = options.largeAttachmentBytes === undefined ? {} : { largeAttachmentBytes: options.largeAttachmentBytes };
  return [
    { name: 'memory', persistent: false, description: () => ({ type: 'memory' }), ...extra },
    { name: 'indexeddb', persistent: true, description: () => ({ type: 'indexeddb', database: uniqueName('plain') }), ...extra },
    {
      name: 'indexeddb with secondary indexes',
      persistent: true,
      description: () => ({ type: 'indexeddb', database: uniqueName('indexed'), index: indexedKeys }),
      ...extra,
    },
    { name: 'query over memory', persistent: false, description: () => ({ type: 'query', sub_storage: { type: 'memory' } }), ...extra },
    {
      name: 'query over uuid over indexeddb',
      persistent: true,
      description: () => ({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database: uniqueName('stack') } } }),
      ...extra,
    },
    { name: 'crypt over indexeddb (list only)', persistent: true, description: () => crypt({ type: 'indexeddb', database: uniqueName('crypt') }), ...extra },
    {
      name: 'query over crypt over indexeddb',
      persistent: true,
      description: () => ({ type: 'query', sub_storage: crypt({ type: 'indexeddb', database: uniqueName('qcrypt') }) }),
      ...extra,
    },
    { name: 'query over crypt over memory', persistent: false, description: () => ({ type: 'query', sub_storage: crypt({ type: 'memory' }) }), ...extra },
  ];
}
