// Replication over every pair: local memory or IndexedDB (fake-indexeddb) × remote memory or the
// real companion server through the http storage (as an admin or a technician of site "north").
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, type Storage } from '../../src/storage';
import { ReplicateStorage } from '../../src/storage/replicate/replicate-storage';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { replicationConformance, type RemoteUnderTest } from '../conformance/replication-conformance';
import { rejection, uniqueName } from '../conformance/helpers';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/server-session';

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

// A document moved out of a technician's site must leave their device: their feed says it was
// deleted, and the replication deletes it here (or keeps an unsynced edit of it as a conflict,
// which the server would refuse anyway).
describe('a document moved to another site leaves the technician\'s device', () => {
  let server: TestServer;
  let admin: Storage;
  let technician: () => Storage;

  beforeAll(async () => {
    server = await startTestServer();
    const adminToken = await server.login('admin', ADMIN_PASSWORD);
    const token = await server.addUser(adminToken, 'tess', 'technician', ['north']);
    admin = createStorage({ type: 'http', url: server.server.url, token: adminToken });
    technician = () => createStorage({ type: 'http', url: server.server.url, token });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const device = () => new ReplicateStorage(createStorage({ type: 'memory' }), technician(), createStorage({ type: 'memory' }));

  it('unchanged on the device: deleted there at the next sync', async () => {
    await admin.put('moved', { type: 'work_order', site: 'north', title: 'pump' });
    await admin.put('stays', { type: 'work_order', site: 'north', title: 'valve' });
    const replica = device();
    await replica.sync();
    expect(await replica.get('moved')).toMatchObject({ title: 'pump' });
    await admin.put('moved', { type: 'work_order', site: 'south', title: 'pump' });
    const report = await replica.sync();
    expect(report).toMatchObject({ conflicts: 0, refused: [] });
    expect((await rejection(replica.get('moved'))).status).toBe(404);
    expect(await replica.get('stays')).toMatchObject({ title: 'valve' });
    // The server still has it, in its new site.
    expect(await admin.get('moved')).toMatchObject({ site: 'south' });
  });

  it('edited on the device meanwhile: a conflict, the edit kept aside, and the server keeps it in its new site', async () => {
    await admin.put('edited', { type: 'work_order', site: 'north', state: 'open' });
    const replica = device();
    await replica.sync();
    await admin.put('edited', { type: 'work_order', site: 'south', state: 'open' });
    await replica.put('edited', { type: 'work_order', site: 'north', state: 'done' });
    const report = await replica.sync();
    expect(report.conflicts).toBe(1);
    expect((await rejection(replica.get('edited'))).status).toBe(404);
    expect(await replica.conflicts()).toMatchObject([{ id: 'edited', local: { state: 'done' }, remote: null }]);
    // Keeping the device's version sends it; the server refuses it (another site's document now).
    await replica.resolveConflict('edited', 'local');
    expect((await replica.sync()).refused).toMatchObject([{ id: 'edited', status: 403 }]);
    expect(await admin.get('edited')).toMatchObject({ site: 'south', state: 'open' });
  });
});
