/**
 * A resumable msgpack length scanner: fed a byte stream piece by piece, it tells where each
 * top-level value ends without building any value, so that a reader can wait for a complete frame
 * and decode it once. Re-decoding the buffered bytes after every read instead costs time
 * quadratic in the frame's size.
 *
 * It walks the headers of the msgpack spec and skips payloads; between pieces it keeps its state:
 * a header cut in two, the payload bytes still to skip, and for each open array or map the items
 * it still expects. Nothing it allocates depends on what a header announces: a count is a number
 * on a stack whose depth is bounded, and a length is a number of bytes to skip.
 */

export type MsgpackScanErrorCode = 'invalid' | 'too_large' | 'too_deep';

/** The stream is not msgpack (`invalid`), or a value is, or is announced to be, over a limit. */
export class MsgpackScanError extends Error {
  readonly code: MsgpackScanErrorCode;

  constructor(code: MsgpackScanErrorCode, message: string) {
    super(message);
    this.name = 'MsgpackScanError';
    this.code = code;
  }
}

export interface MsgpackScannerOptions {
  /** A top-level value longer than this, or whose headers announce more, is an error. */
  maxValueBytes: number;
  /** Arrays and maps nested deeper than this are an error (it bounds the scanner's stack). */
  maxDepth: number;
}

/**
 * Bytes of each header: the type byte, then the length or count field, then an ext's type byte.
 * 0 marks 0xc1, which the spec never uses.
 */
const HEADER_BYTES = new Uint8Array(256).fill(1);
HEADER_BYTES[0xc1] = 0;
for (const [first, bytes] of [
  [0xc4, 2], [0xc5, 3], [0xc6, 5], // bin 8/16/32
  [0xc7, 3], [0xc8, 4], [0xc9, 6], // ext 8/16/32: length, then type
  [0xd4, 2], [0xd5, 2], [0xd6, 2], [0xd7, 2], [0xd8, 2], // fixext 1/2/4/8/16: type
  [0xd9, 2], [0xda, 3], [0xdb, 5], // str 8/16/32
  [0xdc, 3], [0xdd, 5], // array 16/32
  [0xde, 3], [0xdf, 5], // map 16/32
] as const) {
  HEADER_BYTES[first] = bytes;
}

/** Payload bytes after the header of the types whose payload has a fixed size. */
const FIXED_PAYLOAD_BYTES = new Uint8Array(256);
for (const [first, bytes] of [
  [0xca, 4], [0xcb, 8], // float 32/64
  [0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8], // uint 8/16/32/64
  [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8], // int 8/16/32/64
  [0xd4, 1], [0xd5, 2], [0xd6, 4], [0xd7, 8], [0xd8, 16], // fixext 1/2/4/8/16
] as const) {
  FIXED_PAYLOAD_BYTES[first] = bytes;
}
for (let first = 0xa0; first <= 0xbf; first++) FIXED_PAYLOAD_BYTES[first] = first & 0x1f; // fixstr

