// allDocs in SQL (SQLite and a throwaway PostgreSQL) against the JavaScript matcher: every query
// of the storage suite with sorts and limits, jIO's full-text cases, documents whose indexed keys
// hold mixed types, a technician's site filter, and a property test over random documents and
// queries. The reference is applyAllDocsOptions over every live document in id order, which is
// what allDocs computed before it ran in SQL.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PostgresStore, SqliteStore, type Store } from '../../src/server';
import { applyAllDocsOptions, type AllDocsOptions, type Doc } from '../../src/storage/backend';
import { parseQuery, type Query, type QueryOperator } from '../../src/core';
import { planAllDocs } from '../../src/server/store/sql/sql-all-docs';
import { fixtureDocs, queryTable } from '../conformance/storage-fixtures';
import { makeTempDir } from '../support/temp-dir';
import { startPostgres, type Postgres } from '../support/postgres';

const tempRoot = makeTempDir('fieldline-query-sql-');
let postgres: Postgres;
const stores: Record<'sqlite' | 'postgres', Store> = {} as never;

beforeAll(async () => {
  postgres = await startPostgres();
  stores.sqlite = await SqliteStore.open(tempRoot);
  stores.postgres = await PostgresStore.open(postgres.url, { schema: 'query_sql', max: 2 });
}, 60_000);

