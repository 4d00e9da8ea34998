/// <reference types="@vitest/browser-playwright" />
// The explorer's export (controllers/explorer/export.ts) in real Chromium over a real IndexedDB
// storage: the CSV's rows are the samples read straight from the arrays (raw, series of three
// timings on one time axis) or the M4 columns the panel draws (summary); the .npy/.npz headers
// and data parse; the PNG decodes (createImageBitmap) at the stacked size with each chart in its
// place, also from a real <fl-explorer-panel>; copyLink makes the range absolute. And saved
// views on the app's own storage stack (query over uuid over IndexedDB).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { ChannelArray, CHUNK_SIZE } from '../../src/arrays';
import { defaultExplorerState, listExplorerViews, openExplorerView, saveExplorerView } from '../../src/controllers/explorer/explorer-state';
import { absoluteLink, copyLink, exportCsv, exportKind, exportNpy, exportPng, MAX_RAW_EXPORT_SAMPLES, type PngPanel, type VisibleSeries } from '../../src/controllers/explorer/export';
import { loadSeries, type ExplorerSeries, type LoadedSeries } from '../../src/controllers/explorer/series-loader';
import { FlExplorerPanel } from '../../src/gadgets/fl-explorer-panel';
import { createStorage, type Storage } from '../../src/storage';
import { uniqueName } from '../conformance/helpers';

if (!customElements.get('fl-explorer-panel')) customElements.define('fl-explorer-panel', FlExplorerPanel);

const T0 = Date.UTC(2026, 11, 1, 8);
/** Power: 1 Hz, regular; sample 1234 is NaN (a gap: an empty cell). */
const POWER = 5000;
const powerAt = (index: number): number => (index === 1234 ? Number.NaN : (index % 1000) * 0.1 + 0.05);
/** Gearbox temperature: every 7 s from T0 + 0.5 s, explicit timing. */
const TEMPERATURE = 1000;
const temperatureAt = (index: number): number => 20 + (index % 50) * 0.37;
/** Vibration: a 1 kHz burst of 3 s from T0 + 10 s (its whole seconds share rows with power). */
const VIBRATION = 3000;
const vibrationAt = (index: number): number => Math.sin(index / 7) * 1.7;
const RANGE = { from: T0, to: T0 + 4000_000 };
const COLUMNS = 300;

let storage: Storage;
let series: ExplorerSeries[];

beforeAll(async () => {
  storage = createStorage({ type: 'indexeddb', database: uniqueName('explorer-export') });
  const power = await ChannelArray.create(storage, 'array/power', { timing: 'regular', unit: 'kW' });
  for (let from = 0; from < POWER; from += CHUNK_SIZE) {
    const count = Math.min(CHUNK_SIZE, POWER - from);
    await power.append(Float32Array.from({ length: count }, (_, i) => powerAt(from + i)), { t0: T0 + from * 1000, dt: 1000 });
  }
  const temperature = await ChannelArray.create(storage, 'array/temperature', { timing: 'explicit', unit: '°C' });
  await temperature.append(
    Float32Array.from({ length: TEMPERATURE }, (_, i) => temperatureAt(i)),
    Float64Array.from({ length: TEMPERATURE }, (_, i) => T0 + 500 + i * 7000),
  );
  const vibration = await ChannelArray.create(storage, 'array/vibration', { timing: 'regular', unit: 'g' });
  await vibration.append(Float32Array.from({ length: VIBRATION }, (_, i) => vibrationAt(i)), { t0: T0 + 10_000, dt: 1 });
  series = [
    { key: 'power', channel: 'channel/t01/power', title: 'Power', unit: 'kW', array: 'array/power', storage },
    { key: 'temperature', channel: 'channel/t01/gearbox_temp', title: 'Gearbox temperature, main', unit: '°C', array: 'array/temperature', storage },
    { key: 'vibration', channel: 'channel/t01/acc_x', title: 'Vibration', unit: 'g', array: 'array/vibration', storage },
  ];
}, 60_000);

