/**
 * Export of what the explorer shows: CSV and NumPy files of the visible range, the panels as one
 * PNG, and a link to the view with its range made absolute. Files are built in the page from the
 * series' own storages (the server's online, the device's pinned arrays offline), so export works
 * offline too.
 *
 * Raw or M4: a file holds the raw samples when every series' visible range holds at most
 * MAX_RAW_EXPORT_SAMPLES (1 000 000) samples and all together at most MAX_RAW_EXPORT_TOTAL;
 * they are read again from the array (ChannelArray) unless the panel drew them raw already.
 * Otherwise it holds M4 columns (per pixel column the first, min, max and last value, their
 * count and the times of the column's first and last sample), read from the array's summaries
 * like the chart (O(columns), whatever the range's length). `kind` and the file's name say which,
 * and so does the file itself (the CSV's first line, the .npy's field names).
 *
 * CSV, raw (one table, easy in pandas and Excel; also what Fieldline's own CSV import reads):
 *
 *     # raw samples: 2 series, 2026-12-01T00:00:00.000Z to 2026-12-01T01:00:00.000Z, …
 *     time,Power [kW],Wind speed [m/s]
 *     2026-12-01T00:00:00.000Z,1234.5,7.25
 *
 * one row per distinct sample time (ISO 8601 UTC with milliseconds; finer times get more
 * digits), a column per series, an empty cell where a series has no sample at that time (series
 * of different rates share one time axis; a time several samples of one series share repeats
 * on as many rows). Values are the float32 samples in the fewest digits that read back to the
 * same float32; NaN is an empty cell. pandas: `pd.read_csv(f, skiprows=1, parse_dates=['time'])`
 * (skiprows, not comment='#': a title may hold a '#').
 *
 * CSV, M4 (long format, one row per series and column):
 *
 *     # m4 columns: 2 series, …
 *     series,column_start,column_end,count,first,min,max,last
 *
 * (`count`: the numbers among the column's samples, NaN not counted; columns without any left out).
 *
 * NumPy: one series gives a `.npy`, several a `.npz` (numpy.load gives a dict by series name),
 * each a structured array: raw `[('time', '<f8'), ('value', '<f4')]` (time in epoch ms), M4
 * `[('column_start', '<f8'), ('column_end', '<f8'), ('count', '<f8'), ('first', '<f4'),
 * ('min', '<f4'), ('max', '<f4'), ('last', '<f4')]`.
 */
import { ChannelArray } from '../../arrays';
import { structuredNpy, toNpz, type NpyField } from '../../core';
import type { Storage } from '../../storage';
import type { ExplorerSeries, LoadedSeries } from './series-loader';

/** One series as a panel shows it (`<fl-explorer-panel>.visible()`). */
export interface VisibleSeries {
  series: ExplorerSeries;
  loaded: LoadedSeries;
}

/** A file made by an export, and whether it holds raw samples or M4 columns. */
export interface ExportFile {
  blob: Blob;
  filename: string;
  kind: 'raw' | 'm4';
}

/** Most samples of one series a raw export reads (beyond: M4 columns). */
export const MAX_RAW_EXPORT_SAMPLES = 1_000_000;
/** Most samples of all series together a raw export reads (a CSV of them is a few hundred MB at most). */
export const MAX_RAW_EXPORT_TOTAL = 4_000_000;
/** M4 columns of a series when its panel's own count cannot be told. */
const DEFAULT_COLUMNS = 1000;
/** Most M4 columns per series (as the loader: a 4K screen at device pixels). */
const MAX_COLUMNS = 4096;
/** Rows formatted between two yields to the page (it stays responsive during a large export). */
const ROWS_PER_SLICE = 20_000;

/** Options of an export: `signal` stops it (rejects with its reason); the limits are for tests. */
export interface ExportOptions {
  signal?: AbortSignal;
  maxRawPerSeries?: number;
  maxRawTotal?: number;
}

/** A series once: name in the file, where its array is, what the panel loaded. */
interface ExportSeries {
  name: string;
  storage: Storage;
  array: string;
  loaded: LoadedSeries;
}

interface RawColumn {
  name: string;
  times: Float64Array;
  values: Float32Array;
}

interface M4Column {
  name: string;
  starts: Float64Array;
  ends: Float64Array;
  counts: Float64Array;
  first: Float32Array;
  min: Float32Array;
  max: Float32Array;
  last: Float32Array;
}

