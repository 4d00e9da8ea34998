/**
 * Forward Protocol v1 frames → tag, events and options, whatever the mode (Message, Forward,
 * PackedForward, CompressedPackedForward). Used by the forward server for each frame it receives,
 * and to decode a stored frame again from the raw stream (a rebuild): both read a frame the same
 * way, so a rebuild finds the events that were stored.
 *
 * A frame is read in two steps. Its head — the tag, the mode and where the entries lie, and for
 * the packed modes the option — is read from the bytes without decoding any entry, so a frame the
 * server refuses for its tag costs no decompression and no decoding. Then the body: entries are
 * decoded in slices of about SLICE_BYTES, and the server yields to the event loop between slices,
 * so a frame of tens of MiB never holds it for longer than one slice (or one entry, if larger).
 * Compressed entries are inflated with a bound on their size, asynchronously for the server (in
 * zlib's thread pool, off the event loop).
 */
import { promisify } from 'node:util';
import { gunzip, gunzipSync, type InputType, type ZlibOptions } from 'node:zlib';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { unpackMultiple } from 'msgpackr';
import './parse'; // registers the EventTime extension with msgpackr
import type { IngestEvent } from './parse';
import { MAX_DECOMPRESSED_BYTES_LIMIT } from './forward-limits';
import { mayHaveRenamedKey, unpackExactly } from './msgpack-keys';

export type ProtocolErrorCode = 'malformed' | 'decompressed_too_large';

/** A frame that breaks the protocol: the connection is closed. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;

  constructor(message: string, options: { cause?: unknown; code?: ProtocolErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProtocolError';
    this.code = options.code ?? 'malformed';
  }
}

/** Entry bytes decoded between two turns of the event loop: about a millisecond of decoding. */
export const SLICE_BYTES = 256 * 1024;

/** Where a frame's entries are, by mode. */
export type FrameBody =
  /** [tag, time, record, option?]: the time is decoded, the record starts at `at`. */
  | { mode: 'message'; time: number; bytes: Buffer; at: number }
  /** [tag, [entry…], option?]: `count` entries from the start of `bytes`, then the option. */
  | { mode: 'forward'; count: number; bytes: Buffer }
  /** [tag, entries, option?]: `bytes` holds the concatenated entries, gzipped when `compressed`. */
  | { mode: 'packed'; compressed: boolean; bytes: Buffer; option: Record<string, unknown> };

/** What a frame says before its entries: enough to refuse it for its tag. */
export interface FrameHead {
  tag: string;
  /** Elements of the frame array (the option is there when there are enough). */
  elements: number;
  body: FrameBody;
}

export interface DecodedFrame {
  tag: string;
  events: IngestEvent[];
  option: Record<string, unknown>;
}

function toEvent(entry: unknown): IngestEvent {
  if (!Array.isArray(entry) || entry.length < 2) throw new ProtocolError('an entry must be [time, record]');
  const [time, record] = entry as [unknown, unknown];
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new ProtocolError('event time must be an integer or EventTime');
  if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new ProtocolError('record must be a map');
  return { time: time * 1000, record: record as Record<string, unknown> };
}