/** What a panel of COLUMNS columns loads of each series over RANGE. */
async function visibleOf(which = series): Promise<VisibleSeries[]> {
  return Promise.all(which.map(async (one) => ({ series: one, loaded: await loadSeries(one.storage, one.array, RANGE.from, RANGE.to, COLUMNS) })));
}

/** The samples of an array over RANGE, read straight from it. */
async function samplesOf(array: string): Promise<{ times: Float64Array; values: Float32Array }> {
  const opened = await ChannelArray.open(storage, array);
  return opened.read(await opened.indexOfTime(RANGE.from), await opened.indexAfterTime(RANGE.to));
}

/** A CSV line's cells (the quoted header cell of a title with a comma included). */
function cells(line: string): string[] {
  const out: string[] = [];
  const pattern = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let match = pattern.exec(line); match && match.index < line.length; match = pattern.exec(line)) {
    out.push(match[1]!.startsWith('"') ? match[1]!.slice(1, -1).replace(/""/g, '"') : match[1]!);
    if (match[2] === '') break;
  }
  if (line.endsWith(',')) out.push('');
  return out;
}

/** A .npy's header dict and its data bytes. */
function parseNpy(bytes: Uint8Array): { header: string; data: DataView } {
  expect(Array.from(bytes.subarray(0, 6))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
  const length = bytes[8]! | (bytes[9]! << 8);
  expect((10 + length) % 64).toBe(0);
  return { header: new TextDecoder('latin1').decode(bytes.subarray(10, 10 + length)), data: new DataView(bytes.buffer, bytes.byteOffset + 10 + length) };
}

/** The entries of a stored (uncompressed) zip, by walking its local headers. */
function unzip(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const entries = new Map<string, Uint8Array>();
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    expect(view.getUint16(at + 8, true)).toBe(0); // stored
    const size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength));
    entries.set(name, bytes.subarray(at + 30 + nameLength, at + 30 + nameLength + size));
    at += 30 + nameLength + size;
  }
  return entries;
}

/** The M4 columns a loaded summary series draws: [start, end, first, min, max, last] per filled column. */
function drawnColumns(loaded: LoadedSeries): number[][] {
  const columns: number[][] = [];
  for (let index = 0; index < loaded.y.length; ) {
    if (loaded.y[index] === null) {
      index++;
      continue;
    }
    columns.push([loaded.x[index]!, loaded.x[index + 3]!, loaded.y[index]!, loaded.y[index + 1]!, loaded.y[index + 2]!, loaded.y[index + 3]!]);
    index += 4;
  }
  return columns;
}

const float = (cell: string): number => (cell === '' ? Number.NaN : Math.fround(Number(cell)));

