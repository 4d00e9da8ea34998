// The msgpack length scanner the forward protocol reads frames with: every type family of the
// msgpack spec, values cut at every byte, several values in one piece, invalid input and hostile
// headers, and a property test against msgpackr's own encoding of random values.
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import '../../src/server/ingest/parse'; // registers the EventTime extension (type 0) with msgpackr
import { MsgpackFrameScanner, MsgpackScanError, type MsgpackScanErrorCode } from '../../src/server/ingest/msgpack-frames';

const LIMITS = { maxValueBytes: 64 * 1024 * 1024, maxDepth: 10_000 };

/** Feeds `pieces` in order; returns where values end, as offsets in the whole stream. */
function ends(pieces: Uint8Array[], scanner = new MsgpackFrameScanner(LIMITS)): number[] {
  const found: number[] = [];
  let offset = 0;
  for (const piece of pieces) {
    for (const end of scanner.scan(piece)) found.push(offset + end);
    offset += piece.length;
  }
  return found;
}

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const bounds = [0, ...cuts, bytes.length];
  return bounds.slice(1).map((end, index) => bytes.subarray(bounds[index], end));
}

/** The cumulative lengths of `values`: where each ends when they are sent one after the other. */
function boundaries(values: Uint8Array[]): number[] {
  let total = 0;
  return values.map((value) => (total += value.length));
}

function scanError(pieces: Uint8Array[], limits = LIMITS): MsgpackScanErrorCode | undefined {
  try {
    ends(pieces, new MsgpackFrameScanner(limits));
    return undefined;
  } catch (error) {
    if (error instanceof MsgpackScanError) return error.code;
    throw error;
  }
}

const bytes = (...parts: Array<number[] | Uint8Array>) => Buffer.concat(parts.map((part) => Buffer.from(part)));