/** The series to export: each array once (two panels may show one channel), named `title [unit]`, names made distinct. */
function exportSeries(visible: readonly VisibleSeries[]): ExportSeries[] {
  const seen = new Map<Storage, Set<string>>();
  const names = new Map<string, number>();
  const result: ExportSeries[] = [];
  for (const { series, loaded } of visible) {
    const arrays = seen.get(series.storage) ?? new Set<string>();
    seen.set(series.storage, arrays);
    if (arrays.has(series.array)) continue;
    arrays.add(series.array);
    const title = series.derived?.label ?? series.title;
    const base = series.unit ? `${title} [${series.unit}]` : title;
    const count = (names.get(base) ?? 0) + 1;
    names.set(base, count);
    result.push({ name: count === 1 ? base : `${base} (${count})`, storage: series.storage, array: series.array, loaded });
  }
  return result;
}

/** Samples in the visible range of a loaded series. */
function samplesOf(loaded: LoadedSeries): number {
  return Math.max(0, loaded.range[1] - loaded.range[0]);
}

/**
 * Whether an export of `visible` holds raw samples or M4 columns (see the module comment): raw
 * when each series' range holds at most `maxRawPerSeries` samples and all at most `maxRawTotal`.
 */
export function exportKind(visible: readonly VisibleSeries[], options: ExportOptions = {}): 'raw' | 'm4' {
  const perSeries = options.maxRawPerSeries ?? MAX_RAW_EXPORT_SAMPLES;
  const total = options.maxRawTotal ?? MAX_RAW_EXPORT_TOTAL;
  let sum = 0;
  for (const { loaded } of exportSeries(visible)) {
    const samples = samplesOf(loaded);
    if (samples > perSeries) return 'm4';
    sum += samples;
  }
  return sum <= total ? 'raw' : 'm4';
}

/** The raw samples of each series: what the panel drew when it drew them raw, else read again from the array. */
async function rawColumns(series: readonly ExportSeries[], signal?: AbortSignal): Promise<RawColumn[]> {
  const columns: RawColumn[] = [];
  for (const one of series) {
    signal?.throwIfAborted();
    const { loaded } = one;
    if (loaded.source === 'raw') {
      const values = new Float32Array(loaded.y.length);
      for (let index = 0; index < values.length; index++) values[index] = loaded.y[index] ?? Number.NaN;
      columns.push({ name: one.name, times: Float64Array.from(loaded.x), values });
      continue;
    }
    const array = await ChannelArray.open(one.storage, one.array);
    const { values, times } = await array.read(loaded.range[0], loaded.range[1]);
    columns.push({ name: one.name, times, values });
  }
  return columns;
}

/** How many M4 columns a loaded series was drawn with (an empty column is one null point, a full one four). */
function columnsOf(loaded: LoadedSeries): number {
  if (loaded.source !== 'summary') return DEFAULT_COLUMNS;
  let columns = 0;
  for (let index = 0; index < loaded.y.length; index += loaded.y[index] === null ? 1 : 4) columns++;
  return Math.max(1, Math.min(MAX_COLUMNS, columns));
}

/** The M4 columns of each series' visible range, from the array's summaries (the chart's columns when it drew summaries); empty columns left out. */
async function m4Columns(series: readonly ExportSeries[], signal?: AbortSignal): Promise<M4Column[]> {
  const result: M4Column[] = [];
  for (const one of series) {
    signal?.throwIfAborted();
    const [start, end] = one.loaded.range;
    const array = await ChannelArray.open(one.storage, one.array);
    const count = Math.max(1, Math.min(columnsOf(one.loaded), end - start));
    const summaries = end > start ? await array.summaries(start, end, count, { align: true }) : [];
    const edges = end > start ? array.bucketEdges(start, end, count, { align: true }) : [];
    const filled: number[] = [];
    summaries.forEach((summary, column) => {
      if (summary.count > 0) filled.push(column);
    });
    const indices: number[] = [];
    for (const column of filled) indices.push(edges[column]!, Math.max(edges[column]!, edges[column + 1]! - 1));
    const times = indices.length ? await array.timesAt(indices) : new Float64Array();
    const column: M4Column = {
      name: one.name,
      starts: new Float64Array(filled.length),
      ends: new Float64Array(filled.length),
      counts: new Float64Array(filled.length),
      first: new Float32Array(filled.length),
      min: new Float32Array(filled.length),
      max: new Float32Array(filled.length),
      last: new Float32Array(filled.length),
    };
    filled.forEach((at, row) => {
      const summary = summaries[at]!;
      column.starts[row] = times[2 * row]!;
      column.ends[row] = times[2 * row + 1]!;
      column.counts[row] = summary.count;
      column.first[row] = summary.first;
      column.min[row] = summary.min;
      column.max[row] = summary.max;
      column.last[row] = summary.last;
    });
    result.push(column);
  }
  return result;
}

