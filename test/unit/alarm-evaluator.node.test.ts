// The server's alarm evaluator (src/server/alarms) on a real SQLite file and a throwaway
// PostgreSQL: a rule over ingested data raises an alarm document at the data's times; many small
// appends give what one does; a restart resumes from the stored positions; a SIGKILLed process
// mid-backlog leaves nothing doubled or lost; two evaluators on one PostgreSQL raise each alarm
// once; stale data is raised by the clock (an injected one); bounded passes serve every rule;
// a changed rule starts over from the end, a disabled one stops. The expected alarms are those
// the core engine gives over all the samples in memory, in one go (reference()).
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { alarmRuleProblem, applyTransition, initRuleState, stepRule, type Alarm, type AlarmRule, type RuleBinding, type RuleState } from '../../src/core';
import { projectRoot } from '../../src/server';
import { AlarmEvaluator } from '../../src/server/alarms/alarm-evaluator';
import { InProcessPublisher } from '../../src/server/live/publisher';
import { loadBindings } from '../../src/server/alarms/rule-bindings';
import { IngestService } from '../../src/server/ingest/ingest-service';
import { Sources } from '../../src/server/ingest/sources';
import { PostgresStore } from '../../src/server/store/postgres-store';
import { SqliteStore } from '../../src/server/store/sqlite-store';
import type { Store } from '../../src/server/store/store';
import type { Query, SqlDriver } from '../../src/server/store/sql/driver';
import type { Doc } from '../../src/storage/backend';
import { startPostgres, type Postgres } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';

let postgres: Postgres | undefined;
const dirs: string[] = [];
let serial = 0;

interface Backend {
  name: string;
  /** A fresh empty database; `again()` opens another store (a second connection / pool) on it. */
  fresh(): Promise<{ store: Store; again: () => Promise<Store>; env: Record<string, string> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async fresh() {
      const dir = makeTempDir('fieldline-alarms-');
      dirs.push(dir);
      return { store: await SqliteStore.open(dir), again: () => SqliteStore.open(dir), env: { DATA_DIR: dir } };
    },
  },
  {
    name: 'PostgreSQL',
    async fresh() {
      const schema = `alarms_${process.pid}_${++serial}`;
      const open = () => PostgresStore.open(postgres!.url, { schema, max: 3 });
      return { store: await open(), again: open, env: { DATABASE_URL: postgres!.url, PG_SCHEMA: schema } };
    },
  },
];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);

afterAll(() => {
  postgres?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const SITE = 'site/plant';
const ASSET = 'asset/plant/pump-1';
const T0 = Date.UTC(2026, 10, 1);

/** A channel with its array (explicit timing) and asset, written directly to the store. */
async function seedChannel(store: Store, field: string): Promise<{ channel: string; array: ChannelArray }> {
  const source = 'source/00000000-0000-4000-8000-000000000001';
  const channel = `channel/${source}/${field}`;
  const arrayId = `array/${source}/${field}`;
  await store.documents.put(ASSET, { type: 'asset', site: SITE, title: 'Pump 1', asset_type: 'pump' });
  const array = await ChannelArray.create(store.documents, arrayId, { timing: 'explicit', site: SITE });
  await store.documents.put(channel, { type: 'channel', site: SITE, asset: ASSET, source, array: arrayId, title: field, unit: '°C', field });
  return { channel, array };
}

function thresholdRule(channel: string, level = 50): AlarmRule {
  return { type: 'alarm_rule', site: SITE, title: 'Too hot', enabled: true, target: { channel }, condition: { kind: 'threshold', direction: 'high', level }, severity: 'high' };
}

/** Samples at 1 s: 20 everywhere, 60 in the given [from, to) index ranges. */
function pattern(count: number, hot: ReadonlyArray<[number, number]>, start = 0): { times: Float64Array; values: Float32Array } {
  const times = new Float64Array(count);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const index = start + i;
    times[i] = T0 + index * 1000;
    values[i] = hot.some(([from, to]) => index >= from && index < to) ? 60 : 20;
  }
  return { times, values };
}

/** A sawtooth crossing 50 every `period` samples: many activations, for backlogs. */
function sawtooth(count: number, period: number): { times: Float64Array; values: Float32Array } {
  const times = new Float64Array(count);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    times[i] = T0 + i * 1000;
    values[i] = i % period < period / 4 ? 70 : 10;
  }
  return { times, values };
}