/** fluentd's EventTime: ext type 0 (fixext 8), big-endian seconds and nanoseconds. */
function eventTime(seconds: number, nanoseconds: number): Buffer {
  const time = Buffer.from([0xd7, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
  time.writeUInt32BE(seconds, 2);
  time.writeUInt32BE(nanoseconds, 6);
  return time;
}

describe('msgpack length scanner', () => {
  // One value of each type family, encoded by msgpackr where it produces that encoding.
  const encoded: Array<[string, Uint8Array]> = [
    ['positive fixint', pack(7)],
    ['negative fixint', pack(-5)],
    ['nil', pack(null)],
    ['false', pack(false)],
    ['true', pack(true)],
    ['uint 8', pack(200)],
    ['uint 16', pack(60_000)],
    ['uint 32', pack(4_000_000_000)],
    ['uint 64', pack(2n ** 64n - 1n)],
    ['int 8', pack(-100)],
    ['int 16', pack(-30_000)],
    ['int 32', pack(-2_000_000_000)],
    ['int 64', pack(-(2n ** 63n))],
    ['float 64', pack(0.1)],
    ['fixstr', pack('temp')],
    ['str 8', pack('x'.repeat(200))],
    ['str 16', pack('é'.repeat(1000))],
    ['str 32', pack('y'.repeat(70_000))],
    ['bin 8', pack(Buffer.alloc(200, 1))],
    ['bin 16', pack(Buffer.alloc(1000, 2))],
    ['bin 32', pack(Buffer.alloc(70_000, 3))],
    ['fixarray', pack([1, 'a', null])],
    ['array 16', pack(Array.from({ length: 20 }, (_, index) => index))],
    ['array 32', pack(new Array(70_000).fill(0))],
    ['empty array', pack([])],
    ['fixmap', pack({ temp: 1.5, state: 'run' })],
    ['map 16', pack(Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`k${index}`, index])))],
    ['map 32', pack(new Map(Array.from({ length: 70_000 }, (_, index) => [index, index])))],
    ['empty map', pack({})],
    ['timestamp (fixext 8, type -1)', pack(new Date(1_700_000_000_123))],
  ];
  // Encodings msgpackr does not produce for any plain value: written by hand, following the spec.
  const handWritten: Array<[string, Uint8Array]> = [
    ['float 32', bytes([0xca], [0x3f, 0xc0, 0x00, 0x00])],
    ['fixext 1', bytes([0xd4, 0x05, 0xaa])],
    ['fixext 2', bytes([0xd5, 0x05], [1, 2])],
    ['fixext 4', bytes([0xd6, 0x05], [1, 2, 3, 4])],
    ['fixext 8 (EventTime)', eventTime(1_700_000_000, 500_000_000)],
    ['fixext 16', bytes([0xd8, 0x05], new Uint8Array(16).fill(9))],
    ['ext 8', bytes([0xc7, 3, 0x05], [1, 2, 3])],
    ['ext 8, empty', bytes([0xc7, 0, 0x05])],
    ['ext 16', bytes([0xc8, 0x01, 0x00, 0x05], new Uint8Array(256).fill(4))],
    ['ext 32', bytes([0xc9, 0x00, 0x01, 0x00, 0x00, 0x05], new Uint8Array(65_536).fill(5))],
    ['str 8 (short)', bytes([0xd9, 2], Buffer.from('ok'))],
    ['str 16 (short)', bytes([0xda, 0, 2], Buffer.from('ok'))],
    ['str 32 (short)', bytes([0xdb, 0, 0, 0, 2], Buffer.from('ok'))],
    ['bin 16 (short)', bytes([0xc5, 0, 1], [7])],
    ['array 16 (short)', bytes([0xdc, 0, 2], [0x01, 0xc0])],
    ['array 32 (short)', bytes([0xdd, 0, 0, 0, 1], [0xc3])],
    ['map 16 (short)', bytes([0xde, 0, 1], [0xa1, 0x61, 0x01])],
    ['map 32 (short)', bytes([0xdf, 0, 0, 0, 1], [0xa1, 0x61, 0xc2])],
  ];

  it.each([...encoded, ...handWritten])('%s: one value, found with its exact length', (_type, value) => {
    expect(ends([value])).toEqual([value.length]);
    // Followed by another value in the same piece, it still ends where it ends.
    expect(ends([bytes(value, [0x2a])])).toEqual([value.length, value.length + 1]);
  });

  it('hand-written encodings are msgpack as msgpackr reads it (the same values as its own encodings)', () => {
    expect(unpack(handWritten[0]![1])).toBe(1.5);
    expect(unpack(bytes([0xd9, 2], Buffer.from('ok')))).toBe('ok');
    expect(unpack(bytes([0xdb, 0, 0, 0, 2], Buffer.from('ok')))).toBe('ok');
    expect(unpack(bytes([0xdc, 0, 2], [0x01, 0xc0]))).toEqual([1, null]);
    expect(unpack(bytes([0xdf, 0, 0, 0, 1], [0xa1, 0x61, 0xc2]))).toEqual({ a: false });
    expect(unpack(eventTime(1_700_000_000, 500_000_000))).toBe(1_700_000_000.5);
  });

  // Forward-protocol frames: Forward mode with EventTime entries and nested maps, Message mode,
  // PackedForward (entries in one bin), and the handshake's PING.
  const forward = bytes(
    [0x93],
    pack('turbine.t07'),
    [0x92],
    [0x92],
    eventTime(1_700_000_000, 1),
    pack({ temp: 20.5, nested: { inner: { deep: [1, { x: null }] }, list: [] }, state: 'run' }),
    [0x92],
    eventTime(1_700_000_001, 999_999_999),
    pack({ temp: -1, power: 2 ** 40 }),
    pack({ chunk: 'abc', size: 2 }),
  );
  const message = bytes([0x94], pack('turbine.t07'), eventTime(1_700_000_002, 0), pack({ temp: 1 }), pack({ chunk: 'm' }));
  const packedForward = pack(['turbine.t07', Buffer.concat([pack([1_700_000_003, { temp: 2 }]), pack([1_700_000_004, { temp: 3 }])]), { chunk: 'p', size: 2 }]);
  const ping = pack(['PING', 'agent', Buffer.alloc(16, 7), 'f'.repeat(128), '', '']);
  const frames: Array<[string, Uint8Array]> = [
    ['Forward mode with EventTime and nested maps', forward],
    ['Message mode', message],
    ['PackedForward', packedForward],
    ['PING', ping],
  ];

  it('the sample frames are what msgpackr decodes', () => {
    expect(unpack(forward)).toEqual([
      'turbine.t07',
      [
        [1_700_000_000 + 1 / 1e9, { temp: 20.5, nested: { inner: { deep: [1, { x: null }] }, list: [] }, state: 'run' }],
        [1_700_000_001 + 999_999_999 / 1e9, { temp: -1, power: 2 ** 40 }],
      ],
      { chunk: 'abc', size: 2 },
    ]);
    expect(unpack(message)).toEqual(['turbine.t07', 1_700_000_002, { temp: 1 }, { chunk: 'm' }]);
  });

  it.each(frames)('%s cut in two at every byte ends where msgpackr says', (_frame, frame) => {
    for (let at = 0; at <= frame.length; at++) expect(ends(cut(frame, [at]))).toEqual([frame.length]);
  });

  it.each(frames)('%s fed one byte at a time ends at its last byte, and not before', (_frame, frame) => {
    const scanner = new MsgpackFrameScanner(LIMITS);
    for (let at = 0; at < frame.length - 1; at++) {
      expect(scanner.scan(frame.subarray(at, at + 1))).toEqual([]);
      expect(scanner.pendingBytes).toBe(at + 1);
    }
    expect(scanner.scan(frame.subarray(frame.length - 1))).toEqual([1]);
    expect(scanner.pendingBytes).toBe(0);
  });

  it('headers cut inside their length field (str, bin, ext, array and map 16/32) resume in the next piece', () => {
    for (const [, value] of [...encoded, ...handWritten]) {
      for (let at = 1; at < Math.min(value.length, 7); at++) expect(ends(cut(value, [at]))).toEqual([value.length]);
    }
  });

  it('several values in one piece, and values spanning pieces, end in order', () => {
    const values = [forward, pack(1), message, pack(null), packedForward, ping, pack({}), forward];
    const stream = Buffer.concat(values);
    expect(ends([stream])).toEqual(boundaries(values));
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const cuts = Array.from({ length: Math.floor(stream.length / size) }, (_, index) => (index + 1) * size);
      expect(ends(cut(stream, cuts))).toEqual(boundaries(values));
    }
  });

  it('0xc1 is not msgpack, wherever it comes', () => {
    expect(scanError([bytes([0xc1])])).toBe('invalid');
    expect(scanError([bytes([0x92, 0x01, 0xc1])])).toBe('invalid');
    expect(scanError([bytes([0x81, 0xc1, 0x01])])).toBe('invalid');
    expect(scanError([forward, bytes([0xc1])])).toBe('invalid');
    // Where the first entry's time belongs ([0x93, tag, 0x92, 0x92, …]), in the next piece.
    const entryStart = 1 + pack('turbine.t07').length + 2;
    expect(scanError([forward.subarray(0, entryStart), bytes([0xc1])])).toBe('invalid');
    // Inside a payload it is a byte like any other.
    expect(ends([bytes([0xc4, 1, 0xc1]), bytes([0xa1, 0xc1])])).toEqual([3, 5]);
  });

  it('announced lengths beyond the limit are refused at their header, before their bytes', () => {
    const limits = { maxValueBytes: 1024 * 1024, maxDepth: 100 };
    for (const header of [
      [0xdb, 0xff, 0xff, 0xff, 0xff], // str 32 of 4 GiB
      [0xc6, 0xff, 0xff, 0xff, 0xff], // bin 32
      [0xc9, 0xff, 0xff, 0xff, 0xff, 0x00], // ext 32
      [0xc6, 0x00, 0x10, 0x00, 0x00], // bin 32 of 1 MiB: the header makes it one byte too long
      [0xdd, 0xff, 0xff, 0xff, 0xff], // array 32 of 4 billion items: each takes a byte at least
      [0xdf, 0xff, 0xff, 0xff, 0xff], // map 32
      [0xdf, 0x00, 0x08, 0x00, 0x00], // map 32 of 2^19 entries: 2^20 items
      [0x92, 0xc0, 0xc6, 0x00, 0x0f, 0xff, 0xfc], // the second item of an array
      [0x93, 0xc6, 0x00, 0x0f, 0xff, 0xf9], // a bin that leaves too few bytes for the next two items
    ]) {
      const scanner = new MsgpackFrameScanner(limits);
      expect(() => scanner.scan(Uint8Array.from(header)), header.join()).toThrow(MsgpackScanError);
      // Cut inside the header, it is refused as soon as the header is complete.
      const again = new MsgpackFrameScanner(limits);
      expect(again.scan(Uint8Array.from(header.slice(0, header.length - 1)))).toEqual([]);
      expect(() => again.scan(Uint8Array.from(header.slice(-1)))).toThrow(expect.objectContaining({ code: 'too_large' }));
    }
  });

  it('a value of exactly the limit is found; one byte more is refused', () => {
    const limits = { maxValueBytes: 1000, maxDepth: 100 };
    const exact = pack(Buffer.alloc(1000 - 3)); // bin 16: 3 header bytes
    expect(exact.length).toBe(1000);
    expect(ends([exact], new MsgpackFrameScanner(limits))).toEqual([1000]);
    expect(scanError([pack(Buffer.alloc(1000 - 2))], limits)).toBe('too_large');
    // An array counts a byte for each item it announces.
    expect(ends([pack(new Array(997).fill(1))], new MsgpackFrameScanner(limits))).toEqual([1000]); // array 16 + 997 bytes
    expect(scanError([pack(new Array(998).fill(1))], limits)).toBe('too_large');
    // Items whose headers each fit: the one that goes past the limit is refused.
    expect(scanError([pack(['x'.repeat(400), 'y'.repeat(400), 'z'.repeat(400)])], limits)).toBe('too_large');
    // The limit is per value: many values of the limit in a row are fine.
    expect(ends([exact, exact, exact], new MsgpackFrameScanner(limits))).toEqual([1000, 2000, 3000]);
  });

  it('nesting deeper than the limit is refused; up to the limit it is found', () => {
    const limits = { maxValueBytes: 1024, maxDepth: 10 };
    const nested = (depth: number) => bytes(new Array(depth).fill(0x91), [0xc0]);
    expect(ends([nested(10)], new MsgpackFrameScanner(limits))).toEqual([11]);
    expect(scanError([nested(11)], limits)).toBe('too_deep');
    expect(scanError([bytes(new Array(11).fill(0x81).flatMap((map: number) => [map, 0x00]), [0xc0])], limits)).toBe('too_deep');
    // Siblings do not add up: ten levels, closed and opened again, many times.
    const siblings = pack(new Array(50).fill(unpack(nested(9))));
    expect(ends([siblings], new MsgpackFrameScanner(limits))).toEqual([siblings.length]);
  });

  it('a scanner that announced nothing is not holding anything: an empty piece changes nothing', () => {
    const scanner = new MsgpackFrameScanner(LIMITS);
    expect(scanner.scan(new Uint8Array(0))).toEqual([]);
    expect(scanner.scan(forward.subarray(0, 5))).toEqual([]);
    expect(scanner.scan(new Uint8Array(0))).toEqual([]);
    expect(scanner.scan(forward.subarray(5))).toEqual([forward.length - 5]);
  });
});

