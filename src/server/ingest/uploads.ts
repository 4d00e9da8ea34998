/**
 * Resumable CSV uploads from the browser (the seed's "upload list document"). An upload is a file
 * of a known size and fingerprint, read in pieces of whole lines; each piece names the byte offset
 * it starts at and is ingested exactly once (its ingestion key is its offset and length), so a
 * piece resent after a network cut is acknowledged again without being stored twice. The upload
 * remembers the last acknowledged offset: a client that lost track (tab closed, device restarted)
 * asks for it and goes on from there. Every upload is its own data source (`upload/<id>`), so its
 * channels are `array/<source>/<column>` with the units of its header.
 */
import { randomUUID } from 'node:crypto';
import { CsvError, parseRows, type CsvDialect } from '../../core';
import { HttpError } from '../errors';
import type { SqlDriver } from '../store/sql/driver';
import { checksumOf, type IngestLog } from '../store/sql/ingest-log';
import type { IngestResult, IngestService } from './ingest-service';
import { csvRowsFormat } from './decode';
import type { Sources } from './sources';
import { MAX_EVENTS, countCsvRows } from './parse';

export interface Upload {
  id: string;
  source: string;
  owner: string;
  name: string;
  size: number;
  fingerprint: string;
  dialect: CsvDialect;
  site: string | null;
  /** Bytes of the file acknowledged so far (the header included). */
  byte_offset: number;
  /** Line number of the next line to come (1 is the header). */
  lines: number;
  /** Rows older than their channel's last sample: in the raw stream only (see IngestService). */
  late: number;
  state: 'uploading' | 'complete';
  created_at: number;
  updated_at: number;
}