/** The binding the evaluator makes of a rule (from the documents, as it does). */
async function bindingOf(store: Store, ruleId: string): Promise<RuleBinding> {
  const found = (await loadBindings(store.driver)).bound.find(({ binding }) => binding.ruleId === ruleId);
  if (!found) throw new Error(`${ruleId} binds no channel`);
  return found.binding;
}

/** The alarms the core engine gives over all the samples at once, in memory. */
function reference(binding: RuleBinding, samples: { times: Float64Array; values: Float32Array }): Map<string, Alarm> {
  let state: RuleState = initRuleState(binding);
  const alarms = new Map<string, Alarm>();
  let latest: string | undefined;
  const { state: stepped, transitions } = stepRule(binding, state, [{ input: 0, times: samples.times, values: samples.values }]);
  state = stepped;
  for (const transition of transitions) {
    const applied = applyTransition(binding, state, latest === undefined ? undefined : alarms.get(latest), transition);
    state = applied.state;
    alarms.set(applied.id, applied.alarm);
    latest = applied.id;
  }
  return alarms;
}

/** Every alarm document stored. */
async function storedAlarms(store: Store): Promise<Map<string, Alarm>> {
  const rows = await store.driver.transaction((query) => query("SELECT id, doc FROM documents WHERE id >= 'alarm/' AND id < 'alarm0' AND deleted = ? ORDER BY id", [false]));
  return new Map(rows.map((row) => [String(row.id), JSON.parse(String(row.doc)) as Alarm]));
}

async function evaluationRows(store: Store): Promise<Array<{ id: string; positions: Record<string, number>; version: number }>> {
  const rows = await store.driver.transaction((query) => query('SELECT id, positions, version FROM alarm_evaluations ORDER BY id'));
  return rows.map((row) => ({ id: String(row.id), positions: JSON.parse(String(row.positions)) as Record<string, number>, version: Number(row.version) }));
}