function uint16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function uint32(bytes: Uint8Array, at: number): number {
  // Multiplied, not shifted: a shift by 24 would make lengths of 2 GiB and more negative.
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/**
 * Finds where top-level msgpack values end in a stream fed to it piece by piece. After it has
 * thrown, the stream is unusable: the scanner must not be fed again.
 */
export class MsgpackFrameScanner {
  readonly #maxValueBytes: number;
  readonly #maxDepth: number;
  /** Items still expected by each open array or map (a map's entries count twice), innermost last. */
  readonly #remaining: number[] = [];
  /** Sum of #remaining: each needs at least one more byte, which tells early that a value is too long. */
  #remainingItems = 0;
  /** Payload bytes of the current item still to skip. */
  #skip = 0;
  /** Bytes of the current top-level value seen so far. */
  #valueBytes = 0;
  /** A header cut between two pieces: its bytes so far, how many there are and how many it has. */
  readonly #header = new Uint8Array(8);
  #headerFilled = 0;
  #headerBytes = 0;

  constructor(options: MsgpackScannerOptions) {
    this.#maxValueBytes = options.maxValueBytes;
    this.#maxDepth = options.maxDepth;
  }

  /** Bytes of the top-level value in progress received so far (0 between values). */
  get pendingBytes(): number {
    return this.#valueBytes + this.#headerFilled;
  }

  /**
   * Scans the next piece of the stream; returns the offsets in `piece` just past each top-level
   * value that ends in it, in order (a value may have begun in earlier pieces). Throws
   * MsgpackScanError when the stream is not msgpack or a value is over a limit.
   */
  scan(piece: Uint8Array): number[] {
    const ends: number[] = [];
    const length = piece.length;
    let position = 0;
    while (position < length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, length - position);
        this.#skip -= step;
        this.#valueBytes += step;
        position += step;
        if (this.#skip === 0 && this.#itemEnded()) ends.push(position);
        continue;
      }
      if (this.#headerFilled > 0) {
        const step = Math.min(this.#headerBytes - this.#headerFilled, length - position);
        this.#header.set(piece.subarray(position, position + step), this.#headerFilled);
        this.#headerFilled += step;
        position += step;
        if (this.#headerFilled < this.#headerBytes) break;
        this.#headerFilled = 0;
        if (this.#item(this.#header, 0)) ends.push(position);
        continue;
      }
      const first = piece[position]!;
      const headerBytes = HEADER_BYTES[first]!;
      if (headerBytes === 0) throw new MsgpackScanError('invalid', `0x${first.toString(16)} is not a msgpack type`);
      if (position + headerBytes > length) {
        // The header's length field continues in the next piece.
        this.#header.set(piece.subarray(position), 0);
        this.#headerFilled = length - position;
        this.#headerBytes = headerBytes;
        break;
      }
      position += headerBytes;
      if (this.#item(piece, position - headerBytes)) ends.push(position);
    }
    return ends;
  }

  /**
   * Takes the complete header at `bytes[at]`: counts the item in its container, then opens an
   * array or map, or sets its payload to skip. True when this ends a top-level value.
   */
  #item(bytes: Uint8Array, at: number): boolean {
    const first = bytes[at]!;
    this.#valueBytes += HEADER_BYTES[first]!;
    const depth = this.#remaining.length;
    if (depth > 0) {
      this.#remaining[depth - 1]!--;
      this.#remainingItems--;
    }
    let items = 0;
    let payload = 0;
    switch (first) {
      case 0xc4: case 0xc7: case 0xd9: payload = bytes[at + 1]!; break;
      case 0xc5: case 0xc8: case 0xda: payload = uint16(bytes, at + 1); break;
      case 0xc6: case 0xc9: case 0xdb: payload = uint32(bytes, at + 1); break;
      case 0xdc: items = uint16(bytes, at + 1); break;
      case 0xdd: items = uint32(bytes, at + 1); break;
      case 0xde: items = 2 * uint16(bytes, at + 1); break;
      case 0xdf: items = 2 * uint32(bytes, at + 1); break;
      default:
        if (first >= 0x80 && first <= 0x8f) items = 2 * (first & 0x0f);
        else if (first >= 0x90 && first <= 0x9f) items = first & 0x0f;
        else payload = FIXED_PAYLOAD_BYTES[first]!;
    }
    // Every item still expected takes at least one byte: a value that cannot fit is refused now.
    if (this.#valueBytes + payload + this.#remainingItems + items > this.#maxValueBytes) {
      throw new MsgpackScanError('too_large', `a msgpack value of more than ${this.#maxValueBytes} bytes`);
    }
    if (items > 0) {
      if (depth >= this.#maxDepth) throw new MsgpackScanError('too_deep', `msgpack arrays and maps nested deeper than ${this.#maxDepth}`);
      this.#remaining.push(items);
      this.#remainingItems += items;
      return false;
    }
    this.#skip = payload;
    return payload === 0 && this.#itemEnded();
  }

  /** An item (header and payload) is complete: closes the containers it completes. True when that ends a top-level value. */
  #itemEnded(): boolean {
    const remaining = this.#remaining;
    while (remaining.length > 0 && remaining[remaining.length - 1] === 0) remaining.pop();
    if (remaining.length > 0) return false;
    this.#valueBytes = 0;
    return true;
  }
}