function toUpload(row: Record<string, unknown>): Upload {
  return {
    id: String(row.id),
    source: String(row.source),
    owner: String(row.owner),
    name: String(row.name),
    size: Number(row.size),
    fingerprint: String(row.fingerprint),
    dialect: JSON.parse(String(row.dialect)) as CsvDialect,
    site: (row.site as string | null) ?? null,
    byte_offset: Number(row.byte_offset),
    lines: Number(row.lines),
    late: Number(row.late),
    state: row.state === 'complete' ? 'complete' : 'uploading',
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export interface NewUpload {
  name: string;
  size: number;
  fingerprint: string;
  dialect: CsvDialect;
  /** Bytes of the header line, its line break included: the first piece starts there. */
  headerBytes: number;
  site?: string;
  asset?: string;
}

const pieceKey = (offset: number, length: number): string => `upload:${offset}+${length}`;

/** What one piece brought (see IngestResult); a piece acknowledged before brings nothing new. */
export interface PieceResult {
  status: 'stored' | 'duplicate';
  events: number;
  late: number;
  /** Rows at a time this upload stored before: skipped. */
  resent: number;
  /** Values dropped: another value for the same column at the same time earlier in the piece. */
  dropped_same_time: number;
}

const pieceResult = (result: IngestResult): PieceResult => ({ status: result.status, events: result.events, late: result.late, resent: result.resent, dropped_same_time: result.droppedSameTime });
const acknowledgedBefore: PieceResult = { status: 'duplicate', events: 0, late: 0, resent: 0, dropped_same_time: 0 };

export class Uploads {
  readonly #driver: SqlDriver;
  readonly #sources: Sources;
  readonly #log: IngestLog;
  readonly #service: IngestService;

  constructor(driver: SqlDriver, sources: Sources, log: IngestLog, service: IngestService) {
    this.#driver = driver;
    this.#sources = sources;
    this.#log = log;
    this.#service = service;
  }

  async get(id: string): Promise<Upload | undefined> {
    const [row] = await this.#driver.transaction((query) => query('SELECT * FROM uploads WHERE id = ?', [id]));
    return row ? toUpload(row) : undefined;
  }

  async list(owner: string | undefined): Promise<Upload[]> {
    const rows = await this.#driver.transaction((query) =>
      owner === undefined ? query('SELECT * FROM uploads ORDER BY created_at DESC') : query('SELECT * FROM uploads WHERE owner = ? ORDER BY created_at DESC', [owner]),
    );
    return rows.map(toUpload);
  }

  /** Events stored for an upload so far (what its ingestion records count). */
  eventsStored(upload: Upload): Promise<number> {
    return this.#sources.eventsStored(upload.source);
  }

  /**
   * A new upload, or the unfinished one of the same owner and file (fingerprint), to be resumed.
   * `created` tells which.
   */
  async start(owner: string, input: NewUpload): Promise<{ upload: Upload; created: boolean }> {
    // Checked before anything is written: a size the database cannot hold (1e300) failed the
    // insert only after the upload's data source had been created.
    for (const [name, value] of [['size', input.size], ['header_bytes', input.headerBytes]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new HttpError(400, 'bad_request', `${name} must be a whole number of bytes from 1 to ${Number.MAX_SAFE_INTEGER}`);
    }
    const [existing] = await this.#driver.transaction((query) => query("SELECT * FROM uploads WHERE owner = ? AND fingerprint = ? AND state = 'uploading' ORDER BY created_at DESC LIMIT 1", [owner, input.fingerprint]));
    if (existing) return { upload: toUpload(existing), created: false };
    if (input.headerBytes > input.size) throw new HttpError(400, 'bad_request', 'the header is longer than the file');
    const id = `upload/${randomUUID()}`;
    const units = Object.fromEntries(input.dialect.columns.filter((column) => column.unit !== '').map((column) => [column.name, column.unit]));
    const source = await this.#sources.create({ tag: id, ...(input.asset ? { asset: input.asset } : {}), ...(input.site ? { site: input.site } : {}), units });
    const now = Date.now();
    const complete = input.headerBytes === input.size;
    await this.#driver.transaction((query) =>
      query('INSERT INTO uploads (id, source, owner, name, size, fingerprint, dialect, site, byte_offset, lines, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        id,
        source.id,
        owner,
        input.name,
        input.size,
        input.fingerprint,
        JSON.stringify(input.dialect),
        input.site ?? null,
        input.headerBytes,
        2,
        complete ? 'complete' : 'uploading',
        now,
        now,
      ]),
    );
    return { upload: (await this.get(id))!, created: true };
  }

  /**
   * Ingests the piece of `upload` that starts at byte `offset`: whole lines, the last one ending
   * with a line break unless the piece ends the file. A piece acknowledged before is acknowledged
   * again (nothing stored); one that does not start at the acknowledged offset is refused (409)
   * with that offset, and so is one sent again with other bytes. Bad lines, and times outside
   * the accepted window, refuse the whole piece (400 naming the line).
   */
  async putPiece(upload: Upload, offset: number, body: Buffer): Promise<{ upload: Upload; piece: PieceResult }> {
    const source = await this.#sources.get(upload.source);
    if (!source) throw new HttpError(500, 'internal', 'the upload lost its data source');
    const key = pieceKey(offset, body.length);
    if (offset < upload.byte_offset) {
      const acknowledged = await this.#log.find(source.id, key);
      // A resend of an acknowledged piece; other bytes at the same place are another file.
      if (acknowledged?.checksum === checksumOf(body)) return { upload, piece: acknowledgedBefore };
      if (acknowledged) throw new HttpError(409, 'conflict', `the piece at byte ${offset} (${body.length} bytes) was acknowledged with other content: this upload's file has changed; start a new upload`);
      throw new HttpError(409, 'conflict', `this upload is acknowledged up to byte ${upload.byte_offset}; send the piece that starts there`);
    }
    if (upload.state === 'complete') throw new HttpError(409, 'conflict', 'this upload is complete');
    if (offset > upload.byte_offset) throw new HttpError(409, 'conflict', `this upload is acknowledged up to byte ${upload.byte_offset}; send the piece that starts there`);
    const end = offset + body.length;
    if (end > upload.size) throw new HttpError(400, 'bad_request', `the piece ends at byte ${end}, after the end of the file (${upload.size} bytes)`);
    if (body.length === 0) throw new HttpError(400, 'bad_request', 'the piece is empty');
    if (end < upload.size && body[body.length - 1] !== 0x0a) throw new HttpError(400, 'bad_request', 'a piece must end with a line break (only the last piece of the file may not)');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      throw new HttpError(400, 'bad_request', `the piece at byte ${offset} is not UTF-8 text`);
    }
    // Counted before papaparse splits them all (as for CSV bodies of POST /api/ingest).
    if (countCsvRows(text, MAX_EVENTS) > MAX_EVENTS) throw new HttpError(413, 'payload_too_large', `at most ${MAX_EVENTS} rows per piece`);
    let rows;
    try {
      rows = parseRows(text, upload.dialect, upload.lines, this.#service.timeCheck());
    } catch (error) {
      if (error instanceof CsvError) throw new HttpError(400, 'bad_request', `${upload.name}: ${error.message}`);
      throw error;
    }
    let breaks = 0;
    for (const byte of body) if (byte === 0x0a) breaks++;
    const result = await this.#service.ingest(source, key, rows, body, csvRowsFormat(upload.dialect));
    // The piece is committed; now the offset moves. A crash in between is harmless: the client
    // sends the same piece again, its key is found, and the offset moves then.
    await this.#driver.transaction((query) =>
      query('UPDATE uploads SET byte_offset = ?, lines = lines + ?, late = late + ?, state = ?, updated_at = ? WHERE id = ? AND byte_offset = ?', [
        end,
        breaks + (end === upload.size && body[body.length - 1] !== 0x0a ? 1 : 0),
        result.late,
        end === upload.size ? 'complete' : 'uploading',
        Date.now(),
        upload.id,
        offset,
      ]),
    );
    return { upload: (await this.get(upload.id))!, piece: pieceResult(result) };
  }
}
