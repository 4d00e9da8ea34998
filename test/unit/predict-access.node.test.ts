// Issue 17's documents over HTTP on SQLite and PostgreSQL. Failures (checked: a 400 names the
// field; of an asset of their site) are written by engineers and admins anywhere and technicians in
// their sites; prediction model specs (checked, under prediction_model/<slug>, site-less) by
// engineers and admins only, and read by them only. What the server computes — trained versions,
// predictions, degradation, asset health, their derived channels and arrays — is refused from every
// client, admin included, on every write path (403 "written by the server", nothing written),
// while the server itself writes it through its store. The app's sync brings a site's failures,
// predictions, degradation and health to the devices that read the site, the specs and versions
// to engineers' devices only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import {
  assetHealthId,
  degradationChannelId,
  degradationId,
  predictionId,
  rulChannelDoc,
  rulChannelIds,
  type AssetHealthDoc,
  type DegradationDoc,
  type FailureDoc,
  type JsonObject,
  type PredictionDoc,
  type PredictionModelDoc,
  type PredictionModelVersionDoc,
} from '../../src/core';
import { createStorage, type Storage } from '../../src/storage';
import { ReplicateStorage } from '../../src/storage/replicate/replicate-storage';
import { startPostgres, type Postgres } from '../support/postgres';
import { ADMIN_PASSWORD, apiCaller, startTestServer, type TestServer } from '../support/server-session';

let postgres: Postgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const DAY = 86_400_000;
const at = Date.UTC(2026, 10, 20);
/** The part predicted (site N) and an asset of site S. */
const BEARING = 'asset/n/t03-main-bearing';
const INVERTER = 'asset/s/inv01';

const failure = (site: string, asset: string, extra: Partial<FailureDoc> = {}): FailureDoc => ({ type: 'failure', site, asset, mode: 'outer race defect', at, ...extra });

const spec = (extra: Partial<PredictionModelDoc> = {}): PredictionModelDoc => ({
  type: 'prediction_model',
  title: 'Main bearing',
  asset_type: 'main_bearing',
  inputs: ['main_bearing_temp', 'vibration_rms'],
  step_ms: 3_600_000,
  cap_days: 90,
  lead_days: 21,
  windows: [24, 72],
  // Disabled: no training nor prediction of the server's own runs into these tests.
  enabled: false,
  ...extra,
});

const version: PredictionModelVersionDoc = {
  type: 'prediction_model_version',
  model: 'prediction_model/stored',
  version: 1,
  trained_at: at,
  trained_by: 'fieldline',
  training: { failures: 3, assets: 2, rows: 100, seconds: 1, peak_mib: 50 },
  validation: { rmse_days: 9, mae_days: 7, coverage: 0.9, level: 0.9, units: 1 },
  features: ['main_bearing_temp_mean_24'],
  importance: [{ input: 'main_bearing_temp', share: 1 }],
};

const prediction: PredictionDoc = {
  type: 'prediction',
  site: 'site/N',
  asset: BEARING,
  model: 'prediction_model/stored',
  version: 1,
  at,
  rul_days: 23,
  low_days: 17,
  high_days: 31,
  failure_at: at + 23 * DAY,
  failure_low: at + 17 * DAY,
  failure_high: at + 31 * DAY,
  level: 0.9,
  summary: 'RUL 23 days (17–31): main bearing temperature rising',
  evidence: [],
  channels: rulChannelIds('stored', BEARING).channels,
};

const degradation: DegradationDoc = {
  type: 'degradation',
  site: 'site/S',
  asset: INVERTER,
  indicator: 'performance_ratio',
  method: 'year_on_year',
  rate_pct_per_year: -0.9,
  ci_low: -1.1,
  ci_high: -0.7,
  confidence: 0.95,
  from: at - 3 * 365 * DAY,
  to: at,
  days_used: 1000,
  computed_at: at,
  channel: degradationChannelId(INVERTER),
  summary: '−0.9 %/yr',
};

/** Of an asset that is no asset document: the server's health runner never writes over it. */
const health: AssetHealthDoc = { type: 'asset_health', site: 'site/N', asset: 'asset/n/ghost', score: 40, level: 'warning', explanation: 'Main bearing: RUL 23 days', reasons: [], computed_at: at };

