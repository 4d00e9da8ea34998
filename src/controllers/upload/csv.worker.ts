/**
 * The upload worker: inspects CSV files and reads and checks their pieces off the main thread, so
 * a 1 GB file never blocks the page. Pieces come back as transferred bytes.
 */
import { expose, transfer } from 'comlink';
import type { CsvDialect } from '../../core';
import { inspectCsv, readPiece, type CsvInspection, type CsvPiece } from './csv-file';

export interface CsvWorkerApi {
  inspect(file: Blob, options?: { delimiter?: string; timeColumn?: string }): Promise<CsvInspection>;
  piece(file: Blob, offset: number, maxBytes: number, dialect: CsvDialect, firstLine: number): Promise<CsvPiece>;
}

const api: CsvWorkerApi = {
  inspect: (file, options) => inspectCsv(file, options),
  async piece(file, offset, maxBytes, dialect, firstLine) {
    const piece = await readPiece(file, offset, maxBytes, dialect, firstLine);
    return transfer(piece, [piece.bytes.buffer]);
  },
};

expose(api);
