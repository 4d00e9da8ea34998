// The replicate storage's behaviour, run over every local × remote pair (memory/indexeddb local,
// memory/http remote): both ways, deletions, conflicts under each policy, attachments by digest,
// cuts mid-sync, no-change re-syncs, the scan fallback, and the remote's refusals.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addComment, addPhoto, editWorkOrder, mergePolicyFor, newWorkOrder, recordResult, type Role, type WorkOrder } from '../../src/core';
import { createStorage, StorageError, type Doc, type Storage, type StorageDescription } from '../../src/storage';
import { PassThroughStorage } from '../../src/storage/common/pass-through';
import { ReplicateStorage } from '../../src/storage/replicate/replicate-storage';
import { rejection } from './helpers';

export interface RemoteUnderTest {
  /** A storage over the shared remote data, as `user` (default: an administrator). */
  open(user?: 'admin' | 'technician'): Storage;
  stop(): Promise<void>;
  /** Only the http remote has users and sites: a technician assigned to site "north". */
  hasRoles: boolean;
}

export interface ReplicationPair {
  name: string;
  local: () => StorageDescription;
  remote: () => Promise<RemoteUnderTest>;
}

/** Counts what goes through a storage, and can cut the line after some writes. */
class Wire extends PassThroughStorage {
  reads = 0;
  writes = 0;
  attachmentsPut: string[] = [];
  cutAfterWrites = Infinity;
  hideChanges = false;
  /** Runs once, when the pull has read the remote's feed to its end (before the push starts). */
  afterPull: (() => Promise<void>) | undefined;

  constructor(sub: Storage) {
    super(sub);
    // The base class copies bulkDocs as an own property; count its writes too.
    if (sub.bulkDocs) {
      Object.defineProperty(this, 'bulkDocs', {
        value: async (writes: Parameters<NonNullable<Storage['bulkDocs']>>[0]) => {
          for (let i = 0; i < writes.length; i++) this.#write();
          return sub.bulkDocs!(writes);
        },
      });
    }
  }

  #write(): void {
    if (++this.writes > this.cutAfterWrites) throw new StorageError('unavailable', 'the line was cut (test)');
  }
  override get(id: string): Promise<Doc> {
    this.reads++;
    return super.get(id);
  }
  override put(id: string, doc: Doc): Promise<string> {
    this.#write();
    return super.put(id, doc);
  }
  override remove(id: string): Promise<string> {
    this.#write();
    return super.remove(id);
  }
  /** Runs once before the next attachment write goes through (another writer getting in between). */
  beforeAttachmentWrite: (() => Promise<void>) | undefined;
  override async putAttachment(id: string, name: string, data: Parameters<Storage['putAttachment']>[2], type?: string, options?: Parameters<Storage['putAttachment']>[4]): Promise<void> {
    this.#write();
    this.attachmentsPut.push(`${id}/${name}`);
    const hook = this.beforeAttachmentWrite;
    this.beforeAttachmentWrite = undefined;
    await hook?.();
    return super.putAttachment(id, name, data, type, options);
  }
  override async changes(options?: Parameters<Storage['changes']>[0]): Promise<Awaited<ReturnType<Storage['changes']>>> {
    const page = await super.changes(options);
    const hook = this.afterPull;
    if (page.results.length === 0 && hook) {
      this.afterPull = undefined;
      await hook();
    }
    return page;
  }
  override hasCapacity(name: string): boolean {
    if (this.hideChanges && name === 'changes') return false;
    return super.hasCapacity(name);
  }
}

type Policy = 'keep_both' | 'keep_local' | 'keep_remote';

/** Who makes an edit at minute `minute` of the day (a fresh history entry id each time). */
function who(by: string, minute: number, role: Role = 'technician') {
  return { by, at: new Date(Date.UTC(2026, 11, 1, 8, minute)).toISOString(), id: crypto.randomUUID(), role };
}

/** A work order with a two-item checklist, as an engineer planned it. */
function plannedWorkOrder(title = 'Gearbox oil'): WorkOrder {
  return newWorkOrder(
    {
      site: 'north',
      title,
      checklist: [
        { id: 'c1', label: 'Oil level', kind: 'pass_fail' },
        { id: 'c2', label: 'Oil temperature', kind: 'value', unit: '°C' },
      ],
    },
    who('engineer', 0, 'engineer'),
  );
}

const asDoc = (order: WorkOrder): Doc => order as unknown as Doc;
const asOrder = (doc: Doc): WorkOrder => doc as unknown as WorkOrder;
/** Field names whose values differ between two versions. */
function differing(a: Doc | null, b: Doc | null): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((key) => JSON.stringify(a?.[key]) !== JSON.stringify(b?.[key])).sort();
}