/** What the server writes (by id), as its runners would: straight into the store. */
const serverDocs: Array<[string, Record<string, unknown>]> = [
  ['prediction_model/stored', spec() as unknown as Record<string, unknown>],
  ['prediction_model/stored/v1', version as unknown as Record<string, unknown>],
  [predictionId('stored', BEARING), prediction as unknown as Record<string, unknown>],
  [degradationId(INVERTER), degradation as unknown as Record<string, unknown>],
  [assetHealthId('asset/n/ghost'), health as unknown as Record<string, unknown>],
];

/** The server-only documents, each with a fresh id a client might try. */
const serverOnly: Array<[string, string, Record<string, unknown>]> = [
  ['prediction_model_version', 'prediction_model/stored/v2', { ...version, version: 2 }],
  ['prediction', predictionId('other', BEARING), { ...prediction, model: 'prediction_model/other' }],
  ['degradation', 'degradation/s/inv02', { ...degradation, asset: 'asset/s/inv02' }],
  ['asset_health', 'asset_health/n/other', { ...health, asset: 'asset/n/other' }],
];

/** The app's replication query (src/main.ts): records sync, channel arrays and device-scoped documents do not. */
const APP_SYNC_QUERY = 'NOT kind:"fl-channel-array" AND NOT scope:device';

