// The HTTP route answers the changes feed as text written straight from the stored JSON; it must
// say exactly what the feed says as objects, on SQLite and PostgreSQL, technicians' sites included.
// A technician's feed also says when a document left their sites (as a deletion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

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

    it('a document that left a site is a deletion in that site\'s feed, once, however often it moved on', async () => {
      const store = await open();
      try {
        const documents = store.documents;
        await documents.put('w1', { type: 'work_order', site: 'north', v: 1 });
        await documents.put('w2', { type: 'work_order', site: 'north', v: 1 });
        await documents.put('w3', { type: 'work_order', site: 'north', v: 1 });
        const { last_seq: synced } = await documents.changesWithin(['north']);
        // w1 leaves (put), then moves on again; w2 leaves through bulkDocs; w3 leaves and comes back.
        await documents.put('w1', { type: 'work_order', site: 'south', v: 2 });
        await documents.put('w1', { type: 'work_order', site: 'east', v: 3 });
        await documents.bulkDocs([{ id: 'w2', doc: { type: 'work_order', site: 'south', v: 2 } }]);
        await documents.put('w3', { type: 'work_order', site: 'south', v: 2 });
        await documents.put('w3', { type: 'work_order', site: 'north', v: 3 });
        await documents.put('s1', { type: 'work_order', site: 'south' });
        for (const options of [{ since: synced }, { since: synced, include_docs: true }, { since: synced, include_docs: true, limit: 1, count_pending: true }]) {
          const feed = await documents.changesWithin(['north'], options);
          expect(JSON.parse(await documents.changesJson(options, ['north']))).toEqual(feed);
          if (options.limit) {
            expect(feed.results).toHaveLength(1);
            expect(feed.pending).toBe(2);
            continue;
          }
          const byId = new Map(feed.results.map((change) => [change.id, change]));
          expect([...byId.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
          expect(feed.results).toHaveLength(3);
          expect(byId.get('w1')).toMatchObject({ deleted: true });
          expect(byId.get('w2')).toMatchObject({ deleted: true });
          expect(byId.get('w1')?.doc).toBeUndefined();
          expect(byId.get('w3')?.deleted).toBeUndefined();
          if (options.include_docs) expect(byId.get('w3')?.doc).toEqual({ type: 'work_order', site: 'north', v: 3 });
        }
        // Nothing further: the departures are not sent again; the other sites' feeds hold them as they are.
        const after = await documents.changesWithin(['north'], { since: (await documents.changesWithin(['north'])).last_seq });
        expect(after.results).toEqual([]);
        const east = await documents.changesWithin(['east'], { include_docs: true });
        expect(east.results.map((change) => [change.id, change.deleted ?? false])).toEqual([['w1', false]]);
        // A technician of two sites: a move between them is no deletion, a move out of both is.
        const both = await documents.changesWithin(['south', 'north'], { since: synced });
        expect(Object.fromEntries(both.results.map((change) => [change.id, change.deleted ?? false]))).toEqual({ w1: true, w2: false, w3: false, s1: false });
        expect(both.results).toHaveLength(4);
      } finally {
        await store.close();
      }
    });
  });

  describe(`a technician's feed over HTTP on ${name}`, () => {
    let test: TestServer;
    const tokens: Record<string, string | undefined> = {};
    const call = apiCaller(() => test, tokens);

    beforeAll(async () => {
      test = await startTestServer(name === 'PostgreSQL' ? { DATABASE_URL: postgres.url } : {});
      tokens.admin = await test.login('admin', ADMIN_PASSWORD);
      tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/T07']);
    });
    afterAll(async () => {
      await test?.stop();
    });

    it('shows a document moved out of their site as deleted, without its new content', async () => {
      expect((await call('admin', 'PUT', '/api/docs/wo', { type: 'work_order', site: 'site/T07', title: 'pump', status: 'open' })).status).toBe(200);
      const first = (await (await call('tom', 'GET', '/api/changes?include_docs=true')).json()) as { results: Array<{ id: string; deleted?: boolean; doc?: unknown }>; last_seq: number };
      expect(first.results).toMatchObject([{ id: 'wo', doc: { title: 'pump' } }]);
      expect((await call('admin', 'PUT', '/api/docs/wo', { type: 'work_order', site: 'site/T08', title: 'secret plans', status: 'open' })).status).toBe(200);
      for (const query of ['', '&include_docs=true']) {
        const text = await (await call('tom', 'GET', `/api/changes?since=${first.last_seq}${query}`)).text();
        expect(JSON.parse(text)).toMatchObject({ results: [{ id: 'wo', deleted: true }] });
        expect(text).not.toContain('secret');
      }
      expect((await call('tom', 'GET', '/api/docs/wo')).status).toBe(403);
    });
  });
}
