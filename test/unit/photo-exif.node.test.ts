// The EXIF reader of photos: DateTimeOriginal and Orientation from a camera's JPEG start (big- and
// little-endian TIFF), and anything malformed or hostile reads as "not there", never as an error
// or a read past the bytes given.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exifTime, readExif } from '../../src/controllers/photos/exif';
import { withExif } from '../support/exif-jpeg';

/** The smallest JPEG start the reader walks: SOI, an APP0 segment, then SOS. */
const bareJpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x4a, 0x46, 0xff, 0xda, 0x00, 0x02]);

/** The same EXIF as withExif writes, in Intel (little-endian) byte order. */
function littleEndian(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const tiff = 2 + 10;
  out.set([0x49, 0x49], tiff);
  const view = new DataView(out.buffer, tiff);
  const big = new DataView(bytes.buffer, tiff);
  const swap16 = (at: number) => view.setUint16(at, big.getUint16(at), true);
  const swap32 = (at: number) => view.setUint32(at, big.getUint32(at), true);
  swap16(2); swap32(4);
  swap16(8); swap16(10); swap16(12); swap32(14); swap16(18);
  swap16(22); swap16(24); swap32(26); swap32(30); swap32(34);
  swap16(38); swap16(40); swap16(42); swap32(44); swap32(48); swap32(52);
  return out;
}

describe('readExif', () => {
  it('reads Orientation and DateTimeOriginal (camera local time) in both byte orders', () => {
    const tagged = withExif(bareJpeg, { orientation: 6, dateTimeOriginal: '2026:12:02 09:15:30' });
    const expected = { orientation: 6, takenAt: new Date(2026, 11, 2, 9, 15, 30).toISOString() };
    expect(readExif(tagged)).toEqual(expected);
    expect(readExif(littleEndian(tagged))).toEqual(expected);
  });

  it('finds nothing in a JPEG without EXIF, in what is not a JPEG, or in a cut-off segment', () => {
    expect(readExif(bareJpeg)).toEqual({});
    expect(readExif(new TextEncoder().encode('time,value\n1,2\n'))).toEqual({});
    const tagged = withExif(bareJpeg, { orientation: 3 });
    for (let length = 0; length < tagged.length; length += 7) expect(() => readExif(tagged.subarray(0, length))).not.toThrow();
    expect(readExif(tagged.subarray(0, 30))).toEqual({});
  });

  it('never throws on arbitrary bytes after a JPEG and EXIF header', () => {
    const header = withExif(bareJpeg, { orientation: 6 }).subarray(0, 12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const bytes = new Uint8Array(header.length + tail.length);
        bytes.set(header);
        bytes.set(tail, header.length);
        const facts = readExif(bytes);
        return facts.orientation === undefined || (facts.orientation >= 1 && facts.orientation <= 8);
      }),
    );
  });
});

describe('exifTime', () => {
  it('takes only a real "YYYY:MM:DD HH:MM:SS"', () => {
    expect(exifTime('2026:01:31 23:59:59')).toBe(new Date(2026, 0, 31, 23, 59, 59).toISOString());
    for (const bad of ['0000:00:00 00:00:00', '2026:13:01 00:00:00', '2026-01-01 00:00:00', '2026:01:01 24:00:00', '    :  :     :  :  ']) expect(exifTime(bad)).toBeUndefined();
  });
});
