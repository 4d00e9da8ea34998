/**
 * Alarm rules evaluated as data arrives (src/server/alarms/alarm-evaluator.ts).
 *
 * Ingest → alarm: a real server (SQLite, the simulated fleet streaming beside it: DEMO=1 with a
 * short history, its alarm evaluator polling as configured), a threshold rule (level 50) on a
 * channel of a fluentd agent (the fluentd project's Node client, with acks). The agent sends
 * values that cross the level each time (100, 0, 100, …: raise, clear, re-activation, …); for
 * each, the time from its ack (in this process) to the `doc` event of the alarm on GET
 * /api/events (a Node SSE client). Baseline in the same run: the same ack to the `samples` event
 * of the same append on the same stream — the stream's own share.
 *   alarms.ingest_to_alarm.p50_ms / .p99_ms     (goal: p99 ≤ 1000 ms with the fleet running)
 *   alarms.ingest_to_samples_event.p50_ms / .p99_ms
 *
 * Rules per second: rule evaluations (one sample through one rule) per second on one core, the
 * evaluator's way — the array read in its batches (16 384 samples) from an SQLite store, each
 * batch through `stepRule` — against a baseline doing the same reads with a plain max over the
 * samples instead of the rule. Threshold and 10 s RMS-window rules; 1 M samples; the two
 * alternated, median of 5 runs after a warm-up.
 *   alarms.rules_per_s (threshold), alarms.rules_per_s.window_rms, alarms.rules_per_s.baseline_max
 */
import fs from 'node:fs';
import { FluentClient } from '@fluent-org/logger';
import { ChannelArray } from '../src/arrays';
import { initRuleState, stepRule, type AlarmRule, type RuleBinding } from '../src/core';
import type { DocData, SamplesData } from '../src/core/live-events';
import { loadBindings } from '../src/server/alarms/rule-bindings';
import { SqliteStore } from '../src/server/store/sqlite-store';
import type { Store } from '../src/server/store/store';
import { makeTempDir } from '../test/support/temp-dir';
import { ADMIN_PASSWORD, startTestServer } from '../test/support/server-session';
import { openSse } from '../test/support/sse-client';
import type { Doc } from '../src/storage/backend';
import type { Figures } from './harness';

const WARMUP = 5;
const TRIALS = 100;
const INTERVAL_MS = 300;
const HISTORY = 50;
const SAMPLES = 1_000_000;
const READ_BATCH = 16_384;
const RUNS = 5;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]): number => percentile(values, 50);

