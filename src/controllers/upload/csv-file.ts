/**
 * Reading a CSV file (a Blob) in pieces of whole lines, by byte offset, without ever holding the
 * whole file: what the upload worker does for each piece it sends. Offsets are bytes, not
 * characters, so a piece can be resent or resumed exactly; cutting after a line feed (0x0A) never
 * splits a UTF-8 character.
 */
import { CsvError, detectDialect, parseRows, type CsvDialect, type CsvRow } from '../../core';

/** Bytes read to find the header and guess the dialect. */
const HEAD_BYTES = 64 * 1024;

export interface CsvInspection {
  header: string;
  /** Bytes of the header line with its line break: the data starts there. */
  headerBytes: number;
  dialect: CsvDialect;
  /** The first rows, for a preview. */
  preview: CsvRow[];
  /** Rows in the file, estimated from the first ones. */
  estimatedRows: number;
}

export interface CsvPiece {
  bytes: Uint8Array;
  /** Byte offset just after the piece. */
  end: number;
  rows: number;
  /** Line breaks in the piece (the line number of the next piece is firstLine + lines). */
  lines: number;
  firstTime: number | null;
  lastTime: number | null;
}

const decoder = new TextDecoder('utf-8');

export async function inspectCsv(file: Blob, options: { delimiter?: string; timeColumn?: string } = {}): Promise<CsvInspection> {
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const newline = head.indexOf(0x0a);
  if (newline === -1 && file.size > HEAD_BYTES) throw new CsvError('no line break in the first 64 KiB: is this a CSV file?', 1);
  const headerBytes = newline === -1 ? head.length : newline + 1;
  const header = decoder.decode(head.subarray(0, headerBytes)).replace(/\r?\n$/, '');
  // Whole lines after the header only (the last one read may be cut).
  const lastBreak = head.lastIndexOf(0x0a);
  const sample = decoder.decode(head.subarray(headerBytes, file.size <= HEAD_BYTES ? head.length : lastBreak + 1));
  const dialect = detectDialect(`${header}\n${sample}`, options);
  const sampleLines = sample.split('\n').slice(0, 200);
  const preview = parseRows(sampleLines.join('\n'), dialect, 2);
  const sampleBytes = new TextEncoder().encode(sampleLines.join('\n')).length;
  const estimatedRows = preview.length === 0 ? 0 : Math.round(((file.size - headerBytes) / Math.max(1, sampleBytes)) * preview.length);
  return { header, headerBytes, dialect, preview: preview.slice(0, 20), estimatedRows };
}

/**
 * The piece of whole lines starting at byte `offset`, at most `maxBytes` long (the file's last
 * piece may end without a line break), checked line by line: a bad line throws CsvError naming it
 * (`firstLine` is the line number at `offset`).
 */
export async function readPiece(file: Blob, offset: number, maxBytes: number, dialect: CsvDialect, firstLine: number): Promise<CsvPiece> {
  const window = new Uint8Array(await file.slice(offset, Math.min(file.size, offset + maxBytes)).arrayBuffer());
  let length = window.length;
  if (offset + length < file.size) {
    length = window.lastIndexOf(0x0a) + 1;
    if (length === 0) throw new CsvError(`a line longer than ${maxBytes} bytes`, firstLine);
  }
  const bytes = window.subarray(0, length);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CsvError('the file is not UTF-8 text', firstLine);
  }
  const rows = parseRows(text, dialect, firstLine);
  let lines = 0;
  for (const byte of bytes) if (byte === 0x0a) lines++;
  let firstTime: number | null = null;
  let lastTime: number | null = null;
  for (const row of rows) {
    if (firstTime === null || row.time < firstTime) firstTime = row.time;
    if (lastTime === null || row.time > lastTime) lastTime = row.time;
  }
  return { bytes: bytes.slice(), end: offset + length, rows: rows.length, lines, firstTime, lastTime };
}