/** An option that is not a map carries nothing (as when it is absent). */
function toOption(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Count and end of the array header at `at`, or undefined when no array starts there. */
function arrayHeader(bytes: Buffer, at: number): { count: number; next: number } | undefined {
  const first = bytes[at];
  if (first === undefined) return undefined;
  if (first >= 0x90 && first <= 0x9f) return { count: first & 0x0f, next: at + 1 };
  if (first === 0xdc && at + 3 <= bytes.length) return { count: bytes.readUInt16BE(at + 1), next: at + 3 };
  if (first === 0xdd && at + 5 <= bytes.length) return { count: bytes.readUInt32BE(at + 1), next: at + 5 };
  return undefined;
}

/** The payload of the bin or str at `at` (raw bytes, not decoded as text), or undefined. */
function blobAt(bytes: Buffer, at: number): { payload: Buffer; end: number } | undefined {
  const first = bytes[at];
  if (first === undefined) return undefined;
  let start: number;
  let length: number;
  if (first >= 0xa0 && first <= 0xbf) [start, length] = [at + 1, first & 0x1f];
  else if ((first === 0xc4 || first === 0xd9) && at + 2 <= bytes.length) [start, length] = [at + 2, bytes[at + 1]!];
  else if ((first === 0xc5 || first === 0xda) && at + 3 <= bytes.length) [start, length] = [at + 3, bytes.readUInt16BE(at + 1)];
  else if ((first === 0xc6 || first === 0xdb) && at + 5 <= bytes.length) [start, length] = [at + 5, bytes.readUInt32BE(at + 1)];
  else return undefined;
  if (start + length > bytes.length) throw new ProtocolError('a frame shorter than its entries');
  return { payload: bytes.subarray(start, start + length), end: start + length };
}

/** True for the first byte of a msgpack number or ext: what a Message-mode time may be. */
function isNumberOrExt(first: number): boolean {
  return first <= 0x7f || first >= 0xe0 || (first >= 0xca && first <= 0xd8) || (first >= 0xc7 && first <= 0xc9);
}

/** The one msgpack value at `at` and where it ends. */
function valueAt(bytes: Buffer, at: number): { value: unknown; end: number } {
  let value: unknown;
  let end = at;
  try {
    unpackMultiple(bytes.subarray(at), (decoded: unknown, _start?: number, valueEnd?: number) => {
      value = decoded;
      end = at + valueEnd!;
      return false;
    });
  } catch (error) {
    throw new ProtocolError('malformed msgpack', { cause: error });
  }
  return { value, end };
}

/**
 * Reads a frame's tag and layout, decoding no entry. Throws ProtocolError when the frame is not
 * [tag, …] of a known mode, or names an unknown compression.
 */
export function readFrameHead(raw: Buffer): FrameHead {
  const frame = arrayHeader(raw, 0);
  // The tag must be a msgpack str (checked before decoding it: anything else could be large).
  const tagType = frame ? raw[frame.next] : undefined;
  if (!frame || frame.count < 2 || tagType === undefined || !((tagType >= 0xa0 && tagType <= 0xbf) || (tagType >= 0xd9 && tagType <= 0xdb))) {
    throw new ProtocolError('a frame must be [tag, …]');
  }
  const { value: tag, end: at } = valueAt(raw, frame.next);
  if (typeof tag !== 'string') throw new ProtocolError('a frame must be [tag, …]');
  const elements = frame.count;
  const entries = arrayHeader(raw, at);
  if (entries) return { tag, elements, body: { mode: 'forward', count: entries.count, bytes: raw.subarray(entries.next) } };
  const blob = blobAt(raw, at);
  if (blob) {
    const option = elements >= 3 ? toOption(valueAt(raw, blob.end).value) : {};
    if (option.compressed !== undefined && option.compressed !== 'gzip' && option.compressed !== 'text') throw new ProtocolError(`unknown compression ${String(option.compressed)}`);
    return { tag, elements, body: { mode: 'packed', compressed: option.compressed === 'gzip', bytes: blob.payload, option } };
  }
  if (!isNumberOrExt(raw[at]!)) throw new ProtocolError('unknown frame mode');
  const time = valueAt(raw, at);
  if (typeof time.value !== 'number') throw new ProtocolError('unknown frame mode');
  return { tag, elements, body: { mode: 'message', time: time.value, bytes: raw, at: time.end } };
}

/**
 * Decodes entries from `bytes[offset]` on into `events`: stops after `count` entries in all
 * (undefined: at the end of `bytes`) or once `sliceBytes` are decoded. Returns where it stopped.
 */
function decodeSlice(bytes: Buffer, offset: number, events: IngestEvent[], count: number | undefined, sliceBytes: number): number {
  let end = offset;
  const source = bytes.subarray(offset);
  try {
    unpackMultiple(source, (value: unknown, valueStart?: number, valueEnd?: number) => {
      // A field named __proto__ comes back renamed: this entry is decoded again, keys as sent.
      const entry = Array.isArray(value) && mayHaveRenamedKey(value[1]) ? unpackExactly(source.subarray(valueStart, valueEnd)) : value;
      events.push(toEvent(entry));
      end = offset + valueEnd!;
      return events.length !== count && valueEnd! < sliceBytes;
    });
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('PackedForward entries are not msgpack', { cause: error });
  }
  return end;
}

/** The ProtocolError for a zlib failure: over the bound, or not gzip. */
function inflateError(error: unknown, maxBytes: number): ProtocolError {
  if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
    return new ProtocolError(`CompressedPackedForward entries inflate to more than ${maxBytes} bytes`, { cause: error, code: 'decompressed_too_large' });
  }
  return new ProtocolError('bad gzip in CompressedPackedForward', { cause: error });
}