async function ingestToAlarm(): Promise<Figures> {
  // A short history (0.02 days ≈ 30 min) so the fleet is streaming live within seconds.
  const server = await startTestServer({ DEMO: '1', DEMO_DAYS: '0.02' });
  try {
    const fleet = server.server.fleet;
    if (fleet) await fleet.start();
    else process.stdout.write('  (this server has no simulated fleet: measured without it)\n');
    const token = await server.login('admin', ADMIN_PASSWORD);
    // A source of an asset, as every real one: an alarm names its asset.
    await server.server.store.documents.put('asset/bench-alarms/pump', { type: 'asset', site: 'site/bench-alarms', title: 'Bench pump', asset_type: 'pump' });
    const registered = await fetch(`${server.server.url}/api/sources`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tag: 'bench.alarms', site: 'site/bench-alarms', asset: 'asset/bench-alarms/pump' }) });
    if (registered.status !== 201) throw new Error(`registering the source: ${registered.status} ${await registered.text()}`);
    const source = (await registered.json()) as { id: string };
    const agent = new FluentClient('bench', { socket: { host: '127.0.0.1', port: server.server.forwardPort, timeout: 60_000 }, ack: { ackTimeout: 60_000 }, milliseconds: true, eventMode: 'Message', flushInterval: 1 });
    const start = Date.now() - HISTORY * 1000;
    await Promise.all(Array.from({ length: HISTORY }, (_, index) => agent.emit('alarms', { value: 10 + (index % 5) }, start + index * 1000)));
    const channel = `channel/${source.id}/value`;
    const rule: AlarmRule = { type: 'alarm_rule', site: 'site/bench-alarms', title: 'Bench level', enabled: true, target: { channel }, condition: { kind: 'threshold', direction: 'high', level: 50 }, severity: 'high' };
    await server.server.store.documents.put('alarm_rule/bench-level', rule as unknown as Doc);
    const evaluator = server.server.alarms;
    if (!evaluator) throw new Error('the server runs no alarm evaluator (ALARMS=0?)');
    // Bound and caught up with the history before the first trial.
    for (let attempt = 0; ; attempt++) {
      const status = await evaluator.status();
      if (status.bindings.some((binding) => binding.rule === 'alarm_rule/bench-level' && binding.caught_up && binding.inputs[0]!.length === HISTORY)) break;
      if (attempt > 600) throw new Error('the rule never caught up with its history');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const stream = await openSse(`${server.server.url}/api/events`, { token });
    const array = `array/${source.id}/value`;
    const alarmId = `alarm/bench-level/${source.id}/value/1`;
    const alarm: number[] = [];
    const event: number[] = [];
    for (let index = 0; index < WARMUP + TRIALS; index++) {
      const began = Date.now();
      const length = HISTORY + index + 1;
      const from = stream.messages.length;
      await agent.emit('alarms', { value: index % 2 === 0 ? 100 : 0 }, began);
      const ackAt = Date.now();
      const [samples, changed] = await Promise.all([
        stream.waitFor((message) => message.event === 'samples' && (JSON.parse(message.data) as SamplesData).array === array && (JSON.parse(message.data) as SamplesData).length >= length, { from, boundMs: 30_000 }),
        stream.waitFor((message) => message.event === 'doc' && (JSON.parse(message.data) as DocData).id === alarmId, { from, boundMs: 30_000 }),
      ]);
      if (index >= WARMUP) {
        alarm.push(changed.receivedAt - ackAt);
        event.push(samples.receivedAt - ackAt);
      }
      const next = began + INTERVAL_MS - Date.now();
      if (next > 0) await new Promise((resolve) => setTimeout(resolve, next));
    }
    stream.close();
    await agent.disconnect();
    process.stdout.write(`  ${TRIALS} crossings at ${round(1000 / INTERVAL_MS)}/s${fleet ? ', fleet running' : ''}: ack → alarm doc event p50 ${percentile(alarm, 50)} ms, p99 ${percentile(alarm, 99)} ms, max ${Math.max(...alarm)} ms; ack → samples event p50 ${percentile(event, 50)} ms, p99 ${percentile(event, 99)} ms\n`);
    return {
      'alarms.ingest_to_alarm.p50_ms': { value: round(percentile(alarm, 50)), unit: 'ms', better: 'lower' },
      'alarms.ingest_to_alarm.p99_ms': { value: round(percentile(alarm, 99)), unit: 'ms', better: 'lower' },
      'alarms.ingest_to_samples_event.p50_ms': { value: round(percentile(event, 50)), unit: 'ms', better: 'lower' },
      'alarms.ingest_to_samples_event.p99_ms': { value: round(percentile(event, 99)), unit: 'ms', better: 'lower' },
    };
  } finally {
    await server.stop();
  }
}

/** Reads the whole array in the evaluator's batches, handing each to `fold`; resolves the samples read. */
async function readAll(array: ChannelArray, fold: (times: Float64Array, values: Float32Array) => void): Promise<number> {
  for (let start = 0; start < array.length; start += READ_BATCH) {
    const { times, values } = await array.read(start, Math.min(array.length, start + READ_BATCH));
    fold(times, values);
  }
  return array.length;
}

/** Rule evaluations per second of `binding` over the array, through stepRule. */
async function ruleRun(array: ChannelArray, binding: RuleBinding): Promise<{ perSecond: number; transitions: number }> {
  let state = initRuleState(binding);
  let transitions = 0;
  const started = performance.now();
  const samples = await readAll(array, (times, values) => {
    const result = stepRule(binding, state, [{ input: 0, times, values }]);
    state = result.state;
    transitions += result.transitions.length;
  });
  return { perSecond: samples / ((performance.now() - started) / 1000), transitions };
}

