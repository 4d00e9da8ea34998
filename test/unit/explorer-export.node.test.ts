// The explorer export's formatting (controllers/explorer/export.ts) in Node: CSV values read back
// as the same float32, CSV times are Date#toISOString's (fast-check), and a .npz of an export made
// over real channel arrays (memory storage) is read by numpy where python3 has it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelArray } from '../../src/arrays';
import { csvTime, csvValue, exportCsv, exportKind, exportNpy } from '../../src/controllers/explorer/export';
import { loadSeries, type ExplorerSeries } from '../../src/controllers/explorer/series-loader';
import { createStorage } from '../../src/storage';
import { makeTempDir } from '../support/temp-dir';

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe('csvValue', () => {
  it('writes every float32 so that it reads back as the same float32, in at most 9 significant digits', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = csvValue(value);
        expect(Math.fround(Number(text))).toBe(Object.is(value, -0) ? 0 : value);
        // Significant digits: no sign, exponent, point, nor leading and trailing zeros.
        expect(text.replace(/^-|e.*$|\./g, '').replace(/^0+|0+$/g, '').length).toBeLessThanOrEqual(9);
      }),
      { numRuns: 5_000 },
    );
  });

  it('writes short numbers short, NaN as an empty cell and infinities as pandas reads them', () => {
    expect([Math.fround(0.1), Math.fround(841.47), 12, -3, Math.fround(1e-7)].map(csvValue)).toEqual(['0.1', '841.47', '12', '-3', '1e-7']);
    expect([Number.NaN, Infinity, -Infinity].map(csvValue)).toEqual(['', 'inf', '-inf']);
  });
});

describe('csvTime', () => {
  it("is Date#toISOString's text for every whole millisecond a Date holds", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (time) => {
        expect(csvTime(time)).toBe(new Date(time).toISOString());
      }),
      { numRuns: 5_000 },
    );
    // Rows come in order: the day's cached prefix must follow.
    for (const time of [Date.UTC(2026, 11, 1) - 1, Date.UTC(2026, 11, 1), -1, 0, 8.64e15, -8.64e15]) expect(csvTime(time)).toBe(new Date(time).toISOString());
  });

  it('writes finer than a millisecond with nanosecond digits, and times no Date holds as numbers', () => {
    expect(csvTime(Date.UTC(2026, 11, 1) + 0.25)).toBe('2026-12-01T00:00:00.000250000Z');
    expect(csvTime(9e15)).toBe('9000000000000000');
    expect(csvTime(Number.NaN)).toBe('NaN');
  });
});

describe('raw or M4, and stopping', () => {
  const T0 = Date.UTC(2026, 11, 1);
  const visibleOf = async (count: number) => {
    const storage = createStorage({ type: 'memory' });
    const series: ExplorerSeries[] = [];
    for (let index = 0; index < count; index++) {
      const id = `array/s${index}`;
      const array = await ChannelArray.create(storage, id, { timing: 'regular', unit: 'kW' });
      await array.append(Float32Array.from({ length: 3000 }, (_, i) => i), { t0: T0, dt: 1000 });
      series.push({ key: id, channel: `channel/s${index}`, title: `S${index}`, unit: 'kW', array: id, storage });
    }
    return Promise.all(series.map(async (one) => ({ series: one, loaded: await loadSeries(storage, one.array, T0, T0 + 3_000_000, 100) })));
  };

  it('is M4 when all series together hold more than the total for raw, raw otherwise', async () => {
    const visible = await visibleOf(3);
    expect(exportKind(visible, { maxRawTotal: 9000 })).toBe('raw');
    expect(exportKind(visible, { maxRawTotal: 8999 })).toBe('m4');
    expect((await exportCsv(visible, { from: T0, to: T0 + 3_000_000 }, { maxRawTotal: 8999 })).kind).toBe('m4');
  });

  it('rejects with the reason once its signal aborts, and exports an empty list as a header', async () => {
    const visible = await visibleOf(1);
    const controller = new AbortController();
    controller.abort(new DOMException('stopped', 'AbortError'));
    await expect(exportCsv(visible, { from: T0, to: T0 + 3_000_000 }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(exportNpy(visible, { from: T0, to: T0 + 3_000_000 }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const empty = await exportCsv([], { from: T0, to: T0 + 1 });
    expect((await empty.blob.text()).split('\n').slice(1)).toEqual(['time', '']);
  });
});

describe.skipIf(!hasNumpy)('numpy reads an export (needs python3 with numpy)', () => {
  it('a .npz of two series: structured arrays by series name, equal to the arrays', async () => {
    const storage = createStorage({ type: 'memory' });
    const T0 = Date.UTC(2026, 11, 1);
    const power = await ChannelArray.create(storage, 'array/power', { timing: 'regular', unit: 'kW' });
    await power.append(Float32Array.from({ length: 2000 }, (_, i) => i * 0.5), { t0: T0, dt: 1000 });
    const speed = await ChannelArray.create(storage, 'array/speed', { timing: 'explicit', unit: 'm/s' });
    await speed.append(Float32Array.from({ length: 300 }, (_, i) => 3 + i / 7), Float64Array.from({ length: 300 }, (_, i) => T0 + 250 + i * 6000));
    const series: ExplorerSeries[] = [
      { key: 'p', channel: 'channel/p', title: 'Power', unit: 'kW', array: 'array/power', storage },
      { key: 's', channel: 'channel/s', title: 'Wind speed', unit: 'm/s', array: 'array/speed', storage },
    ];
    const range = { from: T0, to: T0 + 1_999_000 };
    const visible = await Promise.all(series.map(async (one) => ({ series: one, loaded: await loadSeries(storage, one.array, range.from, range.to, 200) })));
    const dir = makeTempDir('fieldline-export-');
    try {
      const npz = path.join(dir, 'export.npz');
      const csv = path.join(dir, 'export.csv');
      fs.writeFileSync(npz, new Uint8Array(await (await exportNpy(visible, range)).blob.arrayBuffer()));
      fs.writeFileSync(csv, await (await exportCsv(visible, range)).blob.text());
      const script = [
        'import json, sys, numpy as np',
        'z = np.load(sys.argv[1])',
        'p = z["Power [kW]"]; s = z["Wind speed [m_s]"]',
        // The CSV through numpy too: the header after the comment line, empty cells as NaN.
        'c = np.genfromtxt(sys.argv[2], delimiter=",", skip_header=2, usecols=(1, 2))',
        'print(json.dumps({"files": sorted(z.files), "p_time": p["time"].tolist(), "p_value": p["value"].astype(float).tolist(), "s_time": s["time"].tolist(), "s_value": s["value"].astype(float).tolist(), "csv_power": [x for x in c[:, 0].tolist() if x == x], "csv_speed": [x for x in c[:, 1].tolist() if x == x]}))',
      ].join('\n');
      const out = JSON.parse(execFileSync('python3', ['-c', script, npz, csv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, number[]>;
      const p = await power.read(0, 2000);
      const s = await speed.read(0, 300);
      expect(out.files).toEqual(['Power [kW]', 'Wind speed [m_s]']);
      expect(out.p_time).toEqual(Array.from(p.times));
      expect(out.p_value).toEqual(Array.from(p.values));
      expect(out.s_time).toEqual(Array.from(s.times));
      expect(out.s_value).toEqual(Array.from(s.values));
      expect(out.csv_power!.map(Math.fround)).toEqual(Array.from(p.values));
      expect(out.csv_speed!.map(Math.fround)).toEqual(Array.from(s.values));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