afterAll(async () => {
  await stores.sqlite?.close();
  await stores.postgres?.close();
  postgres?.stop();
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Replaces every live document with `docs` (deletions stay as tombstones, which queries must skip);
 * resolves with those stored (a site that is no valid id is refused, as every write path does).
 */
async function load(store: Store, docs: Record<string, Doc>): Promise<Record<string, Doc>> {
  // Every live document goes first: a new version refused (a bad site) must not leave the old one.
  const live = (await store.documents.allDocs()).rows.map((row) => row.id);
  if (live.length > 0) await store.documents.bulkDocs(live.map((id) => ({ id })));
  const writes = Object.entries(docs).map(([id, doc]) => ({ id, doc }));
  const results = await store.documents.bulkDocs(writes);
  return Object.fromEntries(writes.filter((_, index) => results[index]?.ok).map(({ id, doc }) => [id, doc]));
}

function reference(docs: Record<string, Doc>, options: AllDocsOptions) {
  const entries = Object.entries(docs)
    .map(([id, doc]) => ({ id, doc: JSON.parse(JSON.stringify(doc)) as Doc }))
    .sort(byId);
  return applyAllDocsOptions(entries, options);
}

/** Both backends against the matcher for each of `cases`. */
async function agree(docs: Record<string, Doc>, cases: AllDocsOptions[]): Promise<void> {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const stored = await load(stores[dialect], docs);
    for (const options of cases) {
      const expected = reference(stored, options);
      const actual = await stores[dialect].documents.allDocs(options);
      expect(actual, `${dialect}: ${JSON.stringify(options)}`).toEqual(expected);
    }
  }
}

const variants = (query: AllDocsOptions['query'], extra: Partial<AllDocsOptions> = {}): AllDocsOptions[] => [
  { query, ...extra },
  { query, include_docs: true, sort_on: [['title', 'ascending']], ...extra },
  { query, select_list: ['title', 'site'], sort_on: [['site', 'descending'], ['title', 'ascending']], limit: [1, 2], ...extra },
  { query, sort_on: [['power', 'descending']], limit: [2], ...extra },
  { query, sort_on: [['tags', 'ascending']], include_docs: true, ...extra },
];

describe('allDocs in SQL gives the matcher’s rows', () => {
  it('on every query of the storage suite, sorted, limited and selected', async () => {
    await agree(
      fixtureDocs,
      queryTable.flatMap((entry) => variants(entry.query, entry.key_schema ? { key_schema: entry.key_schema } : {})),
    );
  });

  it('on jIO’s full-text cases', async () => {
    const docs: Record<string, Doc> = {
      a: { identifier: 'a', value: 'test post', time: '2016' },
      b: { identifier: 'b', value: 'Test Post 1', time: '2017' },
      c: { identifier: 'c', value: 'test post 2016', time: 2017, tags: ['x', 'Post'] },
      d: { identifier: 'd', value: '', n: 0, flag: false, nested: { value: 'test post' } },
      e: { identifier: 'e', flags: [false, true], n: 2016.5 },
      // SQLite's LIKE stopped at a U+0000 in the text.
      f: { identifier: 'f', value: '\u0000test POST', tags: ['\u0000post'] },
    };
    const queries = ['test', 'test post', 'test post 2016', '2016', 'false', 'true', 'post 1', 'test2 time:%2017%', 'value:"%test post 2%" OR c OR 2016', 'value:"test post"', '!=post', 'NOT test'];
    await agree(docs, queries.flatMap((query) => [{ query }, { query, sort_on: [['time', 'descending']], limit: [1, 2] }]));
  });

  it('when indexed keys hold numbers, booleans, arrays, objects and nulls', async () => {
    const docs: Record<string, Doc> = {
      s1: { type: 'asset', title: 'b', status: 'open', time: 5 },
      s2: { type: ['asset', 'pump'], title: 'A', status: 'Open', time: '5' },
      s3: { type: 7, title: null, status: true, time: 10 },
      s4: { type: { nested: 'asset' }, status: ['open', 'done'], time: [3, 1] },
      s5: { title: 'a', status: 'done', time: null },
      s6: { type: '7', title: 'Ä', status: 'false', time: -1.5 },
    };
    const queries: Array<AllDocsOptions['query']> = ['type:asset', 'type:7', 'type:>=7', 'type:!=asset', 'status:open', 'status:true', 'status:%o%', 'time:5', 'time:>4', 'time:<"5"', 'title:a', 'title:<b', 'title:%ä%', 'NOT status:done'];
    const cases = queries.flatMap((query): AllDocsOptions[] => [
      { query },
      { query, sort_on: [['time', 'ascending']] },
      { query, sort_on: [['title', 'descending']], limit: [0, 3] },
      { query, sort_on: [['status', 'ascending'], ['type', 'descending']] },
    ]);
    cases.push({ query: { type: 'simple', key: 'time', operator: '<', value: true } }, { query: { type: 'simple', key: 'status', operator: '=', value: true } }, { query: { type: 'simple', key: 'time', operator: '>=', value: 5 } });
    await agree(docs, cases);
  });

  it('sorts and limits in SQL, reading only the page, when the keys allow it', async () => {
    const docs: Record<string, Doc> = {};
    for (let index = 0; index < 300; index++) docs[`d${String(index).padStart(3, '0')}`] = { type: index % 3 === 0 ? 'asset' : 'channel', site: `S${index % 5}`, title: `t${(index * 7) % 300}` };
    const options: AllDocsOptions = { query: 'type:asset AND site:S1', sort_on: [['title', 'ascending']], limit: [2, 5] };
    await agree(docs, [options]);
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const plan = await stores[dialect].documents.driver.transaction((run) => planAllDocs(run, dialect, options));
      // SQLite says the terms exactly; PostgreSQL asks the index's folded text only (rechecked).
      expect(plan.where.exact, dialect).toBe(dialect === 'sqlite');
      expect(plan.orderBy, dialect).toBeDefined();
    }
    const explained = await stores.sqlite.documents.driver.transaction(async (run) => {
      const plan = await planAllDocs(run, 'sqlite', options);
      return run(`EXPLAIN QUERY PLAN SELECT id FROM documents WHERE ${plan.where.sql} ORDER BY ${plan.orderBy}`, plan.where.params);
    });
    expect(explained.map((row) => String(row.detail)).join('\n')).toMatch(/USING (COVERING )?INDEX documents_(key_type|key_site|type_site_created|type_title)\b/);
  });

  it('filters a technician’s sites in the same statement', async () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      await load(stores[dialect], fixtureDocs);
      const documents = stores[dialect].documents;
      const mine = await documents.allDocsWithin(['T08'], { query: 'type:asset OR type:channel', include_docs: true });
      expect(mine.rows.map((row) => row.id)).toEqual(['ch-temp', 'pump-2']);
      expect((await documents.allDocsWithin([], { query: 'type:asset' })).rows).toEqual([]);
    }
  });

  it('on random documents and queries (property)', async () => {
    const letters = fc.constantFrom('a', 'A', 'b', 'é', 'É', 'ß', ' ', '1', '%', '_', '\\', '😀', '\ue000', '\u0000', '\u0001', '\ud800');
    const text = fc.string({ unit: letters, maxLength: 4 });
    const scalar = fc.oneof(text, fc.integer({ min: -3, max: 12 }), fc.constantFrom(0.5, -0, 1e21), fc.boolean(), fc.constant(null));
    const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'type'), scalar, { maxKeys: 2 }) });
    const keys = fc.constantFrom('type', 'site', 'title', 'status', 'n', 'tags');
    const doc = fc.dictionary(keys, value, { maxKeys: 5 });
    const docs = fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), doc, { minKeys: 1, maxKeys: 14 });
    const operator = fc.constantFrom<QueryOperator>('=', '=', '!=', '<', '<=', '>', '>=');
    const simple: fc.Arbitrary<Query> = fc.record({
      type: fc.constant('simple' as const),
      key: fc.option(keys, { nil: undefined, freq: 4 }),
      operator,
      value: fc.oneof({ weight: 5, arbitrary: fc.oneof(text, fc.constantFrom('a%', '%a%', '_', '%1', '1', '5', 'true', 'false', '%é%', 'A_')) }, { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.boolean()) }),
    }).map((query) => (query.key === undefined ? { type: 'simple', operator: query.operator, value: query.value } : query) as Query);
    const query: fc.Arbitrary<Query> = fc.letrec<{ query: Query }>((tie) => ({
      query: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        simple,
        fc.record({ type: fc.constant('complex' as const), operator: fc.constantFrom('AND' as const, 'OR' as const), query_list: fc.array(tie('query'), { minLength: 1, maxLength: 3 }) }),
        fc.record({ type: fc.constant('complex' as const), operator: fc.constant('NOT' as const), query_list: fc.tuple(tie('query')) }),
      ),
    })).query;
    const sortOn = fc.array(fc.tuple(keys, fc.constantFrom('ascending' as const, 'descending' as const)), { maxLength: 2 });
    const options = fc.record({ query, sort_on: sortOn, limit: fc.option(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 5 })), { nil: undefined }) }).map((item) => {
      const result: AllDocsOptions = { query: item.query, sort_on: item.sort_on };
      if (item.limit) result.limit = item.limit;
      return result;
    });
    await fc.assert(
      fc.asyncProperty(docs, fc.array(options, { minLength: 1, maxLength: 6 }), async (documents, cases) => {
        await agree(documents as Record<string, Doc>, cases);
      }),
      { numRuns: 80 },
    );
  }, 240_000);

  it('still parses query texts and refuses bad ones with a 400', async () => {
    await expect(stores.sqlite.documents.allDocs({ query: 'type:asset AND' })).rejects.toMatchObject({ status: 400 });
    expect(parseQuery('type:asset')).toBeDefined();
  });
});
