// Ids (and attachment names, source tags, document sites) follow the same rules on every storage:
// no NUL, valid Unicode, at most MAX_ID_BYTES of UTF-8. PostgreSQL refused what SQLite took (a 500
// that failed a whole bulk_docs push): now every backend refuses it alike, one write at a time,
// and a device's storages refuse it before it could ever reach the server. Document contents
// may hold any string (NUL and lone surrogates too: JSON text escapes them).
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, type Storage } from '../../src/storage';
import { MAX_ID_BYTES } from '../../src/storage/backend';
import { MAX_SEALABLE_ID_BYTES } from '../../src/storage/crypt/crypt-storage';
import { PostgresStore, SqliteStore } from '../../src/server';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';
import { startPostgres, type Postgres } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';
import { uniqueName } from '../conformance/helpers';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

/** Ids every storage refuses, by what is wrong with them. */
const badIds: Array<[string, string]> = [
  ['3 000 characters', 'x'.repeat(3000)],
  [`${MAX_ID_BYTES + 1} bytes of UTF-8 in ${MAX_ID_BYTES / 2 + 1} characters`, `${'é'.repeat(MAX_ID_BYTES / 2)}a`],
  ['a NUL', 'work_order/a\u0000b'],
  ['a lone high surrogate', 'work_order/\ud800'],
  ['a lone low surrogate', '\udc00work_order'],
];

/** At the limit, and characters of every UTF-8 length: all fine. */
const goodIds = ['é'.repeat(MAX_ID_BYTES / 2), 'x'.repeat(MAX_ID_BYTES), 'site/🌬️-T07', 'a'];

const storages: Array<[string, () => Promise<{ storage: Storage; close: () => Promise<void> }>]> = [
  ['memory', async () => ({ storage: createStorage({ type: 'memory' }), close: async () => undefined })],
  ['indexeddb', async () => ({ storage: createStorage({ type: 'indexeddb', database: uniqueName('ids') }), close: async () => undefined })],
  [
    'server SQLite',
    async () => {
      const store = await SqliteStore.open(makeTempDir('fieldline-ids-'));
      return { storage: store.documents, close: () => store.close() };
    },
  ],
  [
    'server PostgreSQL',
    async () => {
      const store = await PostgresStore.open(postgres.url, { schema: uniqueName('ids').replace(/[^a-z0-9]/g, '_'), max: 2 });
      return { storage: store.documents, close: () => store.close() };
    },
  ],
];

describe.each(storages)('id rules on %s', (_name, open) => {
  it.each(badIds)('refuses an id with %s: put, get, attachments (400 bad_request), nothing stored', async (_what, id) => {
    const { storage, close } = await open();
    try {
      await expect(storage.put(id, { type: 'note' })).rejects.toMatchObject({ status: 400, code: 'bad_request' });
      await expect(storage.get(id)).rejects.toMatchObject({ status: 400 });
      await storage.put('doc', { type: 'note' });
      await expect(storage.putAttachment('doc', id, 'bytes')).rejects.toMatchObject({ status: 400, code: 'bad_request' });
      expect(await storage.allAttachments('doc')).toEqual({});
      expect((await storage.allDocs()).rows.map((row) => row.id)).toEqual(['doc']);
    } finally {
      await close();
    }
  });

  it('takes ids up to the limit, of every UTF-8 length, and reads them back', async () => {
    const { storage, close } = await open();
    try {
      for (const id of goodIds) {
        await storage.put(id, { type: 'note', id });
        await storage.putAttachment(id, id, 'bytes');
        expect(await storage.get(id)).toEqual({ type: 'note', id });
        expect(Object.keys(await storage.allAttachments(id))).toEqual([id]);
      }
    } finally {
      await close();
    }
  });

  it('bulkDocs: each bad id fails alone with its 400, the other writes apply', async () => {
    const { storage, close } = await open();
    try {
      const results = await storage.bulkDocs!([{ id: 'good/1', doc: { n: 1 } }, ...badIds.map(([, id]) => ({ id, doc: { n: 0 } })), { id: 'good/2', doc: { n: 2 } }]);
      expect(results.map((result) => (result.ok ? 'ok' : result.status))).toEqual(['ok', ...badIds.map(() => 400), 'ok']);
      expect((await storage.allDocs()).rows.map((row) => row.id)).toEqual(['good/1', 'good/2']);
    } finally {
      await close();
    }
  });

  it('document contents keep NUL and lone surrogates (JSON text escapes them; PostgreSQL text takes that)', async () => {
    const { storage, close } = await open();
    try {
      const doc = { note: 'before\u0000after', odd: '\ud800 and \udfff', 'key\u0000with NUL': true };
      await storage.put('doc', doc);
      expect(await storage.get('doc')).toEqual(doc);
      const { results } = await storage.changes!({ include_docs: true });
      expect(results.map((change) => change.doc)).toEqual([doc]);
    } finally {
      await close();
    }
  });
});

