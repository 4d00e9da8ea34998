/**
 * CSV of sensor readings, the same rules in the browser (upload preview and validation, in a
 * worker) and on the server (ingestion): a header line names the columns, units may follow a
 * name in brackets or parentheses (`temp[°C]`, `power (kW)`), the delimiter is detected (`,` `;`
 * tab `|`) unless given, and the time column is chosen or detected (`time`, `timestamp`, `date`,
 * `datetime`, else the first column). Times are seconds or milliseconds since the epoch, or dates
 * (ISO 8601); they become epoch ms. Cells that are numbers become numbers, empty cells null, the
 * rest stay text. Row splitting (quotes, CRLF) is papaparse's.
 */
import Papa from 'papaparse';

export interface CsvColumn {
  /** The name without its unit, e.g. "temp". */
  name: string;
  /** The unit from the header ("°C"), or "" when none. */
  unit: string;
}

export interface CsvDialect {
  delimiter: string;
  columns: CsvColumn[];
  /** Index of the time column in `columns`. */
  timeColumn: number;
}

export interface CsvRow {
  /** Epoch milliseconds. */
  time: number;
  record: Record<string, number | string | null>;
}

/** A CSV that cannot be read, with the (1-based) line at fault when there is one. */
export class CsvError extends Error {
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'CsvError';
    this.line = line;
  }
}

const delimiters = [',', ';', '\t', '|'];
const timeNames = /^(time|timestamp|date|datetime|zeit|ts)$/i;

/** Seconds (as fluentd sends) or ms (> 1e11) since the epoch, or a date text → epoch ms. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? (Math.abs(value) > 1e11 ? value : value * 1000) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const number = Number(value);
  if (Number.isFinite(number)) return Math.abs(number) > 1e11 ? number : number * 1000;
  const parsed = Date.parse(value.trim());
  return Number.isFinite(parsed) ? parsed : undefined;
}

function splitLine(line: string, delimiter: string): string[] {
  const result = Papa.parse<string[]>(line, { delimiter, header: false });
  return result.data[0] ?? [];
}

/** `temp[°C]`, `temp [°C]`, `temp (°C)` → {name: temp, unit: °C}. */
export function columnOf(header: string): CsvColumn {
  const text = header.trim();
  const match = /^(.*?)\s*(?:\[([^\]]*)\]|\(([^)]*)\))\s*$/.exec(text);
  if (match && match[1] !== '') return { name: match[1]!, unit: (match[2] ?? match[3] ?? '').trim() };
  return { name: text, unit: '' };
}

/**
 * The dialect of a CSV from its header line (and, to pick the delimiter, a few lines after it):
 * the delimiter that splits the header into the most columns and the sample lines consistently.
 */
export function detectDialect(sample: string, options: { delimiter?: string; timeColumn?: string } = {}): CsvDialect {
  const lines = sample.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0];
  if (header === undefined) throw new CsvError('the CSV is empty: a header line is expected');
  let delimiter = options.delimiter;
  if (delimiter === undefined) {
    let best = { delimiter: ',', score: -1 };
    for (const candidate of delimiters) {
      const width = splitLine(header, candidate).length;
      if (width < 2) continue;
      // Lines of the sample that split as wide as the header (the last line may be cut short).
      const consistent = lines.slice(1, -1).filter((line) => splitLine(line, candidate).length === width).length;
      const score = width + consistent * 1000;
      if (score > best.score) best = { delimiter: candidate, score };
    }
    delimiter = best.delimiter;
  } else if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new CsvError(`the delimiter must be one character other than a quote or a line break, not ${JSON.stringify(delimiter)}`);
  }
  const columns = splitLine(header, delimiter).map(columnOf);
  if (columns.length < 2) throw new CsvError('the header names fewer than two columns (a time and a value)', 1);
  const names = new Set<string>();
  for (const column of columns) {
    if (column.name === '') throw new CsvError('a column of the header has no name', 1);
    if (names.has(column.name)) throw new CsvError(`the header names column ${JSON.stringify(column.name)} twice`, 1);
    names.add(column.name);
  }
  let timeColumn: number;
  if (options.timeColumn !== undefined) {
    timeColumn = columns.findIndex((column) => column.name === options.timeColumn);
    if (timeColumn === -1) throw new CsvError(`there is no column ${JSON.stringify(options.timeColumn)} for the time`, 1);
  } else timeColumn = Math.max(0, columns.findIndex((column) => timeNames.test(column.name)));
  return { delimiter, columns, timeColumn };
}

/**
 * Parses lines of data (no header) in a dialect. `firstLine` is the line number of the first one
 * in the whole file, for error messages. `checkTime` may refuse a row's time (epoch ms) by
 * returning why. Throws CsvError at the first bad line: nothing is taken from a text with one.
 * Records have no prototype: a column may be named `__proto__` or `constructor`.
 */
export function parseRows(text: string, dialect: CsvDialect, firstLine = 2, checkTime?: (time: number) => string | undefined): CsvRow[] {
  const result = Papa.parse<string[]>(text, { delimiter: dialect.delimiter, header: false, skipEmptyLines: false });
  const width = dialect.columns.length;
  const rows: CsvRow[] = [];
  const data = result.data;
  for (let index = 0; index < data.length; index++) {
    const cells = data[index]!;
    const line = firstLine + index;
    if (cells.length === 1 && cells[0]!.trim() === '') continue; // blank line
    if (cells.length !== width) throw new CsvError(`${cells.length} cells where the header has ${width}`, line);
    const time = toEpochMs(cells[dialect.timeColumn]);
    if (time === undefined) throw new CsvError(`the time ${JSON.stringify(cells[dialect.timeColumn])} is not seconds, milliseconds or a date`, line);
    const refused = checkTime?.(time);
    if (refused !== undefined) throw new CsvError(refused, line);
    const record = Object.create(null) as Record<string, number | string | null>;
    for (let column = 0; column < width; column++) {
      if (column === dialect.timeColumn) continue;
      const cell = cells[column]!.trim();
      const number = cell === '' ? Number.NaN : Number(cell);
      record[dialect.columns[column]!.name] = cell === '' ? null : Number.isFinite(number) ? number : cell;
    }
    rows.push({ time, record });
  }
  const quoteError = result.errors.find((error) => error.type === 'Quotes');
  if (quoteError) throw new CsvError('an unterminated quoted cell', firstLine + (quoteError.row ?? 0));
  return rows;
}

/** The header line of a text and where the data after it starts (in characters). */
export function splitHeader(text: string): { header: string; rest: string } {
  const newline = text.indexOf('\n');
  if (newline === -1) return { header: text.replace(/\r$/, ''), rest: '' };
  return { header: text.slice(0, newline).replace(/\r$/, ''), rest: text.slice(newline + 1) };
}