/** Two- and three-digit zero-padded numbers, so a CSV time is a few string joins (a million rows: Date#toISOString each was seconds). */
const PAD2 = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** The `YYYY-MM-DDT` of the last day formatted (rows come in time order: one Date per day). */
let lastDay = Number.NaN;
let lastDayPrefix = '';

/**
 * A time in a CSV: ISO 8601 UTC with milliseconds (`2026-12-01T08:00:00.000Z`, what
 * Date#toISOString writes; more digits when the time has a fraction of a millisecond), or the
 * epoch ms as a number when no Date holds it.
 */
export function csvTime(time: number): string {
  if (!Number.isFinite(time) || Math.abs(time) > 8.64e15) return String(time);
  const whole = Math.floor(time);
  const day = Math.floor(whole / DAY_MS);
  if (day !== lastDay) {
    const iso = new Date(day * DAY_MS).toISOString();
    lastDay = day;
    lastDayPrefix = iso.slice(0, iso.indexOf('T') + 1);
  }
  let rest = whole - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const clock = `${lastDayPrefix}${PAD2[hours]!}:${PAD2[minutes]!}:${PAD2[seconds]!}.${PAD3[rest - seconds * 1000]!}`;
  if (whole === time) return `${clock}Z`;
  // Nanoseconds below the millisecond (1 kHz and slower never get here).
  const nanos = Math.min(999_999, Math.round((time - whole) * 1e6));
  return `${clock}${String(nanos).padStart(6, '0')}Z`;
}

/** `toPrecision`'s text without the zeros it pads a fraction with ("841.4700" → "841.47"). */
function trimmed(text: string): string {
  if (text.includes('e') || !text.includes('.')) return text.includes('e') ? String(Number(text)) : text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  return text.slice(0, end);
}

/**
 * A float32 value in few digits that read back as the same float32 (empty: NaN): the first of 7,
 * 8 and 9 significant digits that does (9 always does), trailing zeros dropped. 7 first, not 6:
 * most samples need 7 or more, and each try costs a toPrecision and a parse per value.
 */
export function csvValue(value: number): string {
  if (value !== value) return '';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  // Whole numbers up to 2^24 are exact in float32 and at most 8 digits; larger ones are rounded like the rest.
  if (Number.isInteger(value) && Math.abs(value) <= 16_777_216) return String(value);
  for (let digits = 7; digits < 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return trimmed(text);
  }
  return trimmed(value.toPrecision(9));
}

