/**
 * The storage contract, run against every storage type and stack (test/unit for Node with
 * fake-indexeddb, test/browser for real Chromium). Sections that need a capability run only where
 * `hasCapacity` says the storage has it; everything else is required of every storage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createStorage, StorageError, type Doc, type DocWrite, type Storage, type StorageDescription } from '../../src/storage';
import { docHash } from '../../src/core';
import { badQueries, fixtureDocs, queryTable } from './storage-fixtures';
import { rejection } from './helpers';

export interface ConformanceTarget {
  name: string;
  /** A fresh description (new database names) for each test. */
  description: () => StorageDescription;
  /** Whether data survives close() and a new storage from the same description. */
  persistent: boolean;
  /** Size of the large-attachment test in bytes (50 MB where the platform allows it). */
  largeAttachmentBytes?: number;
}


/** Byte i of the large attachment: a pattern that catches swapped or shifted pieces. */
const patternByte = (index: number): number => (index * 31 + (index >>> 16) + 7) & 0xff;

function patternBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index++) bytes[index] = patternByte(index);
  return bytes;
}

function expectPattern(bytes: Uint8Array, offset: number): void {
  for (let index = 0; index < bytes.length; index++) {
    if (bytes[index] !== patternByte(offset + index)) throw new Error(`byte ${offset + index} is ${bytes[index]}, expected ${patternByte(offset + index)}`);
  }
}

const sortedIds = (rows: Array<{ id: string }>): string[] => rows.map((row) => row.id).sort();