describe('msgpack length scanner against msgpackr (property)', () => {
  // Any value msgpackr packs: every JSON-like shape, plus what msgpackr gives an encoding of its
  // own (undefined, dates, bigints, binary, typed arrays, Map, Set), and some long strings and arrays
  // for the 16- and 32-bit headers.
  const leaf = fc.oneof(
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.nat(70_000).map((length) => 'x'.repeat(length)),
    fc.uint8Array({ maxLength: 300 }),
    fc.nat(70_000).map((length) => new Uint8Array(length)),
    fc.date(),
  );
  const value = fc.anything({ values: [leaf], maxDepth: 4, maxKeys: 20, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true });
  /** Values and where to cut the stream of their encodings (fractions of its length). */
  const streams = fc.tuple(fc.array(value, { minLength: 1, maxLength: 4 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }));

  it('every value msgpackr packs, fed in random pieces, is found with exactly its byte length', () => {
    fc.assert(
      fc.property(streams, ([values, fractions]) => {
        const encodings = values.map((item) => pack(item));
        const stream = Buffer.concat(encodings);
        const cuts = fractions.map((fraction) => Math.floor(fraction * stream.length)).sort((a, b) => a - b);
        expect(ends(cut(stream, cuts))).toEqual(boundaries(encodings));
      }),
      { numRuns: 300 },
    );
  });
});