/** A CSV cell (quoted when it holds a comma, quote or line break). */
function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A time for a file name: 20261201T000000Z (or the ms when no Date holds it). */
function fileTime(time: number): string {
  if (!Number.isFinite(time) || Math.abs(time) > 8.64e15) return String(Math.round(time));
  return new Date(Math.floor(time)).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** The name of an export's file: `explorer-<kind>-<from>--<to>.<extension>`. */
function filenameOf(kind: 'raw' | 'm4', range: { from: number; to: number }, extension: string): string {
  return `explorer-${kind}-${fileTime(range.from)}--${fileTime(range.to)}.${extension}`;
}

/** Lets the page draw between slices of a long export, and stops when asked. */
async function pause(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  signal?.throwIfAborted();
}

/** The raw CSV's rows (after its header): the columns merged on one time axis (see the module comment). */
async function rawRows(columns: readonly RawColumn[], parts: BlobPart[], signal?: AbortSignal): Promise<void> {
  const cursors = columns.map(() => 0);
  let batch: string[] = [];
  for (;;) {
    let time = Infinity;
    for (let index = 0; index < columns.length; index++) {
      const at = cursors[index]!;
      const column = columns[index]!;
      if (at < column.times.length && column.times[at]! < time) time = column.times[at]!;
    }
    if (time === Infinity) break;
    let row = csvTime(time);
    for (let index = 0; index < columns.length; index++) {
      const at = cursors[index]!;
      const column = columns[index]!;
      if (at < column.times.length && column.times[at] === time) {
        row += `,${csvValue(column.values[at]!)}`;
        cursors[index] = at + 1;
      } else row += ',';
    }
    batch.push(row);
    if (batch.length === ROWS_PER_SLICE) {
      parts.push(`${batch.join('\n')}\n`);
      batch = [];
      await pause(signal);
    }
  }
  if (batch.length > 0) parts.push(`${batch.join('\n')}\n`);
}

/** The M4 CSV's rows: one per series and filled column. */
async function m4Rows(columns: readonly M4Column[], parts: BlobPart[], signal?: AbortSignal): Promise<void> {
  for (const column of columns) {
    const name = csvCell(column.name);
    let batch: string[] = [];
    for (let row = 0; row < column.starts.length; row++) {
      batch.push(
        `${name},${csvTime(column.starts[row]!)},${csvTime(column.ends[row]!)},${column.counts[row]!},${csvValue(column.first[row]!)},${csvValue(column.min[row]!)},${csvValue(column.max[row]!)},${csvValue(column.last[row]!)}`,
      );
      if (batch.length === ROWS_PER_SLICE) {
        parts.push(`${batch.join('\n')}\n`);
        batch = [];
        await pause(signal);
      }
    }
    if (batch.length > 0) parts.push(`${batch.join('\n')}\n`);
  }
}

/** What the first line of an export says about the range and its series. */
function describeRange(count: number, range: { from: number; to: number }): string {
  return `${count} series, ${csvTime(range.from)} to ${csvTime(range.to)}, Fieldline explorer`;
}

/**
 * A CSV of the visible range of `visible` (what `<fl-explorer-panel>.visible()` gives, every
 * panel's together): raw samples or M4 columns (see the module comment for both layouts);
 * `range` (epoch ms) names the file and its first line. Rejects with the storage's error (an
 * array not on this device) or, once `options.signal` aborts, with its reason.
 */
export async function exportCsv(visible: readonly VisibleSeries[], range: { from: number; to: number }, options: ExportOptions = {}): Promise<ExportFile> {
  const series = exportSeries(visible);
  const kind = exportKind(visible, options);
  const parts: BlobPart[] = [];
  if (kind === 'raw') {
    const columns = await rawColumns(series, options.signal);
    parts.push(`# raw samples: ${describeRange(series.length, range)}; a row per sample time, an empty cell where a series has no sample then\n`);
    parts.push(`${['time', ...columns.map((column) => csvCell(column.name))].join(',')}\n`);
    await rawRows(columns, parts, options.signal);
  } else {
    const columns = await m4Columns(series, options.signal);
    const samples = series.reduce((sum, one) => sum + samplesOf(one.loaded), 0);
    parts.push(`# m4 columns: ${describeRange(series.length, range)}; first, min, max and last of each pixel column's samples (${samples} in the range, too many for raw samples: zoom in)\n`);
    parts.push('series,column_start,column_end,count,first,min,max,last\n');
    await m4Rows(columns, parts, options.signal);
  }
  return { blob: new Blob(parts, { type: 'text/csv;charset=utf-8' }), filename: filenameOf(kind, range, 'csv'), kind };
}

/** A name inside a .npz for a series (no path separators: numpy would read them as folders). */
function npzName(name: string): string {
  return name.replace(/[/\\]/g, '_').replaceAll('\u0000', '_');
}

/**
 * NumPy of the visible range: a `.npy` for one series, a `.npz` of one array per series for
 * several, each a structured array of raw samples or M4 columns (see the module comment).
 * Rejects like exportCsv.
 */
export async function exportNpy(visible: readonly VisibleSeries[], range: { from: number; to: number }, options: ExportOptions = {}): Promise<ExportFile> {
  const series = exportSeries(visible);
  const kind = exportKind(visible, options);
  const arrays: Array<{ name: string; npy: Uint8Array }> = [];
  if (kind === 'raw') {
    for (const column of await rawColumns(series, options.signal)) {
      const fields: NpyField[] = [
        { name: 'time', type: '<f8', values: column.times },
        { name: 'value', type: '<f4', values: column.values },
      ];
      arrays.push({ name: npzName(column.name), npy: structuredNpy(fields) });
    }
  } else {
    for (const column of await m4Columns(series, options.signal)) {
      const fields: NpyField[] = [
        { name: 'column_start', type: '<f8', values: column.starts },
        { name: 'column_end', type: '<f8', values: column.ends },
        { name: 'count', type: '<f8', values: column.counts },
        { name: 'first', type: '<f4', values: column.first },
        { name: 'min', type: '<f4', values: column.min },
        { name: 'max', type: '<f4', values: column.max },
        { name: 'last', type: '<f4', values: column.last },
      ];
      arrays.push({ name: npzName(column.name), npy: structuredNpy(fields) });
    }
  }
  const bytes = arrays.length === 1 ? arrays[0]!.npy : toNpz(arrays);
  return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), filename: filenameOf(kind, range, arrays.length === 1 ? 'npy' : 'npz'), kind };
}

/** What exportPng draws of a panel: its chart's canvas and its series (their titles head the panel). */
export interface PngPanel {
  canvas(): HTMLCanvasElement;
  series: ReadonlyArray<{ title: string; unit: string; derived?: { label: string } }>;
}

