// The replication conformance suite in real Chromium: the device's storage is real IndexedDB (and
// memory), the remote a memory storage shared by the tablets (the node run adds the real server).
import { createStorage, type Storage } from '../../src/storage';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { replicationConformance, type RemoteUnderTest } from '../conformance/replication-conformance';

class Shared extends PassThroughStorage {
  override async close(): Promise<void> {}
}

async function memoryRemote(): Promise<RemoteUnderTest> {
  const shared = createStorage({ type: 'memory' });
  // Every opener gets the same data; closing one must not close it for the others.
  const open = (): Storage => new Shared(shared);
  return { open, stop: () => shared.destroy(), hasRoles: false };
}

let counter = 0;
const unique = (name: string): string => `${name}-${Date.now().toString(36)}-${++counter}`;

replicationConformance({ name: 'indexeddb (Chromium) ⇄ memory', local: () => ({ type: 'indexeddb', database: unique('replica') }), remote: memoryRemote });
