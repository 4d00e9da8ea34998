/**
 * The little of a JPEG's EXIF a photo needs: when it was taken (DateTimeOriginal) and its
 * orientation tag. Only the first segments are read (APP1 sits right after SOI), so a 12 MB photo
 * costs a 64 KB read; anything malformed reads as "not there", never as an error.
 */

/** How much of a file's start is searched for the EXIF segment. */
export const EXIF_SEARCH_BYTES = 64 * 1024;

export interface ExifFacts {
  /** DateTimeOriginal as an ISO time (the camera's local time read as this device's zone). */
  takenAt?: string;
  /** The Orientation tag (1…8) when present. */
  orientation?: number;
}

const TAG_ORIENTATION = 0x0112;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATE_TIME_ORIGINAL = 0x9003;

/** Reads the EXIF facts of JPEG bytes (the file's start is enough); {} when there are none. */
export function readExif(bytes: Uint8Array): ExifFacts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0xffd8) return {};
  let offset = 2;
  // Walk the marker segments up to the image data (SOS) looking for APP1 "Exif\0\0".
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return {};
    const marker = bytes[offset + 1]!;
    if (marker === 0xda || marker === 0xd9) return {};
    const length = view.getUint16(offset + 2);
    if (length < 2) return {};
    const start = offset + 4;
    if (marker === 0xe1 && start + 6 <= bytes.length && view.getUint32(start) === 0x45786966 && view.getUint16(start + 4) === 0) {
      return readTiff(view, start + 6, Math.min(bytes.length, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return {};
}

/** Reads the TIFF structure of an EXIF segment between `base` and `end`. */
function readTiff(view: DataView, base: number, end: number): ExifFacts {
  if (base + 8 > end) return {};
  const order = view.getUint16(base);
  if (order !== 0x4949 && order !== 0x4d4d) return {};
  const little = order === 0x4949;
  const u16 = (at: number) => (at + 2 <= end ? view.getUint16(at, little) : undefined);
  const u32 = (at: number) => (at + 4 <= end ? view.getUint32(at, little) : undefined);
  if (u16(base + 2) !== 42) return {};
  /** The entries of the IFD at `ifdOffset` (relative to the TIFF header): tag → entry position. */
  const entries = (ifdOffset: number | undefined): Map<number, number> => {
    const found = new Map<number, number>();
    if (ifdOffset === undefined) return found;
    const at = base + ifdOffset;
    const count = u16(at);
    if (count === undefined) return found;
    for (let index = 0; index < Math.min(count, 512); index++) {
      const entry = at + 2 + index * 12;
      const tag = u16(entry);
      if (tag === undefined || entry + 12 > end) break;
      found.set(tag, entry);
    }
    return found;
  };
  const facts: ExifFacts = {};
  const ifd0 = entries(u32(base + 4));
  const orientationEntry = ifd0.get(TAG_ORIENTATION);
  if (orientationEntry !== undefined) {
    const value = u16(orientationEntry + 8);
    if (value !== undefined && value >= 1 && value <= 8) facts.orientation = value;
  }
  const exifPointer = ifd0.get(TAG_EXIF_IFD);
  const exif = entries(exifPointer === undefined ? undefined : u32(exifPointer + 8));
  const dateEntry = exif.get(TAG_DATE_TIME_ORIGINAL);
  if (dateEntry !== undefined) {
    const count = u32(dateEntry + 4) ?? 0;
    const textAt = count <= 4 ? dateEntry + 8 : base + (u32(dateEntry + 8) ?? end);
    if (count >= 19 && textAt + 19 <= end) {
      let text = '';
      for (let index = 0; index < 19; index++) text += String.fromCharCode(view.getUint8(textAt + index));
      const takenAt = exifTime(text);
      if (takenAt) facts.takenAt = takenAt;
    }
  }
  return facts;
}

/** "2026:12:01 09:30:00" (the camera's local time) → ISO, or undefined when it is not a real time. */
export function exifTime(text: string): string | undefined {
  const match = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const time = new Date(year, month - 1, day, hour, minute, second);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}