/** Options of exportPng: a caption over the panels (e.g. the range), and colours (default: the page's theme tokens). */
export interface PngOptions {
  caption?: string;
  background?: string;
  color?: string;
}

/** A theme token's value on the page, or `fallback` outside one. */
function token(name: string, fallback: string): string {
  const value = typeof document === 'undefined' ? '' : getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/** A panel's heading: its series' titles with units. */
function panelTitle(panel: PngPanel): string {
  return panel.series.map((series) => `${series.derived?.label ?? series.title}${series.unit ? ` [${series.unit}]` : ''}`).join(' · ');
}

/**
 * The panels' charts stacked into one PNG, each under its title (and a caption on top when
 * given), at the canvases' own resolution, on the theme's surface colour. Panels not drawn yet
 * are left out; rejects when none is drawn.
 */
export async function exportPng(panels: readonly PngPanel[], options: PngOptions = {}): Promise<Blob> {
  const drawn: Array<{ canvas: HTMLCanvasElement; title: string }> = [];
  for (const panel of panels) {
    try {
      const canvas = panel.canvas();
      if (canvas.width > 0 && canvas.height > 0) drawn.push({ canvas, title: panelTitle(panel) });
    } catch {
      // Not drawn yet (no data, still loading): nothing of it to show.
    }
  }
  if (drawn.length === 0) throw new Error('Nothing is drawn yet to export');
  const width = Math.max(...drawn.map(({ canvas }) => canvas.width));
  // Text scales with the canvases' device pixel ratio, so it reads like the page.
  const first = drawn[0]!.canvas;
  const scale = first.clientWidth > 0 ? first.width / first.clientWidth : (globalThis.devicePixelRatio ?? 1);
  const band = Math.round(28 * scale);
  const captionBand = options.caption ? band : 0;
  const height = captionBand + drawn.reduce((sum, { canvas }) => sum + band + canvas.height, 0);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  const context = out.getContext('2d');
  if (!context) throw new Error('This browser cannot draw the image (no 2D canvas)');
  context.fillStyle = options.background ?? token('--fl-surface', '#ffffff');
  context.fillRect(0, 0, width, height);
  context.fillStyle = options.color ?? token('--fl-text', '#1a1a1a');
  context.textBaseline = 'middle';
  const font = (weight: number) => `${weight} ${Math.round(14 * scale)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  let y = 0;
  if (options.caption) {
    context.font = font(600);
    context.fillText(options.caption, Math.round(8 * scale), y + band / 2, width - 16 * scale);
    y += captionBand;
  }
  for (const { canvas, title } of drawn) {
    context.font = font(500);
    context.fillText(title, Math.round(8 * scale), y + band / 2, width - 16 * scale);
    y += band;
    context.drawImage(canvas, 0, y);
    y += canvas.height;
  }
  return new Promise<Blob>((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The image could not be encoded'))), 'image/png'));
}

/**
 * The address `href` with its explorer range made absolute (`from`/`to` of `range`, rounded to
 * the whole ms covering it, in place of a `last` window and `live`), the rest (panels, saved
 * view) kept: a link that shows the same data tomorrow.
 */
export function absoluteLink(href: string, range: { from: number; to: number }): string {
  const hashAt = href.indexOf('#');
  const base = hashAt < 0 ? href : href.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : href.slice(hashAt + 1);
  const queryAt = hash.indexOf('?');
  const route = queryAt < 0 ? hash : hash.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : hash.slice(queryAt + 1));
  query.delete('last');
  query.delete('live');
  query.set('from', String(Math.floor(range.from)));
  query.set('to', String(Math.ceil(range.to)));
  return `${base}#${route.startsWith('/explore') ? route : '/explore'}?${query.toString()}`;
}

/**
 * Copies a link to the current view (the page's address, its range made absolute when `range`
 * is given) to the clipboard. Resolves with the link and whether it was copied: without
 * clipboard access (no permission, not a secure context) the caller shows the link instead.
 */
export async function copyLink(range?: { from: number; to: number }, options: { href?: string; clipboard?: Pick<Clipboard, 'writeText'> } = {}): Promise<{ url: string; copied: boolean }> {
  const href = options.href ?? location.href;
  const url = range ? absoluteLink(href, range) : href;
  const clipboard = options.clipboard ?? (typeof navigator === 'undefined' ? undefined : navigator.clipboard);
  if (!clipboard) return { url, copied: false };
  try {
    await clipboard.writeText(url);
    return { url, copied: true };
  } catch {
    return { url, copied: false };
  }
}