/** SHA-256 in lowercase hex, by the platform (not the code under test). */
async function sha256Hex(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function storageConformance(target: ConformanceTarget): void {
  describe(`storage conformance: ${target.name}`, () => {
    const opened: Storage[] = [];
    let description: StorageDescription;

    function open(): Storage {
      description = target.description();
      const storage = createStorage(description);
      opened.push(storage);
      return storage;
    }

    function reopen(): Storage {
      const storage = createStorage(description);
      opened.push(storage);
      return storage;
    }

    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.destroy().catch(() => undefined);
    });

    async function withFixtures(): Promise<Storage> {
      const storage = open();
      for (const [id, doc] of Object.entries(fixtureDocs)) await storage.put(id, doc);
      return storage;
    }

    describe('documents', () => {
      it('put then get returns the same document; put resolves to the id', async () => {
        const storage = open();
        const doc = { title: 'Pump 1', power: 150.5, tags: ['a', 'b'], nested: { deep: [1, { x: null }] }, ok: true };
        expect(await storage.put('pump-1', doc)).toBe('pump-1');
        expect(await storage.get('pump-1')).toEqual(doc);
      });

      it('put replaces the whole document', async () => {
        const storage = open();
        await storage.put('a', { x: 1, y: 2 });
        await storage.put('a', { z: 3 });
        expect(await storage.get('a')).toEqual({ z: 3 });
      });

      it('get of a missing document is a 404 StorageError', async () => {
        const storage = open();
        const error = await rejection(storage.get('nope'));
        expect(error.status).toBe(404);
        expect(error.code).toBe('not_found');
      });

      it('remove deletes; removing or reading it again is 404', async () => {
        const storage = open();
        await storage.put('a', { x: 1 });
        expect(await storage.remove('a')).toBe('a');
        expect((await rejection(storage.get('a'))).status).toBe(404);
        expect((await rejection(storage.remove('a'))).status).toBe(404);
        expect((await storage.allDocs()).rows).toEqual([]);
      });

      it('post stores under a new unique id', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('post')) return skip('the storage lacks the post capacity');
        const ids = await Promise.all([storage.post({ n: 1 }), storage.post({ n: 2 }), storage.post({ n: 3 })]);
        expect(new Set(ids).size).toBe(3);
        expect(await storage.get(ids[1]!)).toEqual({ n: 2 });
      });

      it('keeps unicode and odd ids apart and intact', async () => {
        const storage = open();
        // 700: long, and within what every storage takes (1024 bytes; crypt seals ids, 740 clear bytes fit).
        const ids = ['ü/ñ 日本 🚀', 'a/b?c#d&e=f', ' ', '.', '..', '__proto__', 'constructor', 'x'.repeat(700), 'Ä', 'ä', 'tab\tnew\nline'];
        for (const [index, id] of ids.entries()) await storage.put(id, { index, text: `Grüße 🌬️ ${id}` });
        for (const [index, id] of ids.entries()) expect(await storage.get(id)).toEqual({ index, text: `Grüße 🌬️ ${id}` });
        expect(sortedIds((await storage.allDocs()).rows)).toEqual([...ids].sort());
      });

      it('a "__proto__" key in a document (as JSON.parse makes it) is kept as a key, or the whole document refused', async () => {
        const storage = open();
        const doc = JSON.parse('{"__proto__": {"polluted": true}, "a": 2}') as Doc;
        const refused = await storage.put('proto', doc).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (refused) {
          // The server refuses such bodies outright (prototype-poisoning guard): a clear 400, nothing stored.
          expect(refused).toMatchObject({ status: 400 });
          expect((await rejection(storage.get('proto'))).status).toBe(404);
        } else {
          const back = await storage.get('proto');
          expect(Object.keys(back).sort()).toEqual(['__proto__', 'a']);
          expect(JSON.stringify(back)).toBe(JSON.stringify(doc));
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });

      it('documents are copies: changing what was passed or returned changes nothing stored', async () => {
        const storage = open();
        const doc = { list: [1, 2], inner: { v: 'a' } };
        await storage.put('a', doc);
        doc.list.push(3);
        const read = await storage.get('a');
        (read.inner as { v: string }).v = 'changed';
        expect(await storage.get('a')).toEqual({ list: [1, 2], inner: { v: 'a' } });
      });

      it.each([
        ['an empty id', '', { a: 1 }],
        ['a non-string id', 42 as unknown as string, { a: 1 }],
        ['an array document', 'a', [1, 2] as unknown as Record<string, never>],
        ['a null document', 'a', null as unknown as Record<string, never>],
        ['NaN', 'a', { v: Number.NaN }],
        ['Infinity', 'a', { v: Number.POSITIVE_INFINITY }],
        ['a Date', 'a', { v: new Date() as unknown as string }],
        ['a function', 'a', { v: (() => 1) as unknown as string }],
        ['undefined', 'a', { v: undefined as unknown as string }],
      ])('refuses %s with 400 and writes nothing', async (_what, id, doc) => {
        const storage = open();
        await storage.put('a', { before: true });
        const error = await rejection(storage.put(id, doc));
        expect(error.status).toBe(400);
        expect(await storage.get('a')).toEqual({ before: true });
      });

      it('concurrent writes of different documents all land', async () => {
        const storage = open();
        await Promise.all(Array.from({ length: 50 }, (_, index) => storage.put(`doc-${index}`, { index })));
        const rows = (await storage.allDocs()).rows;
        expect(rows).toHaveLength(50);
        expect(await storage.get('doc-37')).toEqual({ index: 37 });
      });

      it('calls made without awaiting take effect in the order they were made', async () => {
        const storage = open();
        const [, read, , , , listed, finalA] = await Promise.all([
          storage.put('a', { v: 1 }),
          storage.get('a'),
          storage.remove('a'),
          storage.put('a', { v: 2 }),
          storage.put('b', { v: 1 }),
          storage.allDocs(),
          storage.get('a'),
          storage.putAttachment('b', 'x', 'first'),
          storage.putAttachment('b', 'x', 'second'),
        ]);
        expect(read).toEqual({ v: 1 });
        expect(sortedIds(listed.rows)).toEqual(['a', 'b']);
        expect(finalA).toEqual({ v: 2 });
        expect(await storage.getAttachment('b', 'x', { format: 'text' })).toBe('second');
      });

      it('one bad put among concurrent ones fails alone', async () => {
        const storage = open();
        const results = await Promise.allSettled([storage.put('a', { v: 1 }), storage.put('b', { v: Number.NaN }), storage.put('c', { v: 3 })]);
        expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(sortedIds((await storage.allDocs()).rows)).toEqual(['a', 'c']);
      });

      it('concurrent writes of one document leave one whole version', async () => {
        const storage = open();
        await Promise.all(Array.from({ length: 20 }, (_, index) => storage.put('same', { index, copy: `v${index}` })));
        const doc = await storage.get('same');
        expect(doc.copy).toBe(`v${doc.index as number}`);
        expect((await storage.allDocs()).rows).toHaveLength(1);
      });
    });

    describe('attachments', () => {
      it('stores text, binary and Blobs, read back in every format', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.putAttachment('a', 'note.txt', 'Grüße 🚀');
        await storage.putAttachment('a', 'data.bin', new Uint8Array([0, 1, 2, 254, 255]).buffer);
        await storage.putAttachment('a', 'photo.jpg', new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' }));
        await storage.putAttachment('a', 'meta.json', JSON.stringify({ ok: [1, 2] }), 'application/json');
        expect(await storage.getAttachment('a', 'note.txt', { format: 'text' })).toBe('Grüße 🚀');
        expect([...new Uint8Array(await storage.getAttachment('a', 'data.bin', { format: 'array_buffer' }))]).toEqual([0, 1, 2, 254, 255]);
        const photo = await storage.getAttachment('a', 'photo.jpg');
        expect(photo).toBeInstanceOf(Blob);
        expect(photo.type).toBe('image/jpeg');
        expect(photo.size).toBe(3);
        expect(await storage.getAttachment('a', 'meta.json', { format: 'json' })).toEqual({ ok: [1, 2] });
        expect(await storage.allAttachments('a')).toEqual({
          'note.txt': { length: new TextEncoder().encode('Grüße 🚀').length, content_type: 'text/plain;charset=utf-8' },
          'data.bin': { length: 5, content_type: 'application/octet-stream' },
          'photo.jpg': { length: 3, content_type: 'image/jpeg' },
          'meta.json': { length: 12, content_type: 'application/json' },
        });
      });

      it('reads byte ranges, clamped to the end', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.putAttachment('a', 'abc', 'abcdefghij');
        expect(await storage.getAttachment('a', 'abc', { format: 'text', start: 2, end: 5 })).toBe('cde');
        expect(await storage.getAttachment('a', 'abc', { format: 'text', start: 7 })).toBe('hij');
        expect(await storage.getAttachment('a', 'abc', { format: 'text', end: 3 })).toBe('abc');
        expect(await storage.getAttachment('a', 'abc', { format: 'text', start: 8, end: 100 })).toBe('ij');
        expect(await storage.getAttachment('a', 'abc', { format: 'text', start: 50, end: 60 })).toBe('');
        expect(await storage.getAttachment('a', 'abc', { format: 'text', start: 4, end: 4 })).toBe('');
        expect((await rejection(storage.getAttachment('a', 'abc', { start: 5, end: 2 }))).status).toBe(400);
        expect((await rejection(storage.getAttachment('a', 'abc', { start: -1 }))).status).toBe(400);
      });

      it('an empty attachment is an empty attachment', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.putAttachment('a', 'empty', new ArrayBuffer(0));
        expect((await storage.getAttachment('a', 'empty', { format: 'array_buffer' })).byteLength).toBe(0);
        expect((await storage.allAttachments('a')).empty?.length).toBe(0);
      });

      it('missing attachments and documents are 404; bad JSON is 400', async () => {
        const storage = open();
        expect((await rejection(storage.putAttachment('ghost', 'x', 'data'))).status).toBe(404);
        await storage.put('a', {});
        expect((await rejection(storage.getAttachment('a', 'missing'))).status).toBe(404);
        expect((await rejection(storage.removeAttachment('a', 'missing'))).status).toBe(404);
        expect((await rejection(storage.allAttachments('ghost'))).status).toBe(404);
        await storage.putAttachment('a', 'bad.json', '{not json');
        expect((await rejection(storage.getAttachment('a', 'bad.json', { format: 'json' }))).status).toBe(400);
        expect((await rejection(storage.putAttachment('a', '', 'x'))).status).toBe(400);
      });

      it('replacing an attachment replaces it; removing it removes it', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.putAttachment('a', 'x', 'first version, longer');
        await storage.putAttachment('a', 'x', 'second');
        expect(await storage.getAttachment('a', 'x', { format: 'text' })).toBe('second');
        await storage.removeAttachment('a', 'x');
        expect(await storage.allAttachments('a')).toEqual({});
        expect((await rejection(storage.getAttachment('a', 'x'))).status).toBe(404);
      });

      it('removing a document removes its attachments, also for a new document with the same id', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.putAttachment('a', 'x', 'data');
        await storage.remove('a');
        await storage.put('a', {});
        expect(await storage.allAttachments('a')).toEqual({});
      });

      it('putting a document keeps its attachments', async () => {
        const storage = open();
        await storage.put('a', { v: 1 });
        await storage.putAttachment('a', 'x', 'data');
        await storage.put('a', { v: 2 });
        expect(await storage.getAttachment('a', 'x', { format: 'text' })).toBe('data');
      });

      it('a large attachment round-trips, and ranges across piece boundaries are exact', async () => {
        const size = target.largeAttachmentBytes ?? 50 * 1024 * 1024;
        const storage = open();
        await storage.put('big', { kind: 'recording' });
        await storage.putAttachment('big', 'samples.bin', new Blob([patternBytes(size)], { type: 'application/octet-stream' }));
        expect((await storage.allAttachments('big'))['samples.bin']?.length).toBe(size);
        const mib = 1024 * 1024;
        for (const [start, end] of [
          [0, 10],
          [mib - 5, mib + 5],
          [3 * mib - 1, 5 * mib + 1],
          [size - 100, size],
          [64 * 1024 - 3, 64 * 1024 + 3],
        ] as Array<[number, number]>) {
          const bytes = new Uint8Array(await storage.getAttachment('big', 'samples.bin', { format: 'array_buffer', start, end }));
          expect(bytes.length).toBe(end - start);
          expectPattern(bytes, start);
        }
        const whole = await storage.getAttachment('big', 'samples.bin');
        expect(whole.size).toBe(size);
        expectPattern(new Uint8Array(await whole.slice(size - mib - 17, size).arrayBuffer()), size - mib - 17);
      }, 120_000);
    });

    describe('conditional attachment writes (attachment_expect)', () => {
      it('an attachment write with expect happens only while the document holds that version; otherwise 409 and nothing changes', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('attachment_expect')) return skip('the storage lacks the attachment_expect capacity');
        await storage.put('arr', { kind: 'fl-channel-array', length: 10 });
        const version = docHash({ kind: 'fl-channel-array', length: 10 });
        await storage.putAttachment('arr', 'values/0', new Uint8Array([1, 1]), 'application/octet-stream', { expect: version });
        expect(new Uint8Array(await storage.getAttachment('arr', 'values/0', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 1]));
        await storage.put('arr', { kind: 'fl-channel-array', length: 12 });
        const refused = await rejection(storage.putAttachment('arr', 'values/0', new Uint8Array([2, 2, 2]), 'application/octet-stream', { expect: version }));
        expect(refused.status).toBe(409);
        expect(new Uint8Array(await storage.getAttachment('arr', 'values/0', { format: 'array_buffer' }))).toEqual(new Uint8Array([1, 1]));
        expect((await rejection(storage.removeAttachment('arr', 'values/0', { expect: version }))).status).toBe(409);
        expect(Object.keys(await storage.allAttachments('arr'))).toEqual(['values/0']);
        await storage.removeAttachment('arr', 'values/0', { expect: docHash({ kind: 'fl-channel-array', length: 12 }) });
        expect(await storage.allAttachments('arr')).toEqual({});
      });

      it('expect_digest: an attachment is written only while it has the digest named (null: while there is none); otherwise 409 and nothing changes', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('attachment_expect')) return skip('the storage lacks the attachment_expect capacity');
        await storage.put('wo', { type: 'inspection', site: 'north' });
        const first = new Uint8Array([1, 2, 3]);
        const second = new Uint8Array([4, 5, 6, 7]);
        const bytes = async () => new Uint8Array(await storage.getAttachment('wo', 'photo/a.jpg', { format: 'array_buffer' }));
        await storage.putAttachment('wo', 'photo/a.jpg', first, 'image/jpeg', { expect_digest: null });
        expect(await bytes()).toEqual(first);
        // Another device's photo of the same name is there now: neither "none" nor a wrong digest overwrites it.
        expect((await rejection(storage.putAttachment('wo', 'photo/a.jpg', second, 'image/jpeg', { expect_digest: null }))).status).toBe(409);
        expect((await rejection(storage.putAttachment('wo', 'photo/a.jpg', second, 'image/jpeg', { expect_digest: await sha256Hex(second) }))).status).toBe(409);
        expect(await bytes()).toEqual(first);
        await storage.putAttachment('wo', 'photo/a.jpg', second, 'image/jpeg', { expect_digest: await sha256Hex(first) });
        expect(await bytes()).toEqual(second);
        expect((await rejection(storage.removeAttachment('wo', 'photo/a.jpg', { expect_digest: await sha256Hex(first) }))).status).toBe(409);
        expect(await bytes()).toEqual(second);
        await storage.removeAttachment('wo', 'photo/a.jpg', { expect_digest: await sha256Hex(second) });
        expect(await storage.allAttachments('wo')).toEqual({});
        // Bad input is a 400, and nothing is written.
        const bad = await rejection(storage.putAttachment('wo', 'photo/a.jpg', first, 'image/jpeg', { expect_digest: 'not a digest' }));
        expect(bad.status).toBe(400);
        expect(await storage.allAttachments('wo')).toEqual({});
        expect(await storage.get('wo')).toEqual({ type: 'inspection', site: 'north' });
      });

      it('expect_digest: two writers of one new attachment name at once: exactly one lands, the other gets 409', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('attachment_expect')) return skip('the storage lacks the attachment_expect capacity');
        await storage.put('wo', { type: 'inspection', site: 'north' });
        const outcomes = await Promise.allSettled([
          storage.putAttachment('wo', 'photo/same.jpg', new Uint8Array([1]), 'image/jpeg', { expect_digest: null }),
          storage.putAttachment('wo', 'photo/same.jpg', new Uint8Array([2, 2]), 'image/jpeg', { expect_digest: null }),
        ]);
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const refused = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect((refused?.reason as StorageError).status).toBe(409);
        const stored = new Uint8Array(await storage.getAttachment('wo', 'photo/same.jpg', { format: 'array_buffer' }));
        expect(outcomes[0]!.status === 'fulfilled' ? [1] : [2, 2]).toEqual([...stored]);
      });

      it('expect_digest in a bulk write: checked against what was stored before the call; a mismatch writes nothing of it', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('attachment_expect') || !storage.bulk || !storage.hasCapacity('bulk')) return skip('the storage lacks bulk writes with attachment_expect');
        await storage.put('wo', { type: 'inspection', site: 'north', v: 1 });
        await storage.putAttachment('wo', 'photo/a.jpg', new Uint8Array([1]), 'image/jpeg');
        const refused = await rejection(
          storage.bulk([
            { type: 'putAttachment', id: 'wo', name: 'photo/a.jpg', data: new Uint8Array([9]), contentType: 'image/jpeg', expect_digest: null },
            { type: 'put', id: 'wo', doc: { type: 'inspection', site: 'north', v: 2 } },
          ]),
        );
        expect(refused.status).toBe(409);
        expect(await storage.get('wo')).toMatchObject({ v: 1 });
        expect(new Uint8Array(await storage.getAttachment('wo', 'photo/a.jpg', { format: 'array_buffer' }))).toEqual(new Uint8Array([1]));
        await storage.bulk([
          { type: 'putAttachment', id: 'wo', name: 'photo/a.jpg', data: new Uint8Array([9]), contentType: 'image/jpeg', expect_digest: await sha256Hex(new Uint8Array([1])) },
          { type: 'putAttachment', id: 'wo', name: 'photo/b.jpg', data: new Uint8Array([8]), contentType: 'image/jpeg', expect_digest: null },
          { type: 'put', id: 'wo', doc: { type: 'inspection', site: 'north', v: 2 } },
        ]);
        expect(await storage.get('wo')).toMatchObject({ v: 2 });
        expect(Object.keys(await storage.allAttachments('wo')).sort()).toEqual(['photo/a.jpg', 'photo/b.jpg']);
      });
    });

    describe('allDocs and the query language', () => {
      it('lists every document by id, with empty values', async () => {
        const storage = await withFixtures();
        const result = await storage.allDocs();
        expect(sortedIds(result.rows)).toEqual(Object.keys(fixtureDocs).sort());
        expect(result.total_rows).toBe(Object.keys(fixtureDocs).length);
        expect(result.rows.every((row) => Object.keys(row.value).length === 0 && row.doc === undefined)).toBe(true);
      });

      it.for(queryTable.map((entry) => [entry.query, entry.key_schema ? 'with key schema' : '', entry] as const))(
        'query %s %s',
        async ([, , entry], { skip }) => {
          const storage = await withFixtures();
          if (!storage.hasCapacity('query')) return skip('the storage lacks the query capacity');
          const result = await storage.allDocs({ query: entry.query, ...(entry.key_schema ? { key_schema: entry.key_schema } : {}) });
          expect(sortedIds(result.rows)).toEqual([...entry.ids].sort());
        },
      );

      it('accepts the JSON form of a query', async ({ skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('query')) return skip('the storage lacks the query capacity');
        const result = await storage.allDocs({
          query: {
            type: 'complex',
            operator: 'AND',
            query_list: [
              { type: 'simple', key: 'type', operator: '=', value: 'asset' },
              { type: 'simple', key: 'power', operator: '>', value: 100 },
            ],
          },
        });
        expect(sortedIds(result.rows)).toEqual(['fan-1', 'pump-1']);
      });

      it.for(badQueries)('a bad query text %j is a 400 naming the position', async (query, { skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('query')) return skip('the storage lacks the query capacity');
        const error = await rejection(storage.allDocs({ query }));
        expect(error.status).toBe(400);
        expect(error.message).toMatch(/position \d+/);
      });

      it('a malformed JSON query is a 400', async ({ skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('query')) return skip('the storage lacks the query capacity');
        const bad = { type: 'simple', key: 'x', operator: '~', value: 1 } as never;
        expect((await rejection(storage.allDocs({ query: bad }))).status).toBe(400);
      });

      it('sorts on several keys, both directions, numbers as numbers', async ({ skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('sort')) return skip('the storage lacks the sort capacity');
        const byPower = await storage.allDocs({ query: 'type:asset', sort_on: [['power', 'descending']] });
        expect(byPower.rows.map((row) => row.id)).toEqual(['fan-1', 'pump-1', 'pump-2']);
        const bySiteThenTitle = await storage.allDocs({ query: 'site:%', sort_on: [['site', 'ascending'], ['title', 'descending']] });
        expect(bySiteThenTitle.rows.map((row) => row.id)).toEqual(['ch-vib-x', 'pump-1', 'wo-10', 'fan-1', 'note-1', 'ch-temp', 'wo-9', 'pump-2']);
      });

      it('limits with [skip, count] and [count] after sorting', async ({ skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('limit') || !storage.hasCapacity('sort')) return skip('the storage lacks the limit or sort capacity');
        const sort_on: Array<[string, 'ascending']> = [['title', 'ascending']];
        const all = (await storage.allDocs({ sort_on })).rows.map((row) => row.id);
        expect((await storage.allDocs({ sort_on, limit: [2, 3] })).rows.map((row) => row.id)).toEqual(all.slice(2, 5));
        expect((await storage.allDocs({ sort_on, limit: [3] })).rows.map((row) => row.id)).toEqual(all.slice(0, 3));
        expect((await storage.allDocs({ sort_on, limit: [100, 3] })).rows).toEqual([]);
        expect((await rejection(storage.allDocs({ limit: [-1, 2] as [number, number] }))).status).toBe(400);
      });

      it('select_list fills the row values; include_docs adds whole documents', async ({ skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('select') || !storage.hasCapacity('include')) return skip('the storage lacks the select or include capacity');
        const result = await storage.allDocs({ query: 'type:channel', select_list: ['title', 'unit', 'absent'], include_docs: true, sort_on: [['title', 'ascending']] });
        expect(result.rows).toEqual([
          { id: 'ch-temp', value: { title: 'Temperature', unit: '°C' }, doc: fixtureDocs['ch-temp'] },
          { id: 'ch-vib-x', value: { title: 'Vibration X', unit: 'mm/s' }, doc: fixtureDocs['ch-vib-x'] },
        ]);
      });

      it('include_docs alone returns each document', async ({ skip }) => {
        const storage = await withFixtures();
        if (!storage.hasCapacity('include')) return skip('the storage lacks the include capacity');
        const rows = (await storage.allDocs({ include_docs: true })).rows;
        for (const row of rows) expect(row.doc).toEqual(fixtureDocs[row.id]);
      });

      it('a storage that cannot query says so with 501 instead of ignoring the query', async ({ skip }) => {
        const storage = await withFixtures();
        if (storage.hasCapacity('query')) return skip('the storage has the query capacity (this checks storages without it)');
        expect((await rejection(storage.allDocs({ query: 'type:asset' }))).status).toBe(501);
      });

      it('answers unknown capacities with false', () => {
        expect(open().hasCapacity('teleport')).toBe(false);
      });
    });

    describe('changes feed', () => {
      it('reports each changed document once, in order, with deletions; nothing new means nothing', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('changes')) return skip('the storage lacks the changes capacity');
        await storage.put('a', { v: 1 });
        await storage.put('b', { v: 1 });
        await storage.put('a', { v: 2 });
        const first = await storage.changes();
        expect(first.results.map((change) => change.id)).toEqual(['b', 'a']);
        expect(first.results[0]!.seq).toBeLessThan(first.results[1]!.seq);
        expect(first.last_seq).toBe(first.results[1]!.seq);

        const idle = await storage.changes({ since: first.last_seq });
        expect(idle).toEqual({ results: [], last_seq: first.last_seq });

        await storage.remove('b');
        await storage.put('c', {});
        const next = await storage.changes({ since: first.last_seq });
        expect(next.results.map(({ id, deleted }) => ({ id, deleted: deleted ?? false }))).toEqual([
          { id: 'b', deleted: true },
          { id: 'c', deleted: false },
        ]);
      });

      it('pages with limit without losing or repeating changes', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('changes')) return skip('the storage lacks the changes capacity');
        for (let index = 0; index < 7; index++) await storage.put(`d${index}`, { index });
        const seen: string[] = [];
        let since = 0;
        for (;;) {
          const page = await storage.changes({ since, limit: 3 });
          if (page.results.length === 0) break;
          seen.push(...page.results.map((change) => change.id));
          since = page.last_seq;
        }
        expect(seen).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
      });

      it('count_pending tells how many changes come after the page, where the storage can tell', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('changes')) return skip('the storage lacks the changes capacity');
        for (let index = 0; index < 7; index++) await storage.put(`p${index}`, { index });
        await storage.put('p1', { index: 1, again: true });
        const first = await storage.changes({ since: 0, limit: 3, count_pending: true });
        const rest = await storage.changes({ since: first.last_seq });
        // (A crypt storage's pages may come short: its own records are hidden.)
        expect(first.results.length).toBeLessThanOrEqual(3);
        if (first.pending !== undefined) expect(first.pending).toBe(rest.results.length);
        const last = await storage.changes({ since: first.last_seq, count_pending: true });
        if (last.pending !== undefined) expect(last.pending).toBe(0);
        // Storages that can count say so for the stacks the app uses.
        if (storage.hasCapacity('bulk_docs') && storage.hasCapacity('digest')) expect(first.pending).toBe(4);
      });

      it('an attachment change is a change of its document', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('changes')) return skip('the storage lacks the changes capacity');
        await storage.put('a', {});
        const { last_seq } = await storage.changes();
        await storage.putAttachment('a', 'x', 'data');
        expect((await storage.changes({ since: last_seq })).results.map((change) => change.id)).toEqual(['a']);
      });
    });

    describe('attachment digests', () => {
      it('a digest is the SHA-256 of the bytes (text, empty, several pieces), and only given when asked for', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('digest')) return skip('the storage lacks the digest capacity');
        const big = patternBytes(2.5 * 1024 * 1024); // three 1 MiB pieces where attachments are pieced
        await storage.put('a', {});
        await storage.putAttachment('a', 'note.txt', 'Grüße 🚀');
        await storage.putAttachment('a', 'empty', new ArrayBuffer(0));
        await storage.putAttachment('a', 'big.bin', big);
        expect(await storage.allAttachments('a', { digest: true })).toEqual({
          'note.txt': { length: new TextEncoder().encode('Grüße 🚀').length, content_type: 'text/plain;charset=utf-8', digest: await sha256Hex('Grüße 🚀') },
          empty: { length: 0, content_type: 'application/octet-stream', digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
          'big.bin': { length: big.length, content_type: 'application/octet-stream', digest: await sha256Hex(big) },
        });
        // Asked twice (the second time from what was kept): the same.
        expect((await storage.allAttachments('a', { digest: true }))['big.bin']?.digest).toBe(await sha256Hex(big));
        expect(Object.values(await storage.allAttachments('a')).map((info) => info.digest)).toEqual([undefined, undefined, undefined]);
      });

      it('a rewritten attachment has the digest of its new bytes, never the one kept for the old', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('digest')) return skip('the storage lacks the digest capacity');
        await storage.put('a', {});
        await storage.putAttachment('a', 'x', 'first!');
        expect((await storage.allAttachments('a', { digest: true })).x?.digest).toBe(await sha256Hex('first!'));
        await storage.putAttachment('a', 'x', 'second'); // same length
        expect((await storage.allAttachments('a', { digest: true })).x?.digest).toBe(await sha256Hex('second'));
        await storage.removeAttachment('a', 'x');
        await storage.putAttachment('a', 'x', 'third!');
        expect((await storage.allAttachments('a', { digest: true })).x?.digest).toBe(await sha256Hex('third!'));
        await storage.remove('a');
        await storage.put('a', {});
        await storage.putAttachment('a', 'x', 'fourth');
        expect((await storage.allAttachments('a', { digest: true })).x?.digest).toBe(await sha256Hex('fourth'));
      });
    });

    describe('changes with documents (include_docs)', () => {
      it('each change carries the document as it is now and its attachments; deletions carry neither', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('changes')) return skip('the storage lacks the changes capacity');
        const digests = storage.hasCapacity('digest');
        const info = async (text: string) => ({
          length: new TextEncoder().encode(text).length,
          content_type: 'text/plain;charset=utf-8',
          ...(digests ? { digest: await sha256Hex(text) } : {}),
        });
        // Feeds are read from here: a storage may keep documents of its own before (crypt's parameters).
        await storage.put('before', {});
        const since = (await storage.changes()).last_seq;
        await storage.put('a', { v: 1 });
        await storage.put('b', { v: 1 });
        await storage.putAttachment('a', 'x', 'data');
        await storage.putAttachment('a', 'y', 'more data');
        await storage.put('a', { v: 2 });
        await storage.remove('b');
        await storage.put('c', { v: 3 });
        const feed = await storage.changes({ since, include_docs: true });
        expect(feed.results.map((change) => ({ ...change, seq: undefined }))).toEqual([
          { id: 'a', doc: { v: 2 }, attachments: { x: await info('data'), y: await info('more data') } },
          { id: 'b', deleted: true },
          { id: 'c', doc: { v: 3 }, attachments: {} },
        ]);
        expect(feed.results[1]).not.toHaveProperty('doc');
        expect(feed.results[1]).not.toHaveProperty('attachments');
        expect(feed.last_seq).toBe((await storage.changes()).last_seq);
        // A page ends after `limit` documents, however many attachments they have.
        const page = await storage.changes({ since, limit: 2, include_docs: true });
        expect(page.results.map((change) => change.id)).toEqual(['a', 'b']);
        expect(Object.keys(page.results[0]!.attachments ?? {}).sort()).toEqual(['x', 'y']);
        expect((await storage.changes({ since: page.last_seq, include_docs: true })).results.map((change) => change.id)).toEqual(['c']);
        // Without include_docs: ids and sequence numbers only.
        expect((await storage.changes({ since })).results[0]).not.toHaveProperty('doc');
        // After a rewrite, the feed reports the new bytes' digest.
        await storage.putAttachment('a', 'x', 'DATA');
        const after = await storage.changes({ since: feed.last_seq, include_docs: true });
        expect(after.results.map((change) => change.id)).toEqual(['a']);
        expect(after.results[0]!.attachments?.x).toEqual(await info('DATA'));
      });
    });

    describe('bulkDocs', () => {
      it('reports each write: ok, 409 for a wrong expect or expect null on an existing one, ok deleting nothing, 400 for bad input; refused writes leave nothing', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('bulk_docs')) return skip('the storage lacks the bulk_docs capacity');
        expect(storage.bulkDocs).toBeTypeOf('function');
        for (const id of ['guarded', 'stale', 'taken', 'doomed']) await storage.put(id, { v: 1 });
        await storage.putAttachment('doomed', 'x', 'data');
        const { last_seq } = await storage.changes();
        const writes: DocWrite[] = [
          { id: 'fresh', doc: { v: 1 } },
          { id: 'guarded', doc: { v: 2 }, expect: docHash({ v: 1 }) },
          { id: 'stale', doc: { v: 2 }, expect: docHash({ v: 0 }) },
          { id: 'taken', doc: { v: 2 }, expect: null },
          { id: 'ghost' },
          { id: 'bad', doc: { v: Number.NaN } },
          { id: '', doc: {} },
          { id: 'created', doc: { v: 1 }, expect: null },
          { id: 'doomed', expect: docHash({ v: 1 }) },
          { id: 'missing', doc: { v: 1 }, expect: docHash({ v: 1 }) },
          { id: 'listed', doc: [1, 2] as never },
        ];
        const results = await storage.bulkDocs!(writes);
        expect(results.map((result) => result.id)).toEqual(writes.map((write) => write.id));
        expect(results.map((result) => (result.ok ? 'ok' : `${result.status} ${result.code}`))).toEqual([
          'ok',
          'ok',
          '409 conflict',
          '409 conflict',
          'ok',
          '400 bad_request',
          '400 bad_request',
          'ok',
          'ok',
          '409 conflict',
          '400 bad_request',
        ]);
        for (const result of results) if (!result.ok) expect(result.message).toBeTruthy();
        expect(await storage.get('fresh')).toEqual({ v: 1 });
        expect(await storage.get('guarded')).toEqual({ v: 2 });
        expect(await storage.get('stale')).toEqual({ v: 1 });
        expect(await storage.get('taken')).toEqual({ v: 1 });
        expect(await storage.get('created')).toEqual({ v: 1 });
        for (const id of ['ghost', 'bad', 'doomed', 'missing', 'listed']) expect((await rejection(storage.get(id))).status).toBe(404);
        const feed = await storage.changes({ since: last_seq });
        expect(feed.results.map(({ id, deleted }) => `${id}${deleted ? ' deleted' : ''}`).sort()).toEqual(['created', 'doomed deleted', 'fresh', 'guarded']);
        // The deleted document's attachments went with it.
        await storage.put('doomed', {});
        expect(await storage.allAttachments('doomed')).toEqual({});
      });

      it('writes of one id apply in order, each seeing the one before; puts keep attachments; calls before it count', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('bulk_docs')) return skip('the storage lacks the bulk_docs capacity');
        await storage.put('kept', { v: 1 });
        await storage.putAttachment('kept', 'x', 'data');
        const earlier = storage.put('late', { b: 1, a: { d: 2, c: 3 } }); // not awaited: bulkDocs must still see it
        const results = await storage.bulkDocs!([
          { id: 'd', doc: { n: 1 }, expect: null },
          { id: 'd', doc: { n: 2 }, expect: docHash({ n: 1 }) },
          { id: 'e', doc: { n: 1 } },
          { id: 'e' },
          { id: 'e', doc: { n: 3 }, expect: null },
          { id: 'kept', doc: { v: 2 }, expect: docHash({ v: 1 }) },
          { id: 'late', doc: { v: 2 }, expect: docHash({ a: { c: 3, d: 2 }, b: 1 }) }, // key order does not matter
        ]);
        await earlier;
        expect(results.every((result) => result.ok)).toBe(true);
        expect(await storage.get('d')).toEqual({ n: 2 });
        expect(await storage.get('e')).toEqual({ n: 3 });
        expect(await storage.get('late')).toEqual({ v: 2 });
        expect(await storage.getAttachment('kept', 'x', { format: 'text' })).toBe('data');
        // Sequence numbers follow each document's last write in the batch.
        expect((await storage.changes()).results.map((change) => change.id)).toEqual(['d', 'e', 'kept', 'late']);
      });

      it('a batch larger than one request (2500 writes) lands whole, with a result for each', async ({ skip }) => {
        const storage = open();
        if (!storage.hasCapacity('bulk_docs')) return skip('the storage lacks the bulk_docs capacity');
        const writes = Array.from({ length: 2500 }, (_, index) => ({ id: `doc-${index}`, doc: { index } }));
        writes[1700] = { id: 'doc-1700', doc: { index: Number.NaN } };
        const results = await storage.bulkDocs!(writes);
        expect(results).toHaveLength(2500);
        expect(results.filter((result) => !result.ok).map((result) => result.id)).toEqual(['doc-1700']);
        expect(results[2499]).toMatchObject({ id: 'doc-2499', ok: true });
        expect((await storage.allDocs()).rows).toHaveLength(2499);
        // Where a write reports its sequence, it is the one the changes feed shows (sync skips its
        // own writes by it).
        const last = results[2499]!;
        if (last.ok && last.seq !== undefined && storage.hasCapacity('changes')) {
          const feed = await storage.changes({ since: last.seq - 1, limit: 1 });
          expect(feed.results[0]).toMatchObject({ id: 'doc-2499', seq: last.seq });
        }
        expect(await storage.get('doc-2499')).toEqual({ index: 2499 });
      }, 60_000);
    });

    describe('lifecycle', () => {
      it('repair reports what it fixed', async () => {
        const storage = open();
        await storage.put('a', {});
        const { fixed } = await storage.repair();
        expect(fixed).toBe(0);
      });

      it('after close, calls fail instead of silently doing nothing', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.close();
        await expect(storage.get('a')).rejects.toBeInstanceOf(StorageError);
      });

      it('destroy removes everything', async () => {
        const storage = open();
        await storage.put('a', {});
        await storage.destroy();
        const again = reopen();
        expect((await again.allDocs()).rows).toEqual([]);
      });

      // Only storages that keep data (not memory) have this test at all.
      if (target.persistent) it('data survives close() and reopening', async () => {
        const storage = open();
        await storage.put('a', { v: 'kept' });
        await storage.putAttachment('a', 'x', 'attached');
        const before = storage.hasCapacity('changes') ? await storage.changes() : undefined;
        await storage.close();
        const again = reopen();
        expect(await again.get('a')).toEqual({ v: 'kept' });
        expect(await again.getAttachment('a', 'x', { format: 'text' })).toBe('attached');
        if (before) expect((await again.changes()).last_seq).toBe(before.last_seq);
        await again.put('b', {});
        expect(sortedIds((await again.allDocs()).rows)).toEqual(['a', 'b']);
      });
    });
  });
}
