// The HTTP route answers the changes feed as text written straight from the stored JSON; it must
// say exactly what the feed says as objects, on SQLite and PostgreSQL, technicians' sites included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const backends: Array<[string, () => Promise<Store>]> = [
  ['SQLite', () => SqliteStore.open(makeTempDir('fieldline-changes-json-'))],
  ['PostgreSQL', () => PostgresStore.open(postgres.url, { schema: `changes_json_${Date.now()}`, max: 2 })],
];

for (const [name, open] of backends) {
  describe(`changesJson on ${name}`, () => {
    it('equals the feed as objects: documents, attachments with digests, deletions, pages, pending', async () => {
      const store = await open();
      try {
        const documents = store.documents;
        await documents.put('a', { site: 'north', note: 'é "quoted" \\ back', nested: { list: [1, 2.5, null, true] } });
        await documents.put('b', { site: 'south', n: 1 });
        await documents.putAttachment('a', 'photo.jpg', new Uint8Array([1, 2, 3]), 'image/jpeg');
        await documents.putAttachment('a', 'z.bin', new Uint8Array(5000).fill(7), 'application/octet-stream');
        await documents.put('c', { site: 'north' });
        await documents.remove('c');
        await documents.put('d', { site: 'north', last: true });
        for (const options of [
          { include_docs: true },
          { include_docs: true, limit: 2, count_pending: true },
          { include_docs: true, since: 2, limit: 10, count_pending: true },
          { since: 1 },
          { include_docs: true, since: 1000 },
        ]) {
          expect(JSON.parse(await documents.changesJson(options))).toEqual(await documents.changes(options));
          expect(JSON.parse(await documents.changesJson(options, ['north']))).toEqual(await documents.changesWithin(['north'], options));
        }
        expect(JSON.parse(await documents.changesJson({ include_docs: true }, []))).toEqual({ results: [], last_seq: 0 });
      } finally {
        await store.close();
      }
    });
  });
}