export function replicationConformance(pair: ReplicationPair): void {
  describe(`replicate: ${pair.name}`, () => {
    let remote: RemoteUnderTest;
    const opened: Storage[] = [];

    beforeEach(async () => {
      remote = await pair.remote();
    });
    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close().catch(() => undefined);
      await remote.stop();
    });

    /** A tablet: its own local storage and signatures, syncing with the shared remote. */
    function tablet(options: { policy?: Policy; wire?: Wire; user?: 'admin' | 'technician'; extra?: Record<string, unknown> } = {}) {
      const wire = options.wire ?? new Wire(remote.open(options.user));
      const local = createStorage(pair.local());
      const signatures = createStorage({ type: 'memory' });
      const replica = new ReplicateStorage(local, wire, signatures, { conflict_handling: options.policy ?? 'keep_both', ...options.extra });
      opened.push(local);
      return { replica, local, wire };
    }

    it('is built from a JSON description like every storage', async () => {
      const replica = createStorage({
        type: 'replicate',
        local_sub_storage: pair.local(),
        remote_sub_storage: { type: 'memory' },
        signature_sub_storage: { type: 'memory' },
      }) as ReplicateStorage;
      await replica.put('a', { n: 1 });
      expect((await replica.sync()).pushed).toBe(1);
      expect((await rejection(Promise.resolve().then(() => createStorage({ type: 'replicate', local_sub_storage: { type: 'memory' } })))).status).toBe(400);
      expect(() => createStorage({ type: 'replicate', local_sub_storage: { type: 'memory' }, remote_sub_storage: { type: 'memory' }, signature_sub_storage: { type: 'memory' }, conflict_handling: 'newest' })).toThrow(/conflict_handling/);
    });

    it('pulls documents and attachments, then a second sync moves nothing', async () => {
      const server = remote.open();
      await server.put('w1', { type: 'note', site: 'north', title: 'Check gearbox' });
      await server.put('w2', { type: 'note', site: 'north', title: 'Replace filter' });
      await server.putAttachment('w2', 'photo.jpg', new Uint8Array([1, 2, 3, 4]), 'image/jpeg');
      const { replica, wire } = tablet();
      const first = await replica.sync();
      expect(first.pulled).toBe(2);
      expect(await replica.get('w1')).toEqual({ type: 'note', site: 'north', title: 'Check gearbox' });
      expect(new Uint8Array(await replica.getAttachment('w2', 'photo.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 2, 3, 4]));
      expect((await replica.allAttachments('w2'))['photo.jpg']?.content_type).toBe('image/jpeg');
      const readsBefore = wire.reads;
      const writesBefore = wire.writes;
      const second = await replica.sync();
      expect(second).toMatchObject({ pulled: 0, pushed: 0, conflicts: 0 });
      expect(wire.reads - readsBefore).toBe(0);
      expect(wire.writes - writesBefore).toBe(0);
    });

    it('pushes creations, edits and deletions made here', async () => {
      const server = remote.open();
      await server.put('old', { type: 'inspection', site: 'north', note: 'to delete' });
      await server.put('edit', { type: 'inspection', site: 'north', note: 'v1' });
      const { replica } = tablet();
      await replica.sync();
      await replica.put('new', { type: 'inspection', site: 'north', note: 'made offline' });
      await replica.putAttachment('new', 'reading.bin', new Uint8Array([9, 9]), 'application/octet-stream');
      await replica.put('edit', { type: 'inspection', site: 'north', note: 'v2' });
      await replica.remove('old');
      const report = await replica.sync();
      expect(report.pushed).toBe(3);
      expect(await server.get('new')).toEqual({ type: 'inspection', site: 'north', note: 'made offline' });
      expect(new Uint8Array(await server.getAttachment('new', 'reading.bin', { format: 'array_buffer' }))).toEqual(new Uint8Array([9, 9]));
      expect(await server.get('edit')).toEqual({ type: 'inspection', site: 'north', note: 'v2' });
      expect((await rejection(server.get('old'))).status).toBe(404);
    });

    it('two tablets editing different documents converge on both', async () => {
      const a = tablet();
      const b = tablet();
      await a.replica.put('from-a', { type: 'inspection', site: 'north', by: 'a' });
      await b.replica.put('from-b', { type: 'inspection', site: 'north', by: 'b' });
      await a.replica.sync();
      await b.replica.sync();
      await a.replica.sync();
      for (const side of [a.replica, b.replica]) {
        expect((await side.allDocs()).rows.map((row) => row.id).sort()).toEqual(['from-a', 'from-b']);
      }
    });

    it('keep_both: the same record edited on two tablets keeps the first synced and shows the other as a conflict', async () => {
      const a = tablet();
      const b = tablet();
      await a.replica.put('r', { type: 'inspection', site: 'north', note: 'base' });
      await a.replica.sync();
      await b.replica.sync();
      await a.replica.put('r', { type: 'inspection', site: 'north', note: 'from a' });
      await b.replica.put('r', { type: 'inspection', site: 'north', note: 'from b' });
      await a.replica.sync();
      const report = await b.replica.sync();
      expect(report.conflicts).toBe(1);
      expect(await b.replica.get('r')).toMatchObject({ note: 'from a' });
      const [conflict] = await b.replica.conflicts();
      expect(conflict).toMatchObject({ id: 'r', local: { note: 'from b' }, remote: { note: 'from a' } });
      // Nothing is lost: b chooses its own version, and it reaches the server and a.
      await b.replica.resolveConflict('r', 'local');
      expect(await b.replica.conflicts()).toEqual([]);
      await b.replica.sync();
      await a.replica.sync();
      expect(await remote.open().get('r')).toMatchObject({ note: 'from b' });
      expect(await a.replica.get('r')).toMatchObject({ note: 'from b' });
    });

    it('keep_local and keep_remote settle a conflict without asking', async () => {
      const server = remote.open();
      await server.put('x', { type: 'inspection', site: 'north', v: 0 });
      const mine = tablet({ policy: 'keep_local' });
      const theirs = tablet({ policy: 'keep_remote' });
      await mine.replica.sync();
      await theirs.replica.sync();
      await server.put('x', { type: 'inspection', site: 'north', v: 'server' });
      await mine.replica.put('x', { type: 'inspection', site: 'north', v: 'mine' });
      await theirs.replica.put('x', { type: 'inspection', site: 'north', v: 'theirs' });
      await theirs.replica.sync();
      expect(await theirs.replica.get('x')).toMatchObject({ v: 'server' });
      await mine.replica.sync();
      expect(await server.get('x')).toMatchObject({ v: 'mine' });
      expect(await mine.replica.conflicts()).toEqual([]);
      expect(await theirs.replica.conflicts()).toEqual([]);
    });

    it('an offline edit to a record deleted on the server is a conflict, neither resurrected nor lost', async () => {
      const server = remote.open();
      await server.put('d', { type: 'note', site: 'north', state: 'open' });
      const { replica } = tablet();
      await replica.sync();
      await server.remove('d');
      await replica.put('d', { type: 'note', site: 'north', state: 'done', note: 'fixed it' });
      const report = await replica.sync();
      expect(report.conflicts).toBe(1);
      expect((await rejection(server.get('d'))).status).toBe(404);
      expect((await rejection(replica.get('d'))).status).toBe(404);
      const [conflict] = await replica.conflicts();
      expect(conflict).toMatchObject({ id: 'd', local: { state: 'done', note: 'fixed it' }, remote: null });
      // Later syncs do not bring it back by themselves.
      await replica.sync();
      expect((await rejection(server.get('d'))).status).toBe(404);
      // The technician decides to keep the edit: now it is restored everywhere, on purpose.
      await replica.resolveConflict('d', 'local');
      await replica.sync();
      expect(await server.get('d')).toMatchObject({ state: 'done' });
    });

    it('a deletion made here against an edit on the server is a conflict too; "remote" keeps the edit', async () => {
      const server = remote.open();
      await server.put('e', { type: 'note', site: 'north', v: 1 });
      const { replica } = tablet();
      await replica.sync();
      await replica.remove('e');
      await server.put('e', { type: 'note', site: 'north', v: 2 });
      expect((await replica.sync()).conflicts).toBe(1);
      expect(await replica.get('e')).toMatchObject({ v: 2 });
      expect((await replica.conflicts())[0]).toMatchObject({ local: null, remote: { v: 2 } });
      await replica.resolveConflict('e', 'remote');
      await replica.sync();
      expect(await server.get('e')).toMatchObject({ v: 2 });
      expect(await replica.conflicts()).toEqual([]);
    });

    it('a deletion synced once never comes back from another tablet that did not touch it', async () => {
      const a = tablet();
      const b = tablet();
      await a.replica.put('gone', { type: 'inspection', site: 'north' });
      await a.replica.sync();
      await b.replica.sync();
      await a.replica.remove('gone');
      await a.replica.sync();
      await b.replica.sync();
      await a.replica.sync();
      await b.replica.sync();
      expect((await rejection(b.replica.get('gone'))).status).toBe(404);
      expect((await rejection(remote.open().get('gone'))).status).toBe(404);
      expect((await rejection(a.replica.get('gone'))).status).toBe(404);
    });

    it('only attachments that changed travel (an array chunk appended on the tablet)', async () => {
      const { replica, wire } = tablet();
      await replica.put('arr', { type: 'inspection', site: 'north', length: 2 });
      await replica.putAttachment('arr', 'values/0', new Float32Array(1000).fill(1));
      await replica.putAttachment('arr', 'values/1', new Float32Array(10).fill(2));
      await replica.sync();
      expect(wire.attachmentsPut.sort()).toEqual(['arr/values/0', 'arr/values/1']);
      wire.attachmentsPut = [];
      await replica.putAttachment('arr', 'values/1', new Float32Array(20).fill(2));
      await replica.put('arr', { type: 'inspection', site: 'north', length: 3 });
      const report = await replica.sync();
      expect(wire.attachmentsPut).toEqual(['arr/values/1']);
      expect(report.bytes).toBeLessThan(200);
      expect(new Float32Array(await remote.open().getAttachment('arr', 'values/1', { format: 'array_buffer' }))).toHaveLength(20);
    });

    it('a changed array chunk pushed while the server appended to the array: the server keeps its chunk, the push gets the conflict', async () => {
      const server = remote.open();
      const meta = (length: number) => ({ type: 'reading', kind: 'fl-channel-array', site: 'north', length });
      await server.put('arr', meta(10));
      await server.putAttachment('arr', 'values/0', new Float32Array(10).fill(1));
      const { replica, wire } = tablet();
      await replica.sync();
      // The tablet extends the last chunk with its own samples ...
      await replica.putAttachment('arr', 'values/0', new Float32Array(15).fill(2));
      await replica.put('arr', meta(15));
      // ... while the server appends to the same chunk, after this sync's pull has looked.
      wire.afterPull = async () => {
        await server.putAttachment('arr', 'values/0', Float32Array.from({ length: 12 }, (_, index) => (index < 10 ? 1 : 3)));
        await server.put('arr', meta(12));
      };
      const report = await replica.sync();
      expect(wire.afterPull).toBeUndefined();
      // The server's chunk and metadata are its own, whatever the tablet sent.
      expect(await server.get('arr')).toMatchObject({ length: 12 });
      expect([...new Float32Array(await server.getAttachment('arr', 'values/0', { format: 'array_buffer' }))]).toEqual([...Array(10).fill(1), 3, 3]);
      // The push was refused as a conflict and decided again: the tablet's version is kept aside, not lost.
      expect(report.conflicts).toBe(1);
      const [conflict] = await replica.conflicts();
      expect(conflict).toMatchObject({ id: 'arr', local: { length: 15 }, remote: { length: 12 } });
      expect(await replica.get('arr')).toMatchObject({ length: 12 });
      expect(new Float32Array(await replica.getAttachment('arr', 'values/0', { format: 'array_buffer' }))).toHaveLength(12);
    });

    it('the server appends after the push checked its version, before the chunk is written: the server keeps its chunk, the push gets the conflict', async ({ skip }) => {
      const server = remote.open();
      const { replica, wire } = tablet();
      if (!wire.hasCapacity('bulk') && !wire.hasCapacity('attachment_expect')) skip('this remote can only check a version before the attachments are written');
      const meta = (length: number) => ({ type: 'reading', kind: 'fl-channel-array', site: 'north', length });
      await server.put('arr', meta(10));
      await server.putAttachment('arr', 'values/0', new Float32Array(10).fill(1));
      await replica.sync();
      await replica.putAttachment('arr', 'values/0', new Float32Array(15).fill(2));
      await replica.put('arr', meta(15));
      // The server's own append lands between the push's look at the version and its chunk write.
      wire.beforeAttachmentWrite = async () => {
        await server.putAttachment('arr', 'values/0', Float32Array.from({ length: 12 }, (_, index) => (index < 10 ? 1 : 3)));
        await server.put('arr', meta(12));
      };
      const report = await replica.sync();
      expect(wire.beforeAttachmentWrite).toBeUndefined();
      expect(await server.get('arr')).toMatchObject({ length: 12 });
      expect([...new Float32Array(await server.getAttachment('arr', 'values/0', { format: 'array_buffer' }))]).toEqual([...Array(10).fill(1), 3, 3]);
      expect(report.conflicts).toBe(1);
      const [conflict] = await replica.conflicts();
      expect(conflict).toMatchObject({ id: 'arr', local: { length: 15 }, remote: { length: 12 } });
    });

    it('a sync cut in the middle resumes without loss or duplicates', async () => {
      const server = remote.open();
      const wire = new Wire(remote.open());
      const { replica } = tablet({ wire, extra: { batch_size: 7 } });
      for (let i = 0; i < 40; i++) await server.put(`s${i}`, { type: 'inspection', site: 'north', i });
      for (let i = 0; i < 40; i++) await replica.put(`t${i}`, { type: 'inspection', site: 'north', i });
      wire.cutAfterWrites = 12;
      const error = await rejection(replica.sync());
      expect(error.code).toBe('unavailable');
      wire.cutAfterWrites = Infinity;
      await replica.sync();
      const here = (await replica.allDocs()).rows.map((row) => row.id).sort();
      const there = (await server.allDocs()).rows.map((row) => row.id).sort();
      expect(here).toHaveLength(80);
      expect(there).toEqual(here);
      expect((await replica.sync())).toMatchObject({ pulled: 0, pushed: 0 });
    });

    it('without a changes feed it falls back to comparing every id with its signature', async () => {
      const server = remote.open();
      await server.put('p', { type: 'inspection', site: 'north', n: 1 });
      const wire = new Wire(remote.open());
      wire.hideChanges = true;
      const { replica } = tablet({ wire });
      await replica.put('q', { type: 'inspection', site: 'north', n: 2 });
      const report = await replica.sync();
      expect(report).toMatchObject({ pulled: 1, pushed: 1 });
      await server.remove('p');
      await replica.sync();
      expect((await rejection(replica.get('p'))).status).toBe(404);
      expect(await server.get('q')).toMatchObject({ n: 2 });
    });

    it('check_local_* false makes it pull-only; query limits what syncs', async () => {
      const server = remote.open();
      await server.put('n1', { type: 'channel', site: 'north' });
      await server.put('s1', { type: 'channel', site: 'south' });
      const { replica } = tablet({ extra: { check_local_creation: false, check_local_modification: false, check_local_deletion: false, query: 'site:north' } });
      await replica.put('mine', { type: 'inspection', site: 'north' });
      await replica.sync();
      expect((await replica.allDocs()).rows.map((row) => row.id).sort()).toEqual(['mine', 'n1']);
      expect((await rejection(server.get('mine'))).status).toBe(404);
    });

    it('widening the query brings the documents the narrower one left out (checkpoints are kept per query)', async () => {
      const server = remote.open();
      await server.put('n1', { type: 'channel', site: 'north' });
      await server.put('s1', { type: 'channel', site: 'south' });
      const local = createStorage(pair.local());
      const signatures = createStorage({ type: 'memory' });
      opened.push(local);
      const narrow = new ReplicateStorage(local, remote.open(), signatures, { query: 'site:north' });
      await narrow.sync();
      expect((await local.allDocs()).rows.map((row) => row.id)).toEqual(['n1']);
      // The same device and bookkeeping, a wider filter: s1 is older than the checkpoint of the
      // narrow one, and still comes down.
      const wide = new ReplicateStorage(local, remote.open(), signatures, { query: 'site:north OR site:south' });
      const report = await wide.sync();
      expect(report.pulled).toBe(1);
      expect((await local.allDocs()).rows.map((row) => row.id).sort()).toEqual(['n1', 's1']);
      expect((await wide.sync()).pulled).toBe(0);
    });

    it('reports progress as pages go', async () => {
      const server = remote.open();
      for (let i = 0; i < 12; i++) await server.put(`g${i}`, { type: 'inspection', site: 'north' });
      const { replica } = tablet({ extra: { batch_size: 5 } });
      const seen: number[] = [];
      replica.addEventListener('progress', (event) => seen.push((event as CustomEvent<{ done: number }>).detail.done));
      await replica.sync();
      expect(seen.slice(0, 3)).toEqual([5, 10, 12]);
    });

    it('two tablets write one photo name offline (a document that is not merged): the second to sync keeps the first\'s photo and its own with the conflict', async () => {
      const server = remote.open();
      await server.put('i', { type: 'inspection', site: 'north', photos: [] });
      const a = tablet();
      const b = tablet();
      await a.replica.sync();
      await b.replica.sync();
      // a only adds the photo (its document JSON stays as synced); b adds one of the same name and lists it.
      await a.replica.putAttachment('i', 'photo/p.jpg', new Uint8Array([1, 1]), 'image/jpeg');
      await b.replica.putAttachment('i', 'photo/p.jpg', new Uint8Array([2, 2, 2]), 'image/jpeg');
      await b.replica.put('i', { type: 'inspection', site: 'north', photos: ['photo/p.jpg'], by: 'b' });
      await a.replica.sync();
      expect(await b.replica.sync()).toMatchObject({ conflicts: 1 });
      expect(new Uint8Array(await server.getAttachment('i', 'photo/p.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 1]));
      expect((await b.replica.conflicts())[0]).toMatchObject({ id: 'i', local: { by: 'b' } });
      await b.replica.resolveConflict('i', 'local');
      await b.replica.sync();
      expect(new Uint8Array(await server.getAttachment('i', 'photo/p.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([2, 2, 2]));
    });

    it('a photo another device writes under the same name while this sync pushes its own is not overwritten: the push gets a conflict, neither photo is lost', async () => {
      const server = remote.open();
      await server.put('i', { type: 'inspection', site: 'north', photos: [] });
      const wire = new Wire(remote.open());
      const { replica } = tablet({ wire });
      await replica.sync();
      await replica.putAttachment('i', 'photo/p.jpg', new Uint8Array([2, 2, 2]), 'image/jpeg');
      await replica.put('i', { type: 'inspection', site: 'north', photos: ['photo/p.jpg'] });
      // The other device's upload lands between this sync's look at the server and its own upload.
      wire.beforeAttachmentWrite = async () => {
        await server.putAttachment('i', 'photo/p.jpg', new Uint8Array([1, 1]), 'image/jpeg');
      };
      const report = await replica.sync();
      expect(wire.beforeAttachmentWrite).toBeUndefined();
      expect(new Uint8Array(await server.getAttachment('i', 'photo/p.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 1]));
      expect(report.conflicts).toBe(1);
      const [conflict] = await replica.conflicts();
      expect(conflict).toMatchObject({ id: 'i', local: { photos: ['photo/p.jpg'] } });
      expect(Object.keys(conflict!.local_attachments)).toEqual(['photo/p.jpg']);
      // Kept aside, not lost: choosing this device's version sends its photo.
      await replica.resolveConflict('i', 'local');
      await replica.sync();
      expect(new Uint8Array(await server.getAttachment('i', 'photo/p.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([2, 2, 2]));
    });

    describe('three-way merge of work orders', () => {
      const merging = (options: Parameters<typeof tablet>[0] = {}) => tablet({ ...options, extra: { merge: mergePolicyFor, ...options.extra } });

      it('two tablets change different fields offline: both changes merge on the server and both tablets, no conflict', async () => {
        const server = remote.open();
        await server.put('work_order/w1', asDoc(plannedWorkOrder()));
        const a = merging();
        const b = merging();
        await a.replica.sync();
        await b.replica.sync();
        await a.replica.put('work_order/w1', asDoc(editWorkOrder(asOrder(await a.replica.get('work_order/w1')), { priority: 'high' }, who('anna', 10))));
        let mine = recordResult(asOrder(await b.replica.get('work_order/w1')), 'c1', 'pass', who('ben', 11));
        mine = editWorkOrder(mine, { notes: 'Seal replaced' }, who('ben', 12));
        await b.replica.put('work_order/w1', asDoc(mine));
        await a.replica.sync();
        const report = await b.replica.sync();
        expect(report).toMatchObject({ conflicts: 0, merged: 1 });
        await a.replica.sync();
        const held = asOrder(await server.get('work_order/w1'));
        expect(held).toMatchObject({ priority: 'high', notes: 'Seal replaced', results: { c1: { value: 'pass', by: 'ben' } }, updated_by: 'ben' });
        expect(held.history?.map((entry) => entry.by)).toEqual(['engineer', 'anna', 'ben', 'ben']);
        expect(await a.replica.get('work_order/w1')).toEqual(held);
        expect(await b.replica.get('work_order/w1')).toEqual(held);
        expect(await b.replica.conflicts()).toEqual([]);
        // Merged and recorded: nothing moves any more.
        expect(await a.replica.sync()).toMatchObject({ pulled: 0, pushed: 0, merged: 0 });
        expect(await b.replica.sync()).toMatchObject({ pulled: 0, pushed: 0, merged: 0 });
      });

      it('the same field changed on both is a conflict naming it: the server\'s value in use, the device\'s merge beside it differing only there', async () => {
        const server = remote.open();
        await server.put('work_order/w2', asDoc(plannedWorkOrder()));
        const a = merging();
        const b = merging();
        await a.replica.sync();
        await b.replica.sync();
        await a.replica.put('work_order/w2', asDoc(editWorkOrder(asOrder(await a.replica.get('work_order/w2')), { notes: 'from a', actual_hours: 2 }, who('anna', 10))));
        await b.replica.put('work_order/w2', asDoc(editWorkOrder(asOrder(await b.replica.get('work_order/w2')), { notes: 'from b', priority: 'urgent' }, who('ben', 11))));
        await a.replica.sync();
        expect(await b.replica.sync()).toMatchObject({ conflicts: 1, merged: 1 });
        const inUse = asOrder(await b.replica.get('work_order/w2'));
        expect(inUse).toMatchObject({ notes: 'from a', actual_hours: 2, priority: 'urgent' });
        expect(await server.get('work_order/w2')).toEqual(inUse);
        const [conflict] = await b.replica.conflicts();
        expect(conflict).toMatchObject({ id: 'work_order/w2', fields: ['notes'], local: { notes: 'from b', actual_hours: 2, priority: 'urgent' }, remote: { notes: 'from a' } });
        expect(differing(conflict!.local, conflict!.remote)).toEqual(['notes']);
        // Both history entries are in both versions.
        expect(asOrder(conflict!.local!).history?.map((entry) => entry.by)).toEqual(['engineer', 'anna', 'ben']);
        await b.replica.resolveConflict('work_order/w2', 'local');
        await b.replica.sync();
        await a.replica.sync();
        expect(await server.get('work_order/w2')).toMatchObject({ notes: 'from b', actual_hours: 2, priority: 'urgent' });
        expect(await a.replica.get('work_order/w2')).toMatchObject({ notes: 'from b', actual_hours: 2, priority: 'urgent' });
        expect(await b.replica.conflicts()).toEqual([]);
      });

      it('history entries and checklist results from both tablets are kept; one item answered on both is a conflict of that result only', async () => {
        const server = remote.open();
        await server.put('work_order/w3', asDoc(plannedWorkOrder()));
        const a = merging();
        const b = merging();
        await a.replica.sync();
        await b.replica.sync();
        let one = recordResult(asOrder(await a.replica.get('work_order/w3')), 'c1', 'fail', who('anna', 10));
        one = addComment(one, 'Oil dark', who('anna', 11));
        one = recordResult(one, 'c2', 71, who('anna', 12));
        await a.replica.put('work_order/w3', asDoc(one));
        let two = addComment(asOrder(await b.replica.get('work_order/w3')), 'Leak at the seal', who('ben', 13));
        two = recordResult(two, 'c2', 69, who('ben', 14));
        await b.replica.put('work_order/w3', asDoc(two));
        await a.replica.sync();
        expect(await b.replica.sync()).toMatchObject({ conflicts: 1, merged: 1 });
        const held = asOrder(await server.get('work_order/w3'));
        const ids = [...one.history!, ...two.history!].map((entry) => entry.id);
        expect(held.history?.map((entry) => entry.id).sort()).toEqual([...new Set(ids)].sort());
        expect(held.history?.map((entry) => entry.comment).filter(Boolean)).toEqual(['Oil dark', 'Leak at the seal']);
        expect(held.results).toMatchObject({ c1: { value: 'fail', by: 'anna' }, c2: { value: 71, by: 'anna' } });
        const [conflict] = await b.replica.conflicts();
        expect(conflict?.fields).toEqual(['results.c2']);
        expect(asOrder(conflict!.local!).results).toMatchObject({ c1: { value: 'fail' }, c2: { value: 69, by: 'ben' } });
      });

      it('a sync cut in the middle of merging resumes: every work order merged once, nothing lost', async () => {
        const server = remote.open();
        const count = 9;
        for (let i = 0; i < count; i++) await server.put(`work_order/m${i}`, asDoc(plannedWorkOrder(`Job ${i}`)));
        const a = merging();
        const wire = new Wire(remote.open());
        const b = merging({ wire, extra: { batch_size: 4 } });
        await a.replica.sync();
        await b.replica.sync();
        for (let i = 0; i < count; i++) {
          await a.replica.put(`work_order/m${i}`, asDoc(editWorkOrder(asOrder(await a.replica.get(`work_order/m${i}`)), { priority: 'high' }, who('anna', 10))));
          await b.replica.put(`work_order/m${i}`, asDoc(recordResult(asOrder(await b.replica.get(`work_order/m${i}`)), 'c1', 'pass', who('ben', 11))));
        }
        await a.replica.sync();
        wire.cutAfterWrites = wire.writes + 5;
        expect((await rejection(b.replica.sync())).code).toBe('unavailable');
        wire.cutAfterWrites = Infinity;
        const report = await b.replica.sync();
        expect(report.conflicts).toBe(0);
        await a.replica.sync();
        for (let i = 0; i < count; i++) {
          const held = asOrder(await server.get(`work_order/m${i}`));
          expect(held).toMatchObject({ priority: 'high', results: { c1: { value: 'pass' } } });
          expect(held.history?.map((entry) => entry.by)).toEqual(['engineer', 'anna', 'ben']);
          expect(await a.replica.get(`work_order/m${i}`)).toEqual(held);
          expect(await b.replica.get(`work_order/m${i}`)).toEqual(held);
        }
        expect(await b.replica.conflicts()).toEqual([]);
      });

      it('without a base (the sync bookkeeping was lost) both changes conflict as a whole, as for any document', async () => {
        const server = remote.open();
        await server.put('work_order/w4', asDoc(plannedWorkOrder()));
        const a = merging();
        const b = merging();
        await a.replica.sync();
        await b.replica.sync();
        await a.replica.put('work_order/w4', asDoc(editWorkOrder(asOrder(await a.replica.get('work_order/w4')), { priority: 'high' }, who('anna', 10))));
        await b.replica.put('work_order/w4', asDoc(editWorkOrder(asOrder(await b.replica.get('work_order/w4')), { notes: 'b' }, who('ben', 11))));
        await a.replica.sync();
        const fresh = new ReplicateStorage(b.local, new Wire(remote.open()), createStorage({ type: 'memory' }), { merge: mergePolicyFor });
        expect(await fresh.sync()).toMatchObject({ conflicts: 1, merged: 0 });
        const [conflict] = await fresh.conflicts();
        expect(conflict?.fields).toBeUndefined();
        expect(conflict).toMatchObject({ local: { notes: 'b' }, remote: { priority: 'high', notes: '' } });
        expect(conflict?.local?.priority).toBeUndefined();
      });

      it('photos added on both tablets are all kept (attachments merge by name)', async () => {
        const server = remote.open();
        await server.put('work_order/w5', asDoc(plannedWorkOrder()));
        const a = merging();
        const b = merging();
        await a.replica.sync();
        await b.replica.sync();
        const meta = (by: string) => ({ taken_at: '2026-12-01T08:10:00.000Z', by, width: 4, height: 3, bytes: 3 });
        await a.replica.putAttachment('work_order/w5', 'photo/a.jpg', new Uint8Array([1, 1, 1]), 'image/jpeg');
        await a.replica.put('work_order/w5', asDoc(addPhoto(asOrder(await a.replica.get('work_order/w5')), 'photo/a.jpg', meta('anna'), who('anna', 10))));
        await b.replica.putAttachment('work_order/w5', 'photo/b.jpg', new Uint8Array([2, 2, 2]), 'image/jpeg');
        await b.replica.put('work_order/w5', asDoc(addPhoto(asOrder(await b.replica.get('work_order/w5')), 'photo/b.jpg', meta('ben'), who('ben', 11))));
        await a.replica.sync();
        expect(await b.replica.sync()).toMatchObject({ conflicts: 0, merged: 1 });
        await a.replica.sync();
        for (const side of [server, a.replica, b.replica]) {
          expect(Object.keys(asOrder(await side.get('work_order/w5')).photos ?? {}).sort()).toEqual(['photo/a.jpg', 'photo/b.jpg']);
          expect(new Uint8Array(await side.getAttachment('work_order/w5', 'photo/a.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 1, 1]));
          expect(new Uint8Array(await side.getAttachment('work_order/w5', 'photo/b.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([2, 2, 2]));
        }
      });

      it('two tablets writing the same photo name offline: neither photo is lost (the second is kept with the conflict)', async () => {
        const server = remote.open();
        await server.put('work_order/w6', asDoc(plannedWorkOrder()));
        const a = merging();
        const b = merging();
        await a.replica.sync();
        await b.replica.sync();
        const meta = (by: string) => ({ taken_at: '2026-12-01T08:10:00.000Z', by, width: 4, height: 3, bytes: 3 });
        await a.replica.putAttachment('work_order/w6', 'photo/same.jpg', new Uint8Array([1, 1, 1]), 'image/jpeg');
        await a.replica.put('work_order/w6', asDoc(addPhoto(asOrder(await a.replica.get('work_order/w6')), 'photo/same.jpg', meta('anna'), who('anna', 10))));
        await b.replica.putAttachment('work_order/w6', 'photo/same.jpg', new Uint8Array([2, 2, 2]), 'image/jpeg');
        await b.replica.put('work_order/w6', asDoc(addPhoto(asOrder(await b.replica.get('work_order/w6')), 'photo/same.jpg', meta('ben'), who('ben', 11))));
        await a.replica.sync();
        expect(await b.replica.sync()).toMatchObject({ conflicts: 1 });
        expect(new Uint8Array(await server.getAttachment('work_order/w6', 'photo/same.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 1, 1]));
        const [conflict] = await b.replica.conflicts();
        expect(conflict?.fields).toEqual(['photos.photo/same.jpg', 'attachments/photo/same.jpg']);
        // Ben's photo was kept aside with the conflict: choosing his version brings it to the server.
        await b.replica.resolveConflict('work_order/w6', 'local');
        await b.replica.sync();
        expect(new Uint8Array(await server.getAttachment('work_order/w6', 'photo/same.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([2, 2, 2]));
        expect(asOrder(await server.get('work_order/w6')).photos?.['photo/same.jpg']?.by).toBe('ben');
      });
    });

    it('a write the remote refuses is kept here and reported, the rest goes through', async ({ skip }) => {
      if (!remote.hasRoles) skip('only the http remote has roles and sites');
      const { replica } = tablet({ user: 'technician' });
      await replica.put('ok', { type: 'inspection', site: 'north', note: 'mine' });
      await replica.put('nope', { type: 'inspection', site: 'south', note: 'not my site' });
      const report = await replica.sync();
      expect(report.pushed).toBe(1);
      expect(report.refused).toMatchObject([{ id: 'nope', status: 403 }]);
      expect(await replica.get('nope')).toMatchObject({ note: 'not my site' });
      expect(await remote.open().get('ok')).toMatchObject({ note: 'mine' });
      // Still refused (and still kept) at the next sync; fixed by the technician, it goes.
      expect((await replica.sync()).refused).toHaveLength(1);
      await replica.put('nope', { type: 'inspection', site: 'north', note: 'moved to my site' });
      const fixed = await replica.sync();
      expect(fixed.refused).toEqual([]);
      expect(await remote.open().get('nope')).toMatchObject({ site: 'north' });
    });
  });
}

