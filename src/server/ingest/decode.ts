/**
 * A stored batch's raw bytes decoded again into events, by the format recorded with it: what a
 * rebuild of the arrays reads from the raw stream. Formats: `forward` (a Forward Protocol frame),
 * `msgpack`, `jsonl`, `csv` (bodies of POST /api/ingest), `csv-rows:<dialect JSON>` (upload pieces:
 * lines without their header), `mqtt-json:<arrival ms>` (an MQTT message's JSON payload), `sparkplug-b:<arrival ms>` (a Sparkplug B payload).
 */
import { CsvError, parseRows, type CsvDialect } from '../../core';
import { decodeFrame } from './forward-frames';
import { parseCsv, parseJsonLines, parseMsgpack, type IngestEvent, type TimeCheck } from './parse';
import { parseMqttJson } from './mqtt-payload';
import { parseSparkplug } from './sparkplug';

/** The format of upload pieces in a dialect. */
export const csvRowsFormat = (dialect: CsvDialect): string => `csv-rows:${JSON.stringify(dialect)}`;

/**
 * The events of a batch's bytes. `check` refuses the body (400 naming the event or line) at a
 * time it refuses; forward frames are not checked here (the ingest service skips such events).
 */
export function decodeBatch(format: string, raw: Buffer, check?: TimeCheck): IngestEvent[] {
  if (format === 'forward') return decodeFrame(raw).events;
  if (format === 'msgpack') return parseMsgpack(raw, check);
  if (format === 'jsonl') return parseJsonLines(raw.toString('utf8'), check);
  if (format === 'csv') return parseCsv(raw.toString('utf8'), check ? { check } : {});
  if (format.startsWith('mqtt-json:')) return parseMqttJson(raw, Number(format.slice('mqtt-json:'.length)), check);
  if (format.startsWith('sparkplug-b:')) return parseSparkplug(raw, Number(format.slice('sparkplug-b:'.length))).events;
  if (format.startsWith('csv-rows:')) {
    try {
      return parseRows(raw.toString('utf8'), JSON.parse(format.slice('csv-rows:'.length)) as CsvDialect, 2, check);
    } catch (error) {
      if (error instanceof CsvError) throw new Error(`a stored upload piece no longer parses: ${error.message}`, { cause: error });
      throw error;
    }
  }
  throw new Error(`unknown batch format ${JSON.stringify(format)}`);
}
