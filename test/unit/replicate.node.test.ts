// Replication over every pair: local memory or IndexedDB (fake-indexeddb) × remote memory or the
// real companion server through the http storage (as an admin or a technician of site "north").
import 'fake-indexeddb/auto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/server';
import { makeTempDir } from '../support/temp-dir';
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
    await admin.put('moved', { type: 'note', site: 'north', title: 'pump' });
    await admin.put('stays', { type: 'note', site: 'north', title: 'valve' });
    const replica = device();
    await replica.sync();
    expect(await replica.get('moved')).toMatchObject({ title: 'pump' });
    await admin.put('moved', { type: 'note', site: 'south', title: 'pump' });
    const report = await replica.sync();
    expect(report).toMatchObject({ conflicts: 0, refused: [] });
    expect((await rejection(replica.get('moved'))).status).toBe(404);
    expect(await replica.get('stays')).toMatchObject({ title: 'valve' });
    // The server still has it, in its new site.
    expect(await admin.get('moved')).toMatchObject({ site: 'south' });
  });

  it('edited on the device meanwhile: a conflict, the edit kept aside, and the server keeps it in its new site', async () => {
    await admin.put('edited', { type: 'note', site: 'north', state: 'open' });
    const replica = device();
    await replica.sync();
    await admin.put('edited', { type: 'note', site: 'south', state: 'open' });
    await replica.put('edited', { type: 'note', site: 'north', state: 'done' });
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

// A remote with atomic `bulk` (the server's own SQL storage): a document's changed attachments and
// the document go in one conditional write, so a remote that moved on keeps every attachment.
describe('replicate: memory ⇄ a remote with conditional bulk (server SQLite storage)', () => {
  const dir = makeTempDir('fieldline-replicate-bulk-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('pushes attachments and metadata together, and refuses them together when the remote moved on', async () => {
    const store = await SqliteStore.open(dir);
    try {
      const server = store.documents;
      let afterPull: (() => Promise<void>) | undefined;
      const bulks: number[] = [];
      // The remote as sync sees it: the store itself, with a hook when the pull reaches the feed's end.
      const remote = new Proxy(server, {
        get(target, property) {
          if (property === 'changes') {
            return async (options?: Parameters<Storage['changes']>[0]) => {
              const page = await target.changes(options);
              const hook = afterPull;
              if (page.results.length === 0 && hook) {
                afterPull = undefined;
                await hook();
              }
              return page;
            };
          }
          if (property === 'bulk') return (writes: Parameters<NonNullable<Storage['bulk']>>[0]) => (bulks.push(writes.length), target.bulk(writes));
          const value = Reflect.get(target, property) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }) as Storage;
      const meta = (length: number) => ({ type: 'reading', kind: 'fl-channel-array', site: 'north', length });
      await server.put('arr', meta(10));
      await server.putAttachment('arr', 'values/0', new Float32Array(10).fill(1));
      const replica = new ReplicateStorage(createStorage({ type: 'memory' }), remote, createStorage({ type: 'memory' }));
      await replica.sync();
      await replica.putAttachment('arr', 'values/0', new Float32Array(12).fill(1));
      await replica.putAttachment('arr', 'values/1', new Float32Array(3).fill(2));
      await replica.put('arr', meta(15));
      expect((await replica.sync()).pushed).toBe(1);
      expect(bulks).toEqual([3]); // two attachments and the metadata, in one write
      expect(await server.get('arr')).toMatchObject({ length: 15 });
      expect(new Float32Array(await server.getAttachment('arr', 'values/1', { format: 'array_buffer' }))).toEqual(new Float32Array(3).fill(2));

      await replica.sync(); // reads its own push back from the remote's feed: the next pull starts at the end
      await replica.putAttachment('arr', 'values/1', new Float32Array(5).fill(4));
      await replica.put('arr', meta(17));
      afterPull = async () => {
        await server.putAttachment('arr', 'values/1', new Float32Array(4).fill(3));
        await server.put('arr', meta(16));
      };
      const report = await replica.sync();
      expect(afterPull).toBeUndefined();
      expect(report.conflicts).toBe(1);
      expect(await server.get('arr')).toMatchObject({ length: 16 });
      expect(new Float32Array(await server.getAttachment('arr', 'values/1', { format: 'array_buffer' }))).toEqual(new Float32Array(4).fill(3));
    } finally {
      await store.close();
    }
  });
});