describe('id rules through a crypt storage', () => {
  it(`takes clear ids whose sealed form fits (${MAX_SEALABLE_ID_BYTES} bytes) and refuses longer ones with 400, before sealing`, async () => {
    const storage = createStorage({ type: 'crypt', passphrase: 'correct horse battery staple', iterations: 1000, sub_storage: { type: 'memory' } });
    const longest = 'x'.repeat(MAX_SEALABLE_ID_BYTES);
    await storage.put(longest, { n: 1 });
    expect(await storage.get(longest)).toEqual({ n: 1 });
    await storage.putAttachment(longest, longest, 'bytes');
    expect(Object.keys(await storage.allAttachments(longest))).toEqual([longest]);
    await expect(storage.put(`${longest}x`, { n: 2 })).rejects.toMatchObject({ status: 400, code: 'bad_request' });
    await expect(storage.putAttachment(longest, `${longest}x`, 'bytes')).rejects.toMatchObject({ status: 400, code: 'bad_request' });
    await expect(storage.put('a\u0000b', { n: 3 })).rejects.toMatchObject({ status: 400 });
    expect((await storage.allDocs()).rows.map((row) => row.id)).toEqual([longest]);
  });
});

const servers: Array<[string, () => Record<string, string>]> = [
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
];

describe.each(servers)('the HTTP API on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  beforeAll(async () => {
    test = await startTestServer(env());
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => test?.stop());

  it('POST /api/bulk_docs: one bad id (or site) among good writes fails alone with 400; the others are stored', async () => {
    const response = await call('admin', 'POST', '/api/bulk_docs', {
      docs: [
        { id: 'work_order/1', doc: { type: 'note', title: 'first' } },
        { id: 'x'.repeat(3000), doc: { type: 'note' } },
        { id: 'work_order/\u0000', doc: { type: 'note' } },
        { id: 'work_order/\ud800', doc: { type: 'note' } },
        { id: 'work_order/bad-site', doc: { type: 'note', site: 'T\u000007' } },
        { id: 'work_order/2', doc: { type: 'note', title: 'second', note: 'NUL \u0000 inside' } },
      ],
    });
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as { results: Array<{ ok: boolean; status?: number; code?: string; message?: string }> };
    expect(results.map((result) => (result.ok ? 'ok' : `${result.status} ${result.code}`))).toEqual(['ok', '400 bad_request', '400 bad_request', '400 bad_request', '400 bad_request', 'ok']);
    expect(results[1]!.message).toMatch(/longer than 1024 bytes/);
    expect(results[2]!.message).toMatch(/NUL/);
    expect(results[3]!.message).toMatch(/lone surrogate/);
    expect(results[4]!.message).toMatch(/site .*NUL/);
    expect(await (await call('admin', 'GET', '/api/docs/work_order%2F2')).json()).toEqual({ type: 'note', title: 'second', note: 'NUL \u0000 inside' });
    expect((await call('admin', 'GET', '/api/docs/work_order%2F1')).status).toBe(200);
  });

  it('PUT /api/docs/<3000-character id> and an id with %00: 400 {error, detail}', async () => {
    const long = await call('admin', 'PUT', `/api/docs/${'x'.repeat(3000)}`, { type: 'note' });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ error: 'bad_request', detail: expect.stringContaining('longer than 1024 bytes') });
    const nul = await call('admin', 'PUT', '/api/docs/a%00b', { type: 'note' });
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as { detail: string }).detail).toMatch(/NUL/);
    expect((await call('admin', 'GET', '/api/docs/a%00b')).status).toBe(400);
  });

  it('POST /api/sources with a NUL in its tag or site: 400; nothing registered', async () => {
    for (const body of [{ tag: 'fleet.\u0000car' }, { tag: 'fleet.car7', site: 'site/\u0000' }]) {
      const response = await call('admin', 'POST', '/api/sources', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: string; detail: string }).detail).toMatch(/NUL/);
    }
    const { sources } = (await (await call('admin', 'GET', '/api/sources')).json()) as { sources: unknown[] };
    expect(sources).toEqual([]);
  });
});