const gunzipAsync = promisify<InputType, ZlibOptions, Buffer>(gunzip);

/** Inflates gzipped entries in zlib's thread pool, stopping once they pass `maxBytes`. */
export async function inflateBounded(bytes: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    throw inflateError(error, maxBytes);
  }
}

/** What reading a body needs from its driver: gzipped bytes inflated, or a pause between slices. */
type BodyStep = { step: 'inflate'; bytes: Buffer } | { step: 'pause' };

export interface FrameBodyResult {
  events: IngestEvent[];
  option: Record<string, unknown>;
  /** Bytes the entries inflated to (0: not compressed). */
  inflatedBytes: number;
}

/**
 * Reads a body, one slice of entries at a time. A generator, so that the server (asynchronous
 * inflating, yielding between slices) and a rebuild (all at once) share every decoding step.
 */
function* bodySteps(head: FrameHead, sliceBytes: number): Generator<BodyStep, FrameBodyResult, Buffer | undefined> {
  const { body, elements } = head;
  if (body.mode === 'message') {
    const record = elements >= 3 ? valueAt(body.bytes, body.at) : undefined;
    const option = elements >= 4 && record ? toOption(valueAt(body.bytes, record.end).value) : {};
    // A field named __proto__ comes back renamed: the record is decoded again, keys as sent.
    const value = record && mayHaveRenamedKey(record.value) ? unpackExactly(body.bytes.subarray(body.at, record.end)) : record?.value;
    return { events: [toEvent([body.time, value])], option, inflatedBytes: 0 };
  }
  const events: IngestEvent[] = [];
  if (body.mode === 'forward') {
    let offset = 0;
    while (events.length < body.count) {
      if (offset > 0) yield { step: 'pause' };
      offset = decodeSlice(body.bytes, offset, events, body.count, sliceBytes);
    }
    const option = elements >= 3 ? toOption(valueAt(body.bytes, offset).value) : {};
    return { events, option, inflatedBytes: 0 };
  }
  const entries = body.compressed ? yield { step: 'inflate', bytes: body.bytes } : body.bytes;
  if (!entries || entries.length === 0) throw new ProtocolError('PackedForward entries are not msgpack');
  let offset = 0;
  while (offset < entries.length) {
    if (offset > 0) yield { step: 'pause' };
    offset = decodeSlice(entries, offset, events, undefined, sliceBytes);
  }
  return { events, option: body.option, inflatedBytes: body.compressed ? entries.length : 0 };
}

export interface BodyReading {
  /** Inflated entries larger than this are a ProtocolError (code `decompressed_too_large`). */
  maxInflatedBytes: number;
  /** Called before each inflating (the server counts them and holds memory for them). */
  beforeInflate?: (() => void | Promise<void>) | undefined;
  sliceBytes?: number | undefined;
}

/**
 * Decodes the events and the option of a frame whose head was read, without holding the event
 * loop: gzipped entries inflate in zlib's thread pool, and the loop gets a turn between slices
 * of entries. Rejects with ProtocolError on entries that break the protocol or inflate too much.
 */
export async function readFrameBody(head: FrameHead, reading: BodyReading): Promise<FrameBodyResult> {
  const steps = bodySteps(head, reading.sliceBytes ?? SLICE_BYTES);
  let input: Buffer | undefined;
  for (;;) {
    const next = steps.next(input);
    if (next.done) return next.value;
    input = undefined;
    if (next.value.step === 'pause') await nextTurn();
    else {
      await reading.beforeInflate?.();
      input = await inflateBounded(next.value.bytes, reading.maxInflatedBytes);
    }
  }
}

/**
 * Tag, events and options of one stored frame, decoded at once (a rebuild): the frame was
 * accepted under the server's bounds, so only the hard bound on inflated entries applies.
 */
export function decodeFrame(raw: Buffer): DecodedFrame {
  const head = readFrameHead(raw);
  const steps = bodySteps(head, Number.POSITIVE_INFINITY);
  let input: Buffer | undefined;
  for (;;) {
    const next = steps.next(input);
    if (next.done) return { tag: head.tag, events: next.value.events, option: next.value.option };
    input = undefined;
    if (next.value.step === 'inflate') {
      try {
        input = gunzipSync(next.value.bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES_LIMIT });
      } catch (error) {
        throw inflateError(error, MAX_DECOMPRESSED_BYTES_LIMIT);
      }
    }
  }
}
