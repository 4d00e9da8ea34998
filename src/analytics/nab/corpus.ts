/**
 * Reads a NAB corpus folder (data/<category>/<name>.csv + labels/combined_windows.json), as copied
 * into bench/datasets/nab. Times are NAB's 'YYYY-MM-DD HH:MM:SS[.ffffff]' texts, read as UTC.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface NabCorpusFile {
  /** '<category>/<name>.csv', as in the labels file. */
  name: string;
  times: Float64Array;
  values: Float32Array;
  windows: Array<[number, number]>;
}

/** Epoch ms of a NAB timestamp text (UTC), or NaN. */
export function parseNabTime(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second, fraction] = match;
  const ms = fraction ? Math.round(Number(`0.${fraction}`) * 1000) : 0;
  return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), ms);
}

/** All labelled files of the corpus at `root`, sorted by name. */
export function readNabCorpus(root: string): NabCorpusFile[] {
  const labels = JSON.parse(fs.readFileSync(path.join(root, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, string[][]>;
  const files: NabCorpusFile[] = [];
  for (const name of Object.keys(labels).sort()) {
    const text = fs.readFileSync(path.join(root, 'data', name), 'utf8');
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    const times = new Float64Array(lines.length - 1);
    const values = new Float32Array(lines.length - 1);
    for (let i = 1; i < lines.length; i += 1) {
      const comma = lines[i]!.indexOf(',');
      times[i - 1] = parseNabTime(lines[i]!.slice(0, comma));
      values[i - 1] = Number(lines[i]!.slice(comma + 1));
      if (!Number.isFinite(times[i - 1]!)) throw new Error(`${name}:${i + 1}: bad timestamp`);
    }
    const windows = (labels[name] ?? []).map(([start, end]) => [parseNabTime(start!), parseNabTime(end!)] as [number, number]);
    files.push({ name, times, values, windows });
  }
  return files;
}