for (const backend of backends) {
  describe(`alarm evaluator on ${backend.name}`, () => {
    it('a threshold rule over ingested data raises an alarm document at the data times, and clears it', async () => {
      const { store } = await backend.fresh();
      try {
        const source = await new Sources(store.driver).create({ tag: `alarms.${backend.name}.${++serial}`, site: SITE, asset: ASSET, units: { temp: '°C' } });
        await store.documents.put(ASSET, { type: 'asset', site: SITE, title: 'Pump 1', asset_type: 'pump' });
        const ingest = new IngestService(store);
        const { times, values } = pattern(300, [[100, 150]]);
        const now = Date.now();
        const events = Array.from(times, (time, i) => ({ time, record: { temp: values[i]! } }));
        await ingest.ingest(source, 'batch-1', events, new Uint8Array([1]));
        const channel = `channel/${source.id}/temp`;
        await store.documents.put('alarm_rule/too-hot', thresholdRule(channel) as unknown as Doc);
        const evaluator = new AlarmEvaluator(store, { now: () => now });
        await evaluator.runUntilCaughtUp();
        const alarms = await storedAlarms(store);
        const id = `alarm/too-hot/${source.id}/temp/1`;
        expect([...alarms.keys()]).toEqual([id]);
        expect(alarms.get(id)).toMatchObject({ type: 'alarm', site: SITE, asset: ASSET, channel, rule: 'alarm_rule/too-hot', severity: 'high', state: 'cleared_unacked', raised_at: T0 + 100_000, cleared_at: T0 + 150_000, count: 1 });
        expect(alarms.get(id)!.history.map((entry) => entry.kind)).toEqual(['raised', 'cleared']);
        const [row] = await evaluationRows(store);
        expect(row!.positions).toEqual({ [`array/${source.id}/temp`]: 300 });
        // Nothing new: another pass writes nothing.
        const commits = evaluator.counters.commits;
        await evaluator.runPass();
        expect(evaluator.counters.commits).toBe(commits);
      } finally {
        await store.close();
      }
    });

    it('data appended in many small batches gives the same alarms as one batch', async () => {
      const { store } = await backend.fresh();
      const { store: other } = await backend.fresh();
      try {
        const samples = pattern(2000, [[100, 150], [300, 301], [700, 820], [1500, 1990]]);
        const evaluators: AlarmEvaluator[] = [];
        for (const target of [store, other]) {
          const { channel } = await seedChannel(target, 'temp');
          await target.documents.put('alarm_rule/too-hot', thresholdRule(channel) as unknown as Doc);
          evaluators.push(new AlarmEvaluator(target, { batch: 7 }));
        }
        const one = await ChannelArray.open(store.documents, 'array/source/00000000-0000-4000-8000-000000000001/temp');
        await one.append(samples.values, samples.times);
        await evaluators[0]!.runUntilCaughtUp();
        const many = await ChannelArray.open(other.documents, 'array/source/00000000-0000-4000-8000-000000000001/temp');
        // Uneven pieces, evaluated after each append (steps of 7 inside).
        for (let from = 0, size = 1; from < 2000; from += size, size = (size * 7) % 53 || 1) {
          const to = Math.min(2000, from + size);
          await many.append(samples.values.slice(from, to), samples.times.slice(from, to));
          await evaluators[1]!.runUntilCaughtUp();
        }
        const expected = reference(await bindingOf(store, 'alarm_rule/too-hot'), samples);
        expect(expected.size).toBeGreaterThan(0);
        expect(await storedAlarms(store)).toEqual(expected);
        expect(await storedAlarms(other)).toEqual(expected);
        expect(evaluators[1]!.counters.commits).toBeGreaterThan(evaluators[0]!.counters.commits);
      } finally {
        await store.close();
        await other.close();
      }
    }, 120_000);

    it('a template rule over two fields of each pump (AND): one binding per pump; read in small steps, or appended in small pieces, it gives what one stepRule over everything does', async () => {
      const { store } = await backend.fresh();
      const { store: other } = await backend.fresh();
      try {
        const count = 600;
        const pumps = ['pump-1', 'pump-2'];
        const data = new Map<string, { times: Float64Array; values: Float32Array }>();
        for (const [p, pump] of pumps.entries()) {
          const temp = pattern(count, [[50 + p * 10, 200], [400, 450]]);
          // Pressure every 2 s: the inputs' batches of one step then cover different times.
          const full = pattern(count, [[100, 300], [420, 500]]);
          const pressure = { times: full.times.filter((_, i) => i % 2 === 0), values: full.values.filter((_, i) => i % 2 === 0) };
          data.set(`${pump}/temp`, temp);
          data.set(`${pump}/pressure`, pressure);
        }
        const rule: AlarmRule = {
          type: 'alarm_rule', site: SITE, title: 'Hot under pressure', enabled: true, target: { asset_type: 'pump', field: 'temp' }, severity: 'medium',
          condition: { kind: 'all', conditions: [{ kind: 'threshold', direction: 'high', level: 50 }, { kind: 'threshold', direction: 'high', level: 50, field: 'pressure' }] },
        };
        const arrays = new Map<Store, Map<string, ChannelArray>>();
        for (const target of [store, other]) {
          const byKey = new Map<string, ChannelArray>();
          for (const pump of pumps) {
            const source = `source/00000000-0000-4000-8000-00000000000${pumps.indexOf(pump) + 1}`;
            await target.documents.put(`asset/plant/${pump}`, { type: 'asset', site: SITE, title: pump, asset_type: 'pump' });
            for (const field of ['temp', 'pressure']) {
              const array = await ChannelArray.create(target.documents, `array/${source}/${field}`, { timing: 'explicit', site: SITE });
              await target.documents.put(`channel/${source}/${field}`, { type: 'channel', site: SITE, asset: `asset/plant/${pump}`, source, array: array.id, title: field, unit: '', field });
              byKey.set(`${pump}/${field}`, array);
            }
          }
          await target.documents.put('alarm_rule/hot-pressure', rule as unknown as Doc);
          arrays.set(target, byKey);
        }
        for (const [key, array] of arrays.get(store)!) await array.append(data.get(key)!.values, data.get(key)!.times);
        // Everything there, read 5 samples per input per step: pressure's 5 reach twice as far in
        // time as temp's, so each step must stop at the earlier end (pump-2's temp turns hot at 60 s,
        // after pressure's reads have passed 100 s).
        const one = new AlarmEvaluator(store, { batch: 5 });
        await one.runUntilCaughtUp();
        const many = new AlarmEvaluator(other, { batch: 7 });
        for (let from = 0, size = 3; from < count; from += size, size = (size * 5) % 41 || 3) {
          const to = Math.min(count, from + size);
          for (const [key, array] of arrays.get(other)!) {
            const [start, end] = key.endsWith('/pressure') ? [Math.ceil(from / 2), Math.ceil(to / 2)] : [from, to];
            await array.append(data.get(key)!.values.slice(start, end), data.get(key)!.times.slice(start, end));
          }
          await many.runUntilCaughtUp();
        }
        const bindings = (await loadBindings(store.driver)).bound.map(({ binding }) => binding);
        expect(bindings.map((binding) => [binding.asset, binding.inputs.length])).toEqual([['asset/plant/pump-1', 2], ['asset/plant/pump-2', 2]]);
        const expected = new Map<string, Alarm>();
        for (const binding of bindings) {
          let state: RuleState = initRuleState(binding);
          const batch = binding.inputs.map((array, input) => {
            const key = [...arrays.get(store)!].find(([, stored]) => stored.id === array)![0];
            return { input, times: data.get(key)!.times, values: data.get(key)!.values };
          });
          const stepped = stepRule(binding, state, batch);
          state = stepped.state;
          let latest: string | undefined;
          for (const transition of stepped.transitions) {
            const applied = applyTransition(binding, state, latest === undefined ? undefined : expected.get(latest), transition);
            state = applied.state;
            expected.set(applied.id, applied.alarm);
            latest = applied.id;
          }
        }
        expect(expected.size).toBe(2);
        // Both conditions hold from the later of the two starts: pump-1 at 100 s (pressure), pump-2 at 100 s too.
        expect([...expected.values()].map((alarm) => alarm.raised_at)).toEqual([T0 + 100_000, T0 + 100_000]);
        expect(await storedAlarms(store)).toEqual(expected);
        expect(await storedAlarms(other)).toEqual(expected);
      } finally {
        await store.close();
        await other.close();
      }
    }, 120_000);

    it('a restart resumes from the stored positions: no alarm twice, none lost', async () => {
      const { store, again } = await backend.fresh();
      let reopened: Store | undefined;
      try {
        const { channel, array } = await seedChannel(store, 'temp');
        await store.documents.put('alarm_rule/too-hot', thresholdRule(channel) as unknown as Doc);
        const samples = sawtooth(4000, 100);
        await array.append(samples.values.slice(0, 2500), samples.times.slice(0, 2500));
        const first = new AlarmEvaluator(store, { batch: 300 });
        await first.runUntilCaughtUp();
        const [before] = await evaluationRows(store);
        expect(Object.values(before!.positions)).toEqual([2500]);
        await store.close();
        reopened = await again();
        const more = await ChannelArray.open(reopened.documents, array.id);
        await more.append(samples.values.slice(2500), samples.times.slice(2500));
        const second = new AlarmEvaluator(reopened, { batch: 300 });
        await second.runUntilCaughtUp();
        // Only the new samples were read after the restart.
        expect(second.counters.samples).toBe(1500);
        const [after] = await evaluationRows(reopened);
        expect(after!.version).toBeGreaterThan(before!.version);
        const expected = reference(await bindingOf(reopened, 'alarm_rule/too-hot'), samples);
        expect(await storedAlarms(reopened)).toEqual(expected);
        expect([...expected.values()][0]!.count).toBe(40);
      } finally {
        await (reopened ?? store).close().catch(() => undefined);
      }
    });

    it('exactly once across a SIGKILL mid-evaluation: after the restart the alarms and counts equal a clean run', async () => {
      const { store, env } = await backend.fresh();
      try {
        const { channel, array } = await seedChannel(store, 'temp');
        await store.documents.put('alarm_rule/too-hot', thresholdRule(channel) as unknown as Doc);
        const samples = sawtooth(200_000, 1000);
        await array.append(samples.values, samples.times);
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/alarm-evaluator-child.ts'], { cwd: projectRoot, env: { ...process.env, ...env, ALARM_BATCH: '250' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const exited = once(child, 'exit');
        // Killed once it has committed some steps (its row's version moved on), while it works.
        await expect.poll(async () => (await evaluationRows(store))[0]?.version ?? 0, { timeout: 60_000, interval: 10 }).toBeGreaterThanOrEqual(5);
        child.kill('SIGKILL');
        const [code, signal] = (await exited) as [number | null, string | null];
        expect(signal, output).toBe('SIGKILL');
        expect(code).toBeNull();
        const [killed] = await evaluationRows(store);
        expect(Object.values(killed!.positions)[0]).toBeLessThan(200_000);
        const restarted = new AlarmEvaluator(store, { batch: 4096 });
        await restarted.runUntilCaughtUp();
        // The restart read exactly what the killed process had not committed.
        expect(restarted.counters.samples).toBe(200_000 - Object.values(killed!.positions)[0]!);
        const expected = reference(await bindingOf(store, 'alarm_rule/too-hot'), samples);
        const stored = await storedAlarms(store);
        expect(stored).toEqual(expected);
        expect([...stored.values()][0]!.count).toBe(200);
      } finally {
        await store.close();
      }
    }, 120_000);

    it('stale data is raised by the clock (tickRule, an injected clock) and cleared by the next sample', async () => {
      const { store } = await backend.fresh();
      try {
        const { channel, array } = await seedChannel(store, 'temp');
        const rule: AlarmRule = { ...thresholdRule(channel), title: 'No data', condition: { kind: 'stale', after_s: 60 } };
        await store.documents.put('alarm_rule/no-data', rule as unknown as Doc);
        const samples = pattern(100, []);
        await array.append(samples.values, samples.times);
        const last = samples.times[99]!;
        let now = last + 30_000;
        const evaluator = new AlarmEvaluator(store, { now: () => now });
        await evaluator.runUntilCaughtUp();
        await evaluator.runPass();
        expect((await storedAlarms(store)).size).toBe(0);
        now = last + 61_000;
        await evaluator.runPass();
        const raised = [...(await storedAlarms(store)).values()];
        expect(raised).toHaveLength(1);
        expect(raised[0]).toMatchObject({ state: 'active_unacked', raised_at: last + 60_000, rule: 'alarm_rule/no-data' });
        // The same tick again changes nothing.
        const commits = evaluator.counters.commits;
        await evaluator.runPass();
        expect(evaluator.counters.commits).toBe(commits);
        await array.append(Float32Array.of(20), Float64Array.of(last + 120_000));
        now = last + 121_000;
        await evaluator.runUntilCaughtUp();
        expect([...(await storedAlarms(store)).values()][0]).toMatchObject({ state: 'cleared_unacked', cleared_at: last + 120_000 });
      } finally {
        await store.close();
      }
    });

    it("a rule's `from`: samples stamped before it are read past, never folded in (a stale rule sees no gap in an hourly archive); the ones after are evaluated", async () => {
      const { store } = await backend.fresh();
      try {
        const { channel, array } = await seedChannel(store, 'temp');
        const from = T0 + 10 * 3_600_000;
        // Ten hours of hourly samples, every other one hot; then 1 s samples from `from` on, hot at 100–199 s.
        const archive = { times: Float64Array.from({ length: 10 }, (_, i) => T0 + i * 3_600_000), values: Float32Array.from({ length: 10 }, (_, i) => (i % 2 === 1 ? 60 : 20)) };
        const recent = pattern(300, [[36_100, 36_200]], 36_000);
        expect(recent.times[0]).toBe(from);
        await array.append(archive.values, archive.times);
        await array.append(recent.values, recent.times);
        await store.documents.put('alarm_rule/hot', { ...thresholdRule(channel), from } as unknown as Doc);
        await store.documents.put('alarm_rule/stale', { ...thresholdRule(channel), title: 'No data', condition: { kind: 'stale', after_s: 60 }, from } as unknown as Doc);
        const evaluator = new AlarmEvaluator(store, { now: () => recent.times[299]! + 1000 });
        await evaluator.runUntilCaughtUp();
        await evaluator.runPass();
        const alarms = [...(await storedAlarms(store)).values()];
        expect(alarms.map((alarm) => [alarm.rule, alarm.raised_at, alarm.cleared_at])).toEqual([['alarm_rule/hot', from + 100_000, from + 200_000]]);
        // Every sample was read (positions at the end), and the rule is checked like any field.
        expect((await evaluationRows(store)).map((row) => Object.values(row.positions))).toEqual([[310], [310]]);
        expect(alarmRuleProblem({ ...thresholdRule(channel), from: 'soon' })).toContain('from');
      } finally {
        await store.close();
      }
    });

    it('bounded passes: a huge backlog of one rule does not hold up a live one (round-robin)', async () => {
      const { store } = await backend.fresh();
      try {
        const big = await seedChannel(store, 'a-big');
        const small = await seedChannel(store, 'b-small');
        await store.documents.put('alarm_rule/a-big', thresholdRule(big.channel) as unknown as Doc);
        await store.documents.put('alarm_rule/b-small', thresholdRule(small.channel) as unknown as Doc);
        const backlog = sawtooth(50_000, 1000);
        await big.array.append(backlog.values, backlog.times);
        const live = pattern(10, [[5, 10]]);
        await small.array.append(live.values, live.times);
        const evaluator = new AlarmEvaluator(store, { batch: 1000, passSamples: 1000 });
        await evaluator.runPass();
        await evaluator.runPass();
        const status = await evaluator.status();
        const byRule = new Map(status.bindings.map((binding) => [binding.rule, binding]));
        expect(byRule.get('alarm_rule/b-small')).toMatchObject({ caught_up: true, inputs: [{ position: 10, length: 10, lag: 0 }] });
        expect(byRule.get('alarm_rule/a-big')!.caught_up).toBe(false);
        expect(byRule.get('alarm_rule/a-big')!.inputs[0]!.lag).toBeGreaterThan(40_000);
        expect((await storedAlarms(store)).has(`alarm/b-small/${small.channel.slice('channel/'.length)}/1`)).toBe(true);
      } finally {
        await store.close();
      }
    });

    it('a binding whose array the bus just told goes first in the pass, ahead of a backlog', async () => {
      const { store } = await backend.fresh();
      try {
        const big = await seedChannel(store, 'a-big');
        const small = await seedChannel(store, 'b-small');
        await store.documents.put('alarm_rule/a-big', thresholdRule(big.channel) as unknown as Doc);
        await store.documents.put('alarm_rule/b-small', thresholdRule(small.channel) as unknown as Doc);
        const other = await seedChannel(store, 'c-big');
        await store.documents.put('alarm_rule/c-big', thresholdRule(other.channel) as unknown as Doc);
        const backlog = sawtooth(50_000, 1000);
        await big.array.append(backlog.values, backlog.times);
        await other.array.append(backlog.values, backlog.times);
        const live = new InProcessPublisher({ coalesceMs: 0 });
        const evaluator = new AlarmEvaluator(store, { live, batch: 1000, passSamples: 1000 });
        // Two passes of the round-robin (a-big, then c-big): the next one would start at a-big again
        // and spend its budget there.
        await evaluator.runPass();
        await evaluator.runPass();
        const sample = pattern(1, [[100, 101]], 100);
        await small.array.append(sample.values, sample.times);
        live.publish({ event: 'samples', data: { array: small.array.id, channel: small.channel, site: SITE, length: 1, last: { time: sample.times[0]!, value: 60 } } });
        // The bus wakes its readers in a microtask.
        await new Promise((resolve) => setImmediate(resolve));
        await evaluator.runPass();
        const status = await evaluator.status();
        expect(status.bindings.find((binding) => binding.rule === 'alarm_rule/b-small')!.caught_up).toBe(true);
        expect(status.bindings.find((binding) => binding.rule === 'alarm_rule/a-big')!.caught_up).toBe(false);
        expect((await storedAlarms(store)).has(`alarm/b-small/${small.channel.slice('channel/'.length)}/1`)).toBe(true);
        await evaluator.stop();
        live.close();
      } finally {
        await store.close();
      }
    });

    it('steps that change no alarm are written together: one transaction per pass for twenty bindings', async () => {
      const { store } = await backend.fresh();
      try {
        const arrays: ChannelArray[] = [];
        for (let i = 0; i < 20; i++) {
          const { channel, array } = await seedChannel(store, `quiet-${i}`);
          await store.documents.put(`alarm_rule/quiet-${i}`, thresholdRule(channel) as unknown as Doc);
          arrays.push(array);
        }
        const samples = pattern(10, []);
        for (const array of arrays) await array.append(samples.values, samples.times);
        // The store's driver, counting the transactions that write evaluation rows.
        let writing = 0;
        const driver = store.driver;
        const counted: Store = {
          backend: store.backend,
          documents: store.documents,
          accounts: store.accounts,
          ingestions: store.ingestions,
          schemaVersion: () => store.schemaVersion(),
          ping: () => store.ping(),
          close: () => store.close(),
          driver: {
            dialect: driver.dialect,
            close: () => driver.close(),
            transaction: <T>(work: (query: Query) => Promise<T>) => {
              let counts = false;
              return driver.transaction((query) =>
                work((sql, params) => {
                  if (!counts && /^(INSERT INTO|UPDATE) alarm_evaluations/.test(sql)) {
                    counts = true;
                    writing++;
                  }
                  return query(sql, params);
                }),
              );
            },
          } satisfies SqlDriver,
        };
        const evaluator = new AlarmEvaluator(counted);
        await evaluator.runUntilCaughtUp();
        expect(evaluator.counters.commits).toBe(20);
        expect(writing).toBe(1);
        expect((await evaluationRows(store)).map((row) => Object.values(row.positions))).toEqual(Array.from({ length: 20 }, () => [10]));
      } finally {
        await store.close();
      }
    });

    it('a binding whose step keeps failing is reported and waits for the poll (no spinning); the other rules go on', async () => {
      const { store } = await backend.fresh();
      try {
        const good = await seedChannel(store, 'good');
        await store.documents.put('alarm_rule/good', thresholdRule(good.channel) as unknown as Doc);
        const samples = pattern(20, [[5, 10]]);
        await good.array.append(samples.values, samples.times);
        // A channel whose array metadata says 10 samples that were never written: every read fails.
        const source = 'source/00000000-0000-4000-8000-0000000000ba';
        await store.documents.put(`array/${source}/broken`, { kind: 'fl-channel-array', version: 1, chunk_size: 65_536, length: 10, timing: 'explicit', segments: [], chunk_first_time: [T0], last_time: T0 + 9000, site: SITE });
        await store.documents.put(`channel/${source}/broken`, { type: 'channel', site: SITE, asset: ASSET, source, array: `array/${source}/broken`, title: 'broken', unit: '', field: 'broken' });
        await store.documents.put('alarm_rule/broken', thresholdRule(`channel/${source}/broken`) as unknown as Doc);
        const evaluator = new AlarmEvaluator(store);
        // The first pass serves the good rule (progress: another pass at once); the second has
        // only the broken binding left and asks for no immediate successor.
        expect(await evaluator.runPass()).toBe(true);
        expect(await evaluator.runPass()).toBe(false);
        const status = await evaluator.status();
        const byRule = new Map(status.bindings.map((binding) => [binding.rule, binding]));
        expect(byRule.get('alarm_rule/good')!.caught_up).toBe(true);
        expect(byRule.get('alarm_rule/broken')).toMatchObject({ caught_up: false, inputs: [{ position: 0, length: 10 }] });
        expect(byRule.get('alarm_rule/broken')!.error).toBeTruthy();
        expect(evaluator.counters.failures).toBe(2);
        await expect(evaluator.runUntilCaughtUp()).rejects.toThrow(/cannot go on/);
        expect((await storedAlarms(store)).size).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('a changed rule starts over from the current end (its open alarm goes on); a disabled one stops and keeps its alarms', async () => {
      const { store } = await backend.fresh();
      try {
        const { channel, array } = await seedChannel(store, 'temp');
        await store.documents.put('alarm_rule/too-hot', thresholdRule(channel, 50) as unknown as Doc);
        // 20, then 60 at 100–150, then 40: under the first level, over the second.
        const history = pattern(300, [[100, 150]]);
        for (let i = 200; i < 300; i++) history.values[i] = 40;
        await array.append(history.values, history.times);
        const evaluator = new AlarmEvaluator(store);
        await evaluator.runUntilCaughtUp();
        const prefix = `alarm/too-hot/${channel.slice('channel/'.length)}/`;
        expect([...(await storedAlarms(store)).keys()]).toEqual([`${prefix}1`]);
        // Renamed only: the evaluation goes on as it was (no start over, the row is not rewritten).
        const [named] = await evaluationRows(store);
        await store.documents.put('alarm_rule/too-hot', { ...thresholdRule(channel, 50), title: 'Pump too hot', description: 'renamed' } as unknown as Doc);
        await evaluator.runUntilCaughtUp();
        expect((await evaluationRows(store))[0]!.version).toBe(named!.version);
        // Level 30: the 40s of the history are not looked at again, only what comes next.
        await store.documents.put('alarm_rule/too-hot', thresholdRule(channel, 30) as unknown as Doc);
        await evaluator.runUntilCaughtUp();
        expect(Object.values((await evaluationRows(store))[0]!.positions)).toEqual([300]);
        expect((await storedAlarms(store)).size).toBe(1);
        const next = pattern(10, [], 300);
        next.values.fill(35);
        await array.append(next.values, next.times);
        await evaluator.runUntilCaughtUp();
        // The first alarm was never acknowledged (cleared_unacked): the fresh state re-activates it
        // (flood protection), it does not write over it with a new alarm 1.
        const alarms = await storedAlarms(store);
        expect([...alarms.keys()]).toEqual([`${prefix}1`]);
        expect(alarms.get(`${prefix}1`)).toMatchObject({ raised_at: T0 + 100_000, state: 'active_unacked', count: 2 });
        expect(alarms.get(`${prefix}1`)!.history.map((entry) => [entry.kind, entry.at])).toEqual([['raised', T0 + 100_000], ['cleared', T0 + 150_000], ['reactivated', T0 + 300_000]]);
        // Disabled: new data is not evaluated; the open alarm stays as it was.
        await store.documents.put('alarm_rule/too-hot', { ...thresholdRule(channel, 30), enabled: false } as unknown as Doc);
        const cold = pattern(10, [], 310);
        await array.append(cold.values, cold.times);
        await evaluator.runUntilCaughtUp();
        expect((await storedAlarms(store)).get(`${prefix}1`)).toEqual(alarms.get(`${prefix}1`));
        const status = await evaluator.status();
        expect(status.bindings).toEqual([]);
        expect(status.stopped).toMatchObject([{ rule: 'alarm_rule/too-hot', channel }]);
      } finally {
        await store.close();
      }
    });
  });
}

describe('two evaluators on one PostgreSQL', () => {
  it('two stores (pools) over the same rules, made to race on the same step: each alarm once', async () => {
    const { store, again } = await backends[1]!.fresh();
    const second = await again();
    try {
      const { channel, array } = await seedChannel(store, 'temp');
      await store.documents.put('alarm_rule/too-hot', thresholdRule(channel) as unknown as Doc);
      const samples = sawtooth(20_000, 500);
      await array.append(samples.values, samples.times);
      // Both hold their first commit until the other has prepared its own: they evaluated the
      // same samples from the same version, so one of them must lose.
      let arrived = 0;
      let release: () => void = () => undefined;
      const bothThere = new Promise<void>((resolve) => (release = resolve));
      const barrier = async () => {
        if (++arrived === 2) release();
        if (arrived <= 2) await bothThere;
      };
      const evaluators = [store, second].map((target) => new AlarmEvaluator(target, { batch: 1000, passSamples: 1000, beforeCommit: barrier }));
      await Promise.all(evaluators.map((evaluator) => evaluator.runUntilCaughtUp()));
      expect(evaluators[0]!.counters.raced + evaluators[1]!.counters.raced).toBeGreaterThanOrEqual(1);
      const expected = reference(await bindingOf(store, 'alarm_rule/too-hot'), samples);
      expect(await storedAlarms(store)).toEqual(expected);
      expect([...expected.values()][0]!.count).toBe(40);
      // Every sample was committed once: the two together wrote as many steps as one would.
      const [row] = await evaluationRows(store);
      expect(row!.version).toBe(evaluators[0]!.counters.commits + evaluators[1]!.counters.commits);
    } finally {
      await second.close();
      await store.close();
    }
  }, 60_000);

  it('two real processes evaluating the same backlog at once: each alarm once', async () => {
    const { store, env } = await backends[1]!.fresh();
    try {
      const { channel, array } = await seedChannel(store, 'temp');
      await store.documents.put('alarm_rule/too-hot', thresholdRule(channel) as unknown as Doc);
      const samples = sawtooth(60_000, 1000);
      await array.append(samples.values, samples.times);
      const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', 'test/support/alarm-evaluator-child.ts'], { cwd: projectRoot, env: { ...process.env, ...env, ALARM_BATCH: '500' }, stdio: ['ignore', 'pipe', 'pipe'] }));
      const outputs = children.map((child) => {
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        return () => output;
      });
      const codes = await Promise.all(children.map(async (child) => ((await once(child, 'exit')) as [number | null])[0]));
      expect(codes, outputs.map((output) => output()).join('\n')).toEqual([0, 0]);
      const expected = reference(await bindingOf(store, 'alarm_rule/too-hot'), samples);
      expect(await storedAlarms(store)).toEqual(expected);
      expect([...expected.values()][0]!.count).toBe(60);
      const [row] = await evaluationRows(store);
      expect(Object.values(row!.positions)).toEqual([60_000]);
      // The steps both processes committed add up to the row's version: none was committed twice.
      const commits = outputs.map((output) => (JSON.parse(/caught up (\{.*\})/.exec(output())![1]!) as { commits: number }).commits);
      expect(commits[0]! + commits[1]!).toBe(row!.version);
    } finally {
      await store.close();
    }
  }, 120_000);
});
