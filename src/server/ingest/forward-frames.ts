/**
 * Forward Protocol v1 frames → tag, events and options, whatever the mode (Message, Forward,
 * PackedForward, CompressedPackedForward). Used by the forward server for each frame it receives,
 * and to decode a stored frame again from the raw stream (a rebuild).
 */
import { gunzipSync } from 'node:zlib';
import { unpackMultiple } from 'msgpackr';
import './parse'; // registers the EventTime extension with msgpackr
import type { IngestEvent } from './parse';
import { mayHaveRenamedKey, unpackExactly, unpackMultipleExactly } from './msgpack-keys';

/** A frame that breaks the protocol: the connection is closed. */
export class ProtocolError extends Error {}

function toEvent(entry: unknown): IngestEvent {
  if (!Array.isArray(entry) || entry.length < 2) throw new ProtocolError('an entry must be [time, record]');
  const [time, record] = entry as [unknown, unknown];
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new ProtocolError('event time must be an integer or EventTime');
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new ProtocolError('record must be a map');
  return { time: time * 1000, record: record as Record<string, unknown> };
}

type Frame = { tag: string; events: IngestEvent[]; option: Record<string, unknown> };

/**
 * Tag, events and options of one frame, whatever its mode. `frame` is the frame as msgpackr
 * decoded it; with `raw`, its bytes, a record with a key msgpackr renamed (`__proto__`) is
 * decoded again with its keys as sent (msgpack-keys.ts).
 */
export function decodeFrame(frame: unknown, raw?: Uint8Array): Frame {
  const decoded = decode(frame, false);
  if (!decoded.events.some((event) => mayHaveRenamedKey(event.record))) return decoded;
  return raw ? decode(unpackExactly(raw), true) : decode(frame, true);
}

/** `exact`: PackedForward entries keep their keys as sent. */
function decode(frame: unknown, exact: boolean): Frame {
  if (!Array.isArray(frame) || frame.length < 2 || typeof frame[0] !== 'string') throw new ProtocolError('a frame must be [tag, …]');
  const tag = frame[0];
  const second = frame[1] as unknown;
  if (typeof second === 'number') {
    // Message mode: [tag, time, record, option?]
    return { tag, events: [toEvent([second, frame[2]])], option: (frame[3] as Record<string, unknown>) ?? {} };
  }
  const option = (frame[2] as Record<string, unknown> | undefined) ?? {};
  if (Array.isArray(second)) return { tag, events: second.map(toEvent), option };
  if (second instanceof Uint8Array || typeof second === 'string') {
    let bytes = typeof second === 'string' ? Buffer.from(second, 'binary') : Buffer.from(second.buffer, second.byteOffset, second.byteLength);
    if (option.compressed === 'gzip') {
      try {
        bytes = gunzipSync(bytes);
      } catch {
        throw new ProtocolError('bad gzip in CompressedPackedForward');
      }
    } else if (option.compressed !== undefined && option.compressed !== 'text') throw new ProtocolError(`unknown compression ${String(option.compressed)}`);
    let entries: unknown[];
    try {
      entries = exact ? unpackMultipleExactly(bytes) : (unpackMultiple(bytes) as unknown[]);
    } catch {
      throw new ProtocolError('PackedForward entries are not msgpack');
    }
    return { tag, events: entries.map(toEvent), option };
  }
  throw new ProtocolError('unknown frame mode');
}
