/**
 * Test photos: puts an EXIF segment (Orientation, DateTimeOriginal) into JPEG bytes made by a
 * canvas, as a camera writes it (APP1 right after SOI, big-endian TIFF). Pure bytes: used by the
 * browser tests and by e2e (which makes the JPEG in the page and sets it on the file input).
 */

export interface ExifFields {
  /** 1…8; 6 = "rotate 90° clockwise to show" (a phone held upright). */
  orientation?: number;
  /** "YYYY:MM:DD HH:MM:SS", the camera's local time. */
  dateTimeOriginal?: string;
}

/** The JPEG with an EXIF APP1 segment carrying `fields` inserted after its SOI marker. */
export function withExif(jpeg: Uint8Array, fields: ExifFields): Uint8Array<ArrayBuffer> {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  const date = fields.dateTimeOriginal ?? '2026:12:01 09:30:00';
  const tiff = new Uint8Array(76);
  const view = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d], 0);
  view.setUint16(2, 42);
  view.setUint32(4, 8);
  // IFD0: Orientation and the pointer to the Exif IFD.
  view.setUint16(8, 2);
  view.setUint16(10, 0x0112);
  view.setUint16(12, 3);
  view.setUint32(14, 1);
  view.setUint16(18, fields.orientation ?? 1);
  view.setUint16(22, 0x8769);
  view.setUint16(24, 4);
  view.setUint32(26, 1);
  view.setUint32(30, 38);
  view.setUint32(34, 0);
  // Exif IFD: DateTimeOriginal, 20 ASCII bytes at offset 56.
  view.setUint16(38, 1);
  view.setUint16(40, 0x9003);
  view.setUint16(42, 2);
  view.setUint32(44, 20);
  view.setUint32(48, 56);
  view.setUint32(52, 0);
  for (let index = 0; index < 19; index++) tiff[56 + index] = date.charCodeAt(index);
  const segment = new Uint8Array(4 + 6 + tiff.length);
  segment.set([0xff, 0xe1], 0);
  new DataView(segment.buffer).setUint16(2, 2 + 6 + tiff.length);
  segment.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4);
  segment.set(tiff, 10);
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(segment, 2);
  out.set(jpeg.subarray(2), 2 + segment.length);
  return out;
}
