// Replication over every pair: local memory or IndexedDB (fake-indexeddb) × remote memory or the
// real companion server through the http storage (as an admin or a technician of site "north").
import 'fake-indexeddb/auto';
import { createStorage, type Storage } from '../../src/storage';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { replicationConformance, type RemoteUnderTest } from '../conformance/replication-conformance';
import { uniqueName } from '../conformance/helpers';
import { ADMIN_PASSWORD, startTestServer } from '../support/server-session';

class Shared extends PassThroughStorage {
  override async close(): Promise<void> {}
}

async function memoryRemote(): Promise<RemoteUnderTest> {
  const shared = createStorage({ type: 'memory' });
  // Every opener gets the same data; closing one must not close it for the others.
  const open = (): Storage => new Shared(shared);
  return { open, stop: () => shared.destroy(), hasRoles: false };
}

async function serverRemote(): Promise<RemoteUnderTest> {
  const server = await startTestServer();
  const admin = await server.login('admin', ADMIN_PASSWORD);
  const technician = await server.addUser(admin, 'tech', 'technician', ['north']);
  return {
    open: (user = 'admin') => createStorage({ type: 'http', url: server.server.url, token: user === 'admin' ? admin : technician }),
    stop: () => server.stop(false),
    hasRoles: true,
  };
}

const locals = [
  { name: 'memory', local: () => ({ type: 'memory' }) },
  { name: 'indexeddb', local: () => ({ type: 'indexeddb', database: uniqueName('replica') }) },
];
const remotes = [
  { name: 'memory', remote: memoryRemote },
  { name: 'http (server)', remote: serverRemote },
];
for (const local of locals) {
  for (const remote of remotes) replicationConformance({ name: `${local.name} ⇄ ${remote.name}`, local: local.local, remote: remote.remote });
}