describe.each([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ DATABASE_URL: postgres.url })],
])('issue 17 documents on %s', (_name, env) => {
  let test: TestServer;
  const tokens: Record<string, string | undefined> = {};
  const call = apiCaller(() => test, tokens);
  const detail = async (response: Response) => ((await response.json()) as { error: string; detail: string }).detail;
  const path = (id: string) => `/api/docs/${encodeURIComponent(id)}`;
  const put = (who: string, id: string, doc: unknown) => call(who, 'PUT', path(id), doc);
  const bulk = async (who: string, docs: Array<{ id: string; doc?: unknown }>) => {
    const response = await call(who, 'POST', '/api/bulk_docs', { docs });
    expect(response.status).toBe(200);
    return ((await response.json()) as { results: Array<{ ok: boolean; status?: number; message?: string }> }).results;
  };
  const stored = (id: string) => test.server.store.documents.get(id).catch(() => undefined);
  const device = (who: string): { local: Storage; replica: ReplicateStorage } => {
    const local = createStorage({ type: 'memory' });
    const remote = createStorage({ type: 'http', url: test.server.url, token: tokens[who]! });
    return { local, replica: new ReplicateStorage(local, remote, createStorage({ type: 'memory' }), { query: APP_SYNC_QUERY }) };
  };

  beforeAll(async () => {
    // PREDICT=0: the server's runners would recompute (or, for the ghost asset, delete) the documents this test stores as theirs.
    test = await startTestServer({ ...env(), DEMO: '0', PREDICT: '0' });
    tokens.admin = await test.login('admin', ADMIN_PASSWORD);
    tokens.eve = await test.addUser(tokens.admin, 'eve', 'engineer');
    tokens.tom = await test.addUser(tokens.admin, 'tom', 'technician', ['site/N']);
    for (const [id, doc] of [
      ['site/N', { type: 'site', title: 'North' }],
      ['site/S', { type: 'site', title: 'South' }],
      [BEARING, { type: 'asset', site: 'site/N', title: 'T03 main bearing', asset_type: 'main_bearing' }],
      [INVERTER, { type: 'asset', site: 'site/S', title: 'INV01', asset_type: 'inverter' }],
    ] as const) {
      expect((await put('admin', id, doc)).status, id).toBe(200);
    }
    // The server's own writes: through its store, as its runners and training job write.
    const results = await test.server.store.documents.bulkDocs(serverDocs.map(([id, doc]) => ({ id, doc: doc as JsonObject })));
    expect(results.every((result) => result.ok)).toBe(true);
    await test.server.store.documents.putAttachment('prediction_model/stored/v1', 'model.json', new TextEncoder().encode('{"format":"fieldline-rul/1"}'), 'application/json');
    const rul = rulChannelDoc('stored', { id: BEARING, site: 'site/N', title: 'T03 main bearing' }, 'rul', 3_600_000);
    await test.server.store.documents.put(rulChannelIds('stored', BEARING).channels.rul, rul as never);
    const array = await ChannelArray.create(test.server.store.documents, rul.array, { timing: 'explicit', producer: 'prediction', site: 'site/N', unit: 'd' });
    await array.append(new Float32Array([30, 23]), new Float64Array([at - DAY, at]));
  }, 60_000);

  afterAll(async () => {
    await test?.stop();
  });

  it('PUT, POST and bulk_docs refuse a malformed failure or spec with a 400 naming the field, and store nothing of it', async () => {
    const bad = await put('eve', 'failure/bad', failure('site/N', BEARING, { mode: '' }));
    expect(bad.status).toBe(400);
    expect(await detail(bad)).toMatch(/failure "failure\/bad": mode must not be empty/);
    const posted = await call('tom', 'POST', '/api/docs', failure('site/N', BEARING, { at: 9e15 }));
    expect(posted.status).toBe(400);
    expect(await detail(posted)).toMatch(/at must be between/);
    // Its asset must be an asset of the failure's site.
    const elsewhere = await put('admin', 'failure/elsewhere', failure('site/N', INVERTER));
    expect(elsewhere.status).toBe(400);
    expect(await detail(elsewhere)).toMatch(/site must be its asset's \("site\/S"\)/);
    const nowhere = await put('admin', 'failure/nowhere', failure('site/N', 'asset/n/none'));
    expect(nowhere.status).toBe(400);
    expect(await detail(nowhere)).toMatch(/asset: there is no asset "asset\/n\/none"/);
    const badSpec = await put('eve', 'prediction_model/bad', spec({ inputs: [] }));
    expect(badSpec.status).toBe(400);
    expect(await detail(badSpec)).toMatch(/prediction model "prediction_model\/bad": inputs must not be empty/);
    const badSlug = await put('eve', 'prediction_model/Bad Slug', spec());
    expect(badSlug.status).toBe(400);
    expect(await detail(badSlug)).toMatch(/the slug of/);
    // POST gives a random id: a spec lives under prediction_model/<slug>.
    expect((await call('eve', 'POST', '/api/docs', spec())).status).toBe(400);
    const results = await bulk('eve', [
      { id: 'failure/bulk-bad', doc: failure('site/N', BEARING, { work_order: 'alarm/x' }) },
      { id: 'prediction_model/bulk-bad', doc: spec({ lead_days: 91 }) },
      { id: 'failure/bulk-good', doc: failure('site/N', BEARING) },
    ]);
    expect(results[0]).toMatchObject({ ok: false, status: 400 });
    expect(results[0]!.message).toMatch(/work_order must be an id starting with "work_order\/"/);
    expect(results[1]).toMatchObject({ ok: false, status: 400 });
    expect(results[1]!.message).toMatch(/lead_days must be at most cap_days/);
    expect(results[2]).toMatchObject({ ok: true });
    for (const id of ['failure/bad', 'failure/elsewhere', 'failure/nowhere', 'prediction_model/bad', 'prediction_model/Bad Slug', 'failure/bulk-bad', 'prediction_model/bulk-bad']) expect(await stored(id), id).toBeUndefined();
    // A stored one stays as it was when an edit is refused.
    const sneaky = await put('eve', 'failure/bulk-good', failure('site/N', BEARING, { mode: 'm'.repeat(201) }));
    expect(sneaky.status).toBe(400);
    expect(await stored('failure/bulk-good')).toMatchObject({ mode: 'outer race defect' });
  });

  it('failures: engineers and admins in any site, technicians in their own sites only', async () => {
    expect((await put('eve', 'failure/eve-s', failure('site/S', INVERTER, { by: 'eve' }))).status).toBe(200);
    expect((await put('admin', 'failure/admin-n', failure('site/N', BEARING))).status).toBe(200);
    expect((await put('tom', 'failure/tom-n', failure('site/N', BEARING, { by: 'tom', work_order: 'work_order/x' }))).status).toBe(200);
    const theirs = await put('tom', 'failure/tom-s', failure('site/S', INVERTER));
    expect(theirs.status).toBe(403);
    expect(await stored('failure/tom-s')).toBeUndefined();
    // Nor moved out of their site, nor read, edited or deleted there.
    expect((await put('tom', 'failure/tom-n', failure('site/S', INVERTER))).status).toBe(403);
    expect((await call('tom', 'GET', path('failure/eve-s'))).status).toBe(403);
    expect((await call('tom', 'DELETE', path('failure/eve-s'))).status).toBe(403);
    expect((await call('tom', 'GET', path('failure/admin-n'))).status).toBe(200);
    expect((await put('tom', 'failure/admin-n', failure('site/N', BEARING, { notes: 'Photos on the work order' }))).status).toBe(200);
    expect((await call('tom', 'DELETE', path('failure/tom-n'))).status).toBe(200);
    expect(await stored('failure/tom-n')).toBeUndefined();
  });

  it('prediction model specs: engineers and admins write and read them, technicians neither', async () => {
    expect((await put('eve', 'prediction_model/main-bearing', spec())).status).toBe(200);
    expect((await put('admin', 'prediction_model/gearbox', spec({ asset_type: 'gearbox' }))).status).toBe(200);
    expect((await put('eve', 'prediction_model/gearbox', spec({ asset_type: 'gearbox', title: 'Gearbox', lead_days: 14 }))).status).toBe(200);
    const written = await put('tom', 'prediction_model/tom', spec());
    expect(written.status).toBe(403);
    expect(await detail(written)).toMatch(/only engineers and admins write prediction models/);
    // Not even with a site of theirs on it.
    expect((await put('tom', 'prediction_model/tom2', { ...spec(), site: 'site/N' })).status).toBe(403);
    expect((await call('tom', 'DELETE', path('prediction_model/gearbox'))).status).toBe(403);
    for (const id of ['prediction_model/tom', 'prediction_model/tom2']) expect(await stored(id), id).toBeUndefined();
    expect((await call('eve', 'GET', path('prediction_model/stored'))).status).toBe(200);
    expect((await call('eve', 'GET', path('prediction_model/stored/v1'))).status).toBe(200);
    expect((await call('tom', 'GET', path('prediction_model/stored'))).status).toBe(403);
    expect((await call('tom', 'GET', path('prediction_model/stored/v1'))).status).toBe(403);
    expect((await call('eve', 'DELETE', path('prediction_model/gearbox'))).status).toBe(200);
  });

  it.each(serverOnly)('%s documents are refused from every client, admin included, on PUT, POST and bulk_docs', async (_type, id, doc) => {
    for (const who of ['admin', 'eve', 'tom']) {
      const response = await put(who, id, doc);
      expect(response.status, who).toBe(403);
      expect(await detail(response), who).toMatch(/written by the server/);
      const posted = await call(who, 'POST', '/api/docs', doc);
      expect(posted.status, who).toBe(403);
      expect(await detail(posted), who).toMatch(/written by the server/);
      const [result] = await bulk(who, [{ id, doc }]);
      expect(result, who).toMatchObject({ ok: false, status: 403 });
      expect(result!.message, who).toMatch(/written by the server/);
    }
    expect(await stored(id)).toBeUndefined();
  });

  it.each(serverDocs.slice(1))('the stored %s is neither changed, deleted nor given attachments by an admin', async (id, doc) => {
    const before = await stored(id);
    expect(before).toEqual(doc);
    const attachmentsBefore = await test.server.store.documents.allAttachments(id);
    const refusals: Response[] = [
      await put('admin', id, { ...doc, summary: 'Edited by hand' }),
      await put('admin', id, { type: 'note', site: 'site/N', text: 'not a prediction any more' }),
      await call('admin', 'DELETE', path(id)),
      await call('admin', 'PUT', `${path(id)}/attachments/model.json`, '{"format":"fieldline-rul/1","trees":[]}', { 'content-type': 'application/json' }),
      await call('admin', 'DELETE', `${path(id)}/attachments/model.json`),
    ];
    for (const [index, response] of refusals.entries()) {
      expect(response.status, `write ${index}`).toBe(403);
      expect(await detail(response), `write ${index}`).toMatch(/written by the server/);
    }
    const [deleted] = await bulk('admin', [{ id }]);
    expect(deleted).toMatchObject({ ok: false, status: 403 });
    expect(await stored(id)).toEqual(before);
    expect(await test.server.store.documents.allAttachments(id)).toEqual(attachmentsBefore);
  });

  it('the ids the server keeps for its documents and derived channels are taken by no client, admin included, whatever the document', async () => {
    const ids = rulChannelIds('fresh', BEARING);
    const squats = [predictionId('fresh', BEARING), 'degradation/n/x', 'asset_health/n/x', 'prediction_model/stored/v9', ids.channels.rul, ids.arrays.low, degradationChannelId(BEARING), `array/degradation/n/x/indicator`];
    for (const id of squats) {
      const response = await put('admin', id, { type: 'note', site: 'site/N', text: 'mine now' });
      expect(response.status, id).toBe(403);
      expect(await detail(response), id).toMatch(/is written by the server/);
      expect(await stored(id), id).toBeUndefined();
    }
    // Neither through the array routes nor as a transformation's output.
    const created = await call('admin', 'POST', '/api/arrays', { id: ids.arrays.rul, timing: 'explicit', site: 'site/N' });
    expect(created.status).toBe(403);
    expect(await stored(ids.arrays.rul)).toBeUndefined();
    const transformation = await call('admin', 'POST', '/api/transformations', { id: 'transformation/squat', inputs: [rulChannelIds('stored', BEARING).arrays.rul], kernel: 'escalated_max', params: { block: 2 }, output: ids.arrays.high });
    expect(transformation.status).toBe(403);
    expect(await stored('transformation/squat')).toBeUndefined();
    // The stored remaining-life channel and its array: no one writes over them, nor appends to it.
    const stored_rul = rulChannelIds('stored', BEARING);
    expect((await put('admin', stored_rul.channels.rul, { ...rulChannelDoc('stored', { id: BEARING, site: 'site/N', title: 'Edited' }, 'rul') })).status).toBe(403);
    const [overwritten] = await bulk('tom', [{ id: stored_rul.arrays.rul, doc: { kind: 'fl-channel-array', site: 'site/N', timing: 'explicit', length: 0 } }]);
    expect(overwritten).toMatchObject({ ok: false, status: 403 });
    const appended = await call('tom', 'POST', `/api/arrays/${encodeURIComponent(stored_rul.arrays.rul)}/values`, { times: [at + DAY], values: [1] });
    expect([403, 409]).toContain(appended.status);
    const array = await ChannelArray.open(test.server.store.documents, stored_rul.arrays.rul);
    expect(array.length).toBe(2);
    expect(await stored(stored_rul.channels.rul)).toMatchObject({ title: 'T03 main bearing — remaining useful life' });
  });

  it("whoever reads a site reads its predictions, degradation and health; the app's sync brings them to those devices, the specs and versions to engineers' only", async () => {
    const predicted = predictionId('stored', BEARING);
    expect((await call('tom', 'GET', path(predicted))).status).toBe(200);
    expect((await call('tom', 'GET', path(assetHealthId('asset/n/ghost')))).status).toBe(200);
    expect((await call('tom', 'GET', path(degradationId(INVERTER)))).status).toBe(403);
    expect((await call('eve', 'GET', path(degradationId(INVERTER)))).status).toBe(200);

    const tom = device('tom');
    const report = await tom.replica.sync();
    expect(report.refused).toEqual([]);
    expect(await tom.local.get(predicted)).toEqual(prediction);
    expect(await tom.local.get(assetHealthId('asset/n/ghost'))).toEqual(health);
    expect(await tom.local.get(rulChannelIds('stored', BEARING).channels.rul)).toMatchObject({ derived: { kind: 'rul' } });
    expect(await tom.local.get('failure/admin-n')).toMatchObject({ type: 'failure', site: 'site/N' });
    const types = async (local: Storage) => new Set((await local.allDocs({ include_docs: true })).rows.map((row) => row.doc!.type));
    const tomTypes = await types(tom.local);
    for (const type of ['degradation', 'prediction_model', 'prediction_model_version']) expect(tomTypes.has(type), type).toBe(false);
    // A second sync has nothing to push back (nothing server-only is ever sent from the device).
    const again = await tom.replica.sync();
    expect(again.refused).toEqual([]);

    const eve = device('eve');
    expect((await eve.replica.sync()).refused).toEqual([]);
    expect(await eve.local.get('prediction_model/stored/v1')).toEqual(version);
    expect(await eve.local.get('prediction_model/main-bearing')).toMatchObject({ type: 'prediction_model' });
    expect(await eve.local.get(degradationId(INVERTER))).toEqual(degradation);
    expect(await eve.local.get(predicted)).toEqual(prediction);
  });
});
