/**
 * NumPy files, written the same way on the server (GET /api/arrays/:id/values?format=npy) and in
 * the browser (the explorer's export): `.npy` format 1.0 of a 1-D little-endian array, plain
 * (`<f4`) or structured (named fields, packed, e.g. `time <f8, value <f4`), and `.npz` (a zip of
 * .npy files, stored without compression; `numpy.load` gives a dict of arrays by name).
 * Plain bytes (Uint8Array), no Buffer nor Blob, so both sides share this one copy.
 */

/** Field types written: little-endian float64 and float32. */
export type NpyType = '<f8' | '<f4';

/** One field of a structured .npy: its name, type and one value per row. */
export interface NpyField {
  name: string;
  type: NpyType;
  values: ArrayLike<number>;
}

const BYTES: Record<NpyType, number> = { '<f8': 8, '<f4': 4 };

/** A Python string literal of `text` (field names are the user's titles: quotes and backslashes escaped, ASCII only). */
function pythonString(text: string): string {
  let out = "'";
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (character === "'" || character === '\\') out += `\\${character}`;
    else if (code >= 0x20 && code < 0x7f) out += character;
    else out += code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}'`;
}

/**
 * The header of a .npy 1.0 file of `rows` rows of `descr` (a dtype string like `'<f4'`, or a
 * structured one): magic, version, header length, and the dict padded with spaces to a multiple
 * of 64 bytes, ending in a newline (what numpy writes and expects).
 */
export function npyHeader(descr: string, rows: number): Uint8Array {
  let header = `{'descr': ${descr}, 'fortran_order': False, 'shape': (${rows},), }`;
  // Magic (6) + version (2) + length (2) + header, padded to a multiple of 64, ending in \n.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new RangeError('a .npy 1.0 header holds at most 65 535 bytes: fewer or shorter field names');
  const bytes = new Uint8Array(10 + header.length);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]); // \x93NUMPY 1.0 length (LE)
  for (let index = 0; index < header.length; index++) bytes[10 + index] = header.charCodeAt(index);
  return bytes;
}

/** A .npy file (format 1.0) of little-endian float32 values (a 1-D `<f4` array). */
export function toNpy(values: Float32Array): Uint8Array {
  const header = npyHeader("'<f4'", values.length);
  const bytes = new Uint8Array(header.length + values.byteLength);
  bytes.set(header);
  // Float32Array is in the platform's byte order; every platform this runs on is little-endian.
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), header.length);
  return bytes;
}

/**
 * A .npy file of a 1-D structured array, one row per index, its fields packed in order (numpy:
 * `np.load(f)['time']`). Every field must have the same number of values. Throws RangeError
 * otherwise, or when there is no field.
 */
export function structuredNpy(fields: readonly NpyField[]): Uint8Array {
  if (fields.length === 0) throw new RangeError('a structured .npy needs at least one field');
  const rows = fields[0]!.values.length;
  if (fields.some((field) => field.values.length !== rows)) throw new RangeError('every field of a structured .npy has one value per row');
  const descr = `[${fields.map((field) => `(${pythonString(field.name)}, '${field.type}')`).join(', ')}]`;
  const header = npyHeader(descr, rows);
  const itemSize = fields.reduce((sum, field) => sum + BYTES[field.type], 0);
  const bytes = new Uint8Array(header.length + rows * itemSize);
  bytes.set(header);
  const view = new DataView(bytes.buffer, header.length);
  let offset = 0;
  for (const field of fields) {
    const { values } = field;
    if (field.type === '<f8') for (let row = 0; row < rows; row++) view.setFloat64(row * itemSize + offset, values[row]!, true);
    else for (let row = 0; row < rows; row++) view.setFloat32(row * itemSize + offset, values[row]!, true);
    offset += BYTES[field.type];
  }
  return bytes;
}

/** The CRC-32 table (IEEE 802.3 polynomial, as zip uses). */
let crcTable: Uint32Array | undefined;

/** CRC-32 of `bytes` (zip's checksum). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index++) crc = crcTable[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Largest .npz written: zip without its 64-bit extension holds sizes and offsets below 4 GiB. */
const MAX_ZIP_BYTES = 0xffffffff;

/**
 * A .npz file: a zip (stored, no compression, no zip64) of one `<name>.npy` per entry, which
 * `numpy.load` opens as a dict of arrays by name. Names must be distinct (a zip may repeat a
 * name, numpy would keep one). Throws RangeError for repeated names or 4 GiB and more.
 */
export function toNpz(entries: ReadonlyArray<{ name: string; npy: Uint8Array }>): Uint8Array {
  const encoder = new TextEncoder();
  const seen = new Set<string>();
  const files = entries.map(({ name, npy }) => {
    if (seen.has(name)) throw new RangeError(`a .npz holds each name once (${JSON.stringify(name)} twice)`);
    seen.add(name);
    return { name: encoder.encode(`${name}.npy`), npy, crc: crc32(npy) };
  });
  const localSize = files.reduce((sum, file) => sum + 30 + file.name.length + file.npy.length, 0);
  const centralSize = files.reduce((sum, file) => sum + 46 + file.name.length, 0);
  const total = localSize + centralSize + 22;
  if (total > MAX_ZIP_BYTES || files.length > 0xffff) throw new RangeError('a .npz is written up to 4 GiB and 65 535 arrays');
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const offsets: number[] = [];
  let at = 0;
  // Fixed DOS date 1980-01-01 00:00: the file's time says nothing useful here.
  const dosDate = (0 << 9) | (1 << 5) | 1;
  for (const file of files) {
    offsets.push(at);
    view.setUint32(at, 0x04034b50, true); // local file header
    view.setUint16(at + 4, 20, true); // version needed 2.0
    view.setUint16(at + 6, 0x0800, true); // UTF-8 names
    view.setUint16(at + 8, 0, true); // stored
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, dosDate, true);
    view.setUint32(at + 14, file.crc, true);
    view.setUint32(at + 18, file.npy.length, true);
    view.setUint32(at + 22, file.npy.length, true);
    view.setUint16(at + 26, file.name.length, true);
    view.setUint16(at + 28, 0, true);
    bytes.set(file.name, at + 30);
    bytes.set(file.npy, at + 30 + file.name.length);
    at += 30 + file.name.length + file.npy.length;
  }
  const centralStart = at;
  files.forEach((file, index) => {
    view.setUint32(at, 0x02014b50, true); // central directory header
    view.setUint16(at + 4, 20, true); // made by 2.0
    view.setUint16(at + 6, 20, true);
    view.setUint16(at + 8, 0x0800, true);
    view.setUint16(at + 10, 0, true);
    view.setUint16(at + 12, 0, true);
    view.setUint16(at + 14, dosDate, true);
    view.setUint32(at + 16, file.crc, true);
    view.setUint32(at + 20, file.npy.length, true);
    view.setUint32(at + 24, file.npy.length, true);
    view.setUint16(at + 28, file.name.length, true);
    // extra, comment, disk, internal and external attributes: 0
    view.setUint32(at + 42, offsets[index]!, true);
    bytes.set(file.name, at + 46);
    at += 46 + file.name.length;
  });
  view.setUint32(at, 0x06054b50, true); // end of central directory
  view.setUint16(at + 8, files.length, true);
  view.setUint16(at + 10, files.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return bytes;
}