describe('CSV', () => {
  it('raw: every sample of each series, read straight from its array, on one time axis (ISO times with ms)', async () => {
    const visible = await visibleOf();
    // The panel drew power and vibration as M4 columns: the export reads their raw samples again.
    expect(visible.map(({ loaded }) => loaded.source)).toEqual(['summary', 'raw', 'summary']);
    const file = await exportCsv(visible, RANGE);
    expect(file.kind).toBe('raw');
    expect(file.filename).toBe('explorer-raw-20261201T080000Z--20261201T090640Z.csv');
    expect(file.blob.type).toContain('text/csv');
    const lines = (await file.blob.text()).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^# raw samples: 3 series, 2026-12-01T08:00:00\.000Z to 2026-12-01T09:06:40\.000Z/);
    expect(cells(lines[1]!)).toEqual(['time', 'Power [kW]', 'Gearbox temperature, main [°C]', 'Vibration [g]']);
    const got = [0, 1, 2].map(() => ({ times: [] as number[], values: [] as number[] }));
    // Checked once over all rows (an expect per row is slow in the browser runner).
    const times: number[] = [];
    const badTimes: string[] = [];
    const widths = new Set<number>();
    const emptyRows: number[] = [];
    for (const line of lines.slice(2)) {
      const [time, ...values] = cells(line);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time!)) badTimes.push(time!);
      const ms = Date.parse(time!);
      times.push(ms);
      widths.add(values.length);
      if (values.every((value) => value === '')) emptyRows.push(ms);
      values.forEach((value, column) => {
        if (value === '' && !(column === 0 && ms === T0 + 1234_000)) return;
        got[column]!.times.push(ms);
        got[column]!.values.push(float(value));
      });
    }
    expect(badTimes).toEqual([]);
    expect([...widths]).toEqual([3]);
    // Strictly increasing times; the only row without a number is power's NaN sample.
    expect(times.every((time, index) => index === 0 || time > times[index - 1]!)).toBe(true);
    expect(emptyRows).toEqual([T0 + 1234_000]);
    for (const [column, array] of ['array/power', 'array/temperature', 'array/vibration'].entries()) {
      const expected = await samplesOf(array);
      expect(got[column]!.times, array).toEqual(Array.from(expected.times));
      expect(got[column]!.values, array).toEqual(Array.from(expected.values));
    }
    // Power's whole seconds in the vibration burst share a row; the rest are rows of their own.
    expect(lines.length - 2).toBe(4001 + 572 + VIBRATION - 3);
  });

  it('M4: the columns the panel draws (first, min, max, last, their times) when a series holds too many samples for raw', async () => {
    const visible = await visibleOf();
    const file = await exportCsv(visible, RANGE, { maxRawPerSeries: 1000 });
    expect(file.kind).toBe('m4');
    expect(file.filename).toMatch(/^explorer-m4-.*\.csv$/);
    const lines = (await file.blob.text()).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^# m4 columns: 3 series, .*\(7573 in the range, too many for raw samples: zoom in\)/);
    expect(lines[1]).toBe('series,column_start,column_end,count,first,min,max,last');
    const rows = lines.slice(2).map(cells);
    for (const { series: one, loaded } of visible) {
      const name = `${one.title} [${one.unit}]`;
      const mine = rows.filter((row) => row[0] === name);
      if (loaded.source === 'summary') {
        const drawn = drawnColumns(loaded);
        expect(mine.length, name).toBe(drawn.length);
        expect(mine.map((row) => [Date.parse(row[1]!), Date.parse(row[2]!), ...row.slice(4).map(float)]), name).toEqual(drawn);
        // Counts are of the numbers among the samples (power's NaN is none).
        expect(mine.reduce((sum, row) => sum + Number(row[3]), 0), name).toBe(loaded.samples - (one.key === 'power' ? 1 : 0));
      } else {
        // Drawn raw (few samples): a column per sample, first = min = max = last.
        const expected = await samplesOf(one.array);
        expect(mine.map((row) => [Date.parse(row[1]!), Number(row[3]), float(row[4]!), float(row[7]!)])).toEqual(Array.from(expected.times, (time, index) => [time, 1, expected.values[index]!, expected.values[index]!]));
      }
    }
  });

  it('is M4 beyond 1 000 000 samples in one series, and exports a channel shown in two panels once', async () => {
    const [power] = await visibleOf([series[0]!]);
    const big: LoadedSeries = { ...power!.loaded, range: [0, MAX_RAW_EXPORT_SAMPLES + 1], samples: MAX_RAW_EXPORT_SAMPLES + 1 };
    expect(exportKind([{ series: series[0]!, loaded: big }])).toBe('m4');
    expect(exportKind([{ series: series[0]!, loaded: { ...big, range: [0, MAX_RAW_EXPORT_SAMPLES], samples: MAX_RAW_EXPORT_SAMPLES } }])).toBe('raw');
    const twice = await exportCsv([power!, { series: { ...series[0]!, key: 'power-2' }, loaded: power!.loaded }], RANGE);
    expect(cells((await twice.blob.text()).split('\n')[1]!)).toEqual(['time', 'Power [kW]']);
  });
});