/** The same reads with a plain max over the samples. */
async function baselineRun(array: ChannelArray): Promise<{ perSecond: number; max: number }> {
  let max = -Infinity;
  const started = performance.now();
  const samples = await readAll(array, (_times, values) => {
    for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  });
  return { perSecond: samples / ((performance.now() - started) / 1000), max };
}

async function rulesPerSecond(): Promise<Figures> {
  const dir = makeTempDir('fieldline-bench-alarms-');
  let store: Store | undefined;
  try {
    store = await SqliteStore.open(dir);
    const source = 'source/00000000-0000-4000-8000-00000000beef';
    await store.documents.put('asset/bench/pump', { type: 'asset', site: 'site/bench', title: 'Pump', asset_type: 'pump' });
    const array = await ChannelArray.create(store.documents, `array/${source}/vibration`, { timing: 'explicit', site: 'site/bench' });
    await store.documents.put(`channel/${source}/vibration`, { type: 'channel', site: 'site/bench', asset: 'asset/bench/pump', source, array: array.id, title: 'Vibration', unit: 'mm/s', field: 'vibration' });
    const t0 = Date.UTC(2026, 0, 1);
    for (let done = 0; done < SAMPLES; done += 65_536) {
      const count = Math.min(65_536, SAMPLES - done);
      const times = new Float64Array(count);
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const n = done + i;
        // 100 Hz, a slow sine with bursts above the level now and then.
        times[i] = t0 + n * 10;
        values[i] = Math.sin(n / 5000) * 20 + 40 + (n % 99_991 < 500 ? 30 : 0);
      }
      await array.append(values, times);
    }
    const rules: Record<string, AlarmRule> = {
      'alarm_rule/bench-threshold': { type: 'alarm_rule', site: 'site/bench', title: 'Threshold', enabled: true, target: { channel: `channel/${source}/vibration` }, condition: { kind: 'threshold', direction: 'high', level: 65, deadband: 2 }, severity: 'high' },
      'alarm_rule/bench-rms': { type: 'alarm_rule', site: 'site/bench', title: 'RMS', enabled: true, target: { channel: `channel/${source}/vibration` }, condition: { kind: 'window', stat: 'rms', window_s: 10, direction: 'high', level: 60 }, severity: 'medium' },
    };
    for (const [id, rule] of Object.entries(rules)) await store.documents.put(id, rule as unknown as Doc);
    const bindings = new Map((await loadBindings(store.driver)).bound.map(({ binding }) => [binding.ruleId, binding]));
    const threshold = bindings.get('alarm_rule/bench-threshold')!;
    const rms = bindings.get('alarm_rule/bench-rms')!;
    const results = { threshold: [] as number[], rms: [] as number[], baseline: [] as number[] };
    let transitions = 0;
    for (let run = 0; run <= RUNS; run++) {
      // Alternated, the first round a warm-up for all three.
      const a = await ruleRun(array, threshold);
      const b = await baselineRun(array);
      const c = await ruleRun(array, rms);
      if (run === 0) continue;
      results.threshold.push(a.perSecond);
      results.baseline.push(b.perSecond);
      results.rms.push(c.perSecond);
      transitions = a.transitions + c.transitions;
    }
    const [t, r, base] = [median(results.threshold), median(results.rms), median(results.baseline)];
    process.stdout.write(`  ${SAMPLES} samples, median of ${RUNS}: threshold ${round(t / 1e6, 2)} M/s, rms window ${round(r / 1e6, 2)} M/s, baseline (same reads, plain max) ${round(base / 1e6, 2)} M/s; ${transitions} transitions per round\n`);
    return {
      'alarms.rules_per_s': { value: Math.round(t), unit: 'rule evaluations/s', better: 'higher' },
      'alarms.rules_per_s.window_rms': { value: Math.round(r), unit: 'rule evaluations/s', better: 'higher' },
      'alarms.rules_per_s.baseline_max': { value: Math.round(base), unit: 'samples/s', better: 'higher' },
      'alarms.rules_per_s.ratio_to_baseline': { value: round(t / base, 3), unit: '×', better: 'higher' },
    };
  } finally {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Figures> {
  return { ...(await rulesPerSecond()), ...(await ingestToAlarm()) };
}
