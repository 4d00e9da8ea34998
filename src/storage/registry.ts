/**
 * `createStorage(description)`: builds a storage (and its sub-storages) from a plain JSON
 * description, e.g. `{type: 'query', sub_storage: {type: 'uuid', sub_storage: {type: 'indexeddb',
 * database: 'field'}}}`. `registerStorage` adds types (the server's `http` storage, `replicate`).
 */
import { StorageError } from './errors';
import type { Storage, StorageDescription } from './storage';
import { MemoryStorage } from './memory/memory-storage';
import { IndexedDbStorage } from './indexeddb/indexeddb-storage';
import { QueryStorage } from './query/query-storage';
import { UuidStorage } from './uuid/uuid-storage';
import { CryptStorage } from './crypt/crypt-storage';
import { HttpStorage } from './http/http-storage';
import { ReplicateStorage, type ReplicateOptions } from './replicate/replicate-storage';

/** Builds a storage of one type; `create` builds sub-storages from their descriptions. */
export type StorageFactory = (description: StorageDescription, create: (description: StorageDescription) => Storage) => Storage;

const factories = new Map<string, StorageFactory>();

/** Adds (or replaces) a storage type. */
export function registerStorage(type: string, factory: StorageFactory): void {
  if (typeof type !== 'string' || type === '') throw new StorageError('bad_request', 'a storage type must be a non-empty string');
  factories.set(type, factory);
}

/** Builds the storage a description describes; a bad description throws StorageError 400. */
export function createStorage(description: StorageDescription): Storage {
  if (typeof description !== 'object' || description === null || Array.isArray(description)) {
    throw new StorageError('bad_request', 'a storage description must be an object like {"type": "memory"}');
  }
  const factory = factories.get(description.type);
  if (!factory) {
    throw new StorageError('bad_request', `unknown storage type ${JSON.stringify(description.type)} (known: ${[...factories.keys()].join(', ')})`);
  }
  return factory(description, createStorage);
}

/** The description's sub_storage, built; 400 when it is missing. */
function subStorage(description: StorageDescription, create: (description: StorageDescription) => Storage): Storage {
  if (typeof description.sub_storage !== 'object' || description.sub_storage === null) {
    throw new StorageError('bad_request', `a ${description.type} storage needs a "sub_storage" description`);
  }
  return create(description.sub_storage);
}

registerStorage('memory', () => new MemoryStorage());
registerStorage('indexeddb', (description) => new IndexedDbStorage(description as unknown as { database: string; index?: string[] }));
registerStorage('query', (description, create) => new QueryStorage(subStorage(description, create)));
registerStorage('uuid', (description, create) => new UuidStorage(subStorage(description, create)));
registerStorage(
  'crypt',
  (description, create) => new CryptStorage(subStorage(description, create), description as unknown as { passphrase: string; iterations?: number }),
);
registerStorage('http', (description) => new HttpStorage(description as unknown as { url: string; token?: string }));
registerStorage('replicate', (description, create) => {
  const part = (name: string): Storage => {
    const sub = description[name];
    if (typeof sub !== 'object' || sub === null) throw new StorageError('bad_request', `a replicate storage needs a "${name}" description`);
    return create(sub as StorageDescription);
  };
  return new ReplicateStorage(part('local_sub_storage'), part('remote_sub_storage'), part('signature_sub_storage'), description as ReplicateOptions);
});