describe('NumPy', () => {
  it('one series: a .npy of structured rows (time <f8, value <f4) equal to the array', async () => {
    const file = await exportNpy(await visibleOf([series[1]!]), RANGE);
    expect([file.kind, file.filename]).toEqual(['raw', 'explorer-raw-20261201T080000Z--20261201T090640Z.npy']);
    const { header, data } = parseNpy(new Uint8Array(await file.blob.arrayBuffer()));
    expect(header).toMatch(/^\{'descr': \[\('time', '<f8'\), \('value', '<f4'\)\], 'fortran_order': False, 'shape': \(572,\), \} *\n$/);
    const expected = await samplesOf('array/temperature');
    const times = Array.from({ length: 572 }, (_, row) => data.getFloat64(row * 12, true));
    const values = Array.from({ length: 572 }, (_, row) => data.getFloat32(row * 12 + 8, true));
    expect(times).toEqual(Array.from(expected.times));
    expect(values).toEqual(Array.from(expected.values));
  });

  it('several series: a .npz with one .npy per series; M4 columns as their own fields', async () => {
    const raw = await exportNpy(await visibleOf(), RANGE);
    expect(raw.filename).toMatch(/\.npz$/);
    const entries = unzip(new Uint8Array(await raw.blob.arrayBuffer()));
    expect([...entries.keys()]).toEqual(['Power [kW].npy', 'Gearbox temperature, main [°C].npy', 'Vibration [g].npy']);
    expect(parseNpy(entries.get('Power [kW].npy')!).header).toContain("'shape': (4001,)");
    expect(parseNpy(entries.get('Vibration [g].npy')!).header).toContain("'shape': (3000,)");
    const m4 = await exportNpy(await visibleOf(), RANGE, { maxRawPerSeries: 1000 });
    expect(m4.kind).toBe('m4');
    const power = parseNpy(unzip(new Uint8Array(await m4.blob.arrayBuffer())).get('Power [kW].npy')!);
    expect(power.header).toContain("[('column_start', '<f8'), ('column_end', '<f8'), ('count', '<f8'), ('first', '<f4'), ('min', '<f4'), ('max', '<f4'), ('last', '<f4')]");
    const [visiblePower] = await visibleOf([series[0]!]);
    const drawn = drawnColumns(visiblePower!.loaded);
    expect(power.header).toContain(`'shape': (${drawn.length},)`);
    // Row 0 (item size 8 · 3 + 4 · 4 = 40 bytes).
    expect([power.data.getFloat64(0, true), power.data.getFloat64(8, true), power.data.getFloat32(24, true), power.data.getFloat32(28, true), power.data.getFloat32(32, true), power.data.getFloat32(36, true)]).toEqual(drawn[0]);
  });
});

describe('PNG', () => {
  /** A canvas of `width` × `height` device pixels shown at half that size, filled with `colour`. */
  function filled(width: number, height: number, colour: string): HTMLCanvasElement {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.style.width = `${width / 2}px`;
    canvas.style.height = `${height / 2}px`;
    document.body.append(canvas);
    const context = canvas.getContext('2d')!;
    context.fillStyle = colour;
    context.fillRect(0, 0, width, height);
    return canvas;
  }

  async function pixels(blob: Blob): Promise<{ width: number; height: number; at(x: number, y: number): number[] }> {
    expect(blob.type).toBe('image/png');
    const bitmap = await createImageBitmap(blob);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, at: (x, y) => Array.from(context.getImageData(x, y, 1, 1).data) };
  }

  it('stacks the drawn panels under their titles (text scaled to the device pixels), leaving out one not drawn', async () => {
    const red = filled(600, 200, 'rgb(255, 0, 0)');
    const blue = filled(500, 300, 'rgb(0, 0, 255)');
    const panels: PngPanel[] = [
      { canvas: () => red, series: [{ title: 'Power', unit: 'kW' }] },
      {
        canvas: () => {
          throw new Error('The panel is not drawn yet');
        },
        series: [{ title: 'Loading', unit: '' }],
      },
      { canvas: () => blue, series: [{ title: 'Vibration', unit: 'g', derived: { label: 'Escalated max of vibration' } }] },
    ];
    const image = await pixels(await exportPng(panels, { caption: 'T01, 1 December', background: 'rgb(255, 255, 255)', color: 'rgb(0, 0, 0)' }));
    // Bands of 28 CSS px at the canvases' 2× scale: caption, then a title over each chart.
    expect([image.width, image.height]).toEqual([600, 56 + 56 + 200 + 56 + 300]);
    expect(image.at(300, 56 + 56 + 100)).toEqual([255, 0, 0, 255]);
    expect(image.at(250, 56 + 56 + 200 + 56 + 150)).toEqual([0, 0, 255, 255]);
    // The narrower chart leaves the surface colour beside it.
    expect(image.at(550, 56 + 56 + 200 + 56 + 150)).toEqual([255, 255, 255, 255]);
    // The title band holds text (dark pixels somewhere on its row), the background elsewhere.
    const row = Array.from({ length: 200 }, (_, x) => image.at(x, 56 + 28)[0]!);
    expect(Math.min(...row)).toBeLessThan(128);
    red.remove();
    blue.remove();
    await expect(exportPng([panels[1]!])).rejects.toThrow(/Nothing is drawn yet/);
  });

  it("draws a real <fl-explorer-panel>'s chart, and exports what it shows", async () => {
    await page.viewport(1100, 800);
    const element = document.createElement('fl-explorer-panel');
    element.style.width = '1000px';
    element.series = series.slice(0, 2);
    element.range = RANGE;
    document.body.append(element);
    try {
      await expect.poll(() => Number(element.dataset.drawnAt ?? 0), { timeout: 10_000 }).toBeGreaterThan(0);
      const canvas = element.canvas();
      const image = await pixels(await exportPng([element]));
      expect(image.width).toBe(canvas.width);
      expect(image.height).toBe(canvas.height + Math.round(28 * (canvas.width / canvas.clientWidth)));
      const file = await exportCsv(element.visible(), RANGE);
      expect(file.kind).toBe('raw');
      expect(cells((await file.blob.text()).split('\n')[1]!)).toEqual(['time', 'Power [kW]', 'Gearbox temperature, main [°C]']);
    } finally {
      element.remove();
    }
  });
});

describe('copyLink', () => {
  const href = `http://fieldline.test/app/#/explore?p=${encodeURIComponent('channel/t01/power')}&last=86400000&live=1&view=${encodeURIComponent('explorer_view/abc')}`;

  it('makes the range absolute (whole ms), keeping the panels and the saved view', () => {
    const link = new URL(absoluteLink(href, { from: 1000.4, to: 2000.6 }));
    expect(link.origin + link.pathname).toBe('http://fieldline.test/app/');
    const query = new URLSearchParams(link.hash.slice(link.hash.indexOf('?') + 1));
    expect(link.hash.startsWith('#/explore?')).toBe(true);
    expect(Object.fromEntries(query)).toEqual({ p: 'channel/t01/power', view: 'explorer_view/abc', from: '1000', to: '2001' });
  });

  it('writes the link to the clipboard, or gives it back when the clipboard refuses', async () => {
    const written: string[] = [];
    const copied = await copyLink({ from: 5, to: 9 }, { href, clipboard: { writeText: (text) => Promise.resolve(void written.push(text)) } });
    expect(copied.copied).toBe(true);
    expect(written).toEqual([copied.url]);
    expect(copied.url).toContain('from=5&to=9');
    const refused = await copyLink({ from: 5, to: 9 }, { href, clipboard: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) } });
    expect(refused).toEqual({ url: copied.url, copied: false });
  });
});

describe('saved views on the app storage (query over uuid over IndexedDB)', () => {
  let app: Storage;
  const database = uniqueName('explorer-views');
  afterAll(() => indexedDB.deleteDatabase(database));

  it('saves, lists by its indexed type and reopens a view', async () => {
    app = createStorage({ type: 'query', sub_storage: { type: 'uuid', sub_storage: { type: 'indexeddb', database, index: ['type', 'site', 'asset', 'kind'] } } });
    await app.put('asset/x', { type: 'asset', title: 'Not a view' });
    const state = { panels: [{ series: [{ channel: 'channel/t01/power' }] }], range: { from: RANGE.from, to: RANGE.to } };
    const id = await saveExplorerView(app, { title: 'Burst', owner: 'erin', state });
    await saveExplorerView(app, { title: 'Empty', owner: 'erin', state: defaultExplorerState(), now: 1 });
    expect((await listExplorerViews(app)).map((view) => view.doc.title)).toEqual(['Burst', 'Empty']);
    expect(await openExplorerView(app, id)).toMatchObject({ title: 'Burst', ...state });
  });
});
