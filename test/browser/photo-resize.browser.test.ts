// Photos resized in the real photo worker in Chromium: EXIF orientation honoured (a 4000×3000
// noisy photo tagged Orientation=6 comes out 1200×1600, upright), long side ≤ 1600 px, ≤ 400 KB,
// the EXIF DateTimeOriginal as taken_at; a file that is not a picture gets a clear PhotoError.
import { afterAll, describe, expect, it } from 'vitest';
import { PhotoError, PHOTO_MAX_BYTES, PHOTO_MAX_SIDE } from '../../src/controllers/photos/photo-resize';
import { PhotoResizer } from '../../src/controllers/photos/photo-resizer';
import { readExif } from '../../src/controllers/photos/exif';
import { withExif } from '../support/exif-jpeg';

const resizer = new PhotoResizer();
afterAll(() => resizer.close());

/** A JPEG of random noise (the hardest thing to compress), as a camera would hand it over. */
async function noisyJpeg(width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(width, height);
  const words = new Uint32Array(image.data.buffer);
  let seed = 12345;
  for (let index = 0; index < words.length; index++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    words[index] = seed | 0xff000000;
  }
  context.putImageData(image, 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer());
}

/** A JPEG whose left half is red and right half blue, to see where the left ends up. */
async function halvesJpeg(width: number, height: number): Promise<Uint8Array<ArrayBuffer>> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#ff0000';
  context.fillRect(0, 0, width / 2, height);
  context.fillStyle = '#0000ff';
  context.fillRect(width / 2, 0, width / 2, height);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 })).arrayBuffer());
}

/** The pixel at (x, y) of decoded JPEG bytes, as [r, g, b]. */
async function pixel(bytes: ArrayBuffer, x: number, y: number): Promise<number[]> {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  return [...context.getImageData(x, y, 1, 1).data.slice(0, 3)];
}

describe('photo resizing in the worker', () => {
  it('a 4000×3000 noisy photo tagged Orientation=6 comes out rotated (1200×1600), ≤ 1600 px and ≤ 400 KB, with its EXIF time', async () => {
    const original = withExif(await noisyJpeg(4000, 3000), { orientation: 6, dateTimeOriginal: '2026:11:30 14:05:09' });
    expect(original.length).toBeGreaterThan(PHOTO_MAX_BYTES * 4);
    expect(readExif(original)).toEqual({ orientation: 6, takenAt: new Date(2026, 10, 30, 14, 5, 9).toISOString() });
    const photo = await resizer.resize(new File([original], 'IMG_0001.jpg', { type: 'image/jpeg' }));
    expect(photo.bytes.byteLength).toBeLessThanOrEqual(PHOTO_MAX_BYTES);
    expect(Math.max(photo.width, photo.height)).toBeLessThanOrEqual(PHOTO_MAX_SIDE);
    // Width and height swapped: the photo is upright.
    expect(photo.height).toBeGreaterThan(photo.width);
    expect(photo.width / photo.height).toBeCloseTo(3000 / 4000, 2);
    const decoded = await createImageBitmap(new Blob([photo.bytes], { type: 'image/jpeg' }));
    expect([decoded.width, decoded.height]).toEqual([photo.width, photo.height]);
    expect(photo.taken_at).toBe(new Date(2026, 10, 30, 14, 5, 9).toISOString());
  });

  it('turns the pixels, not only the size: Orientation=6 puts the left edge at the top', async () => {
    const photo = await resizer.resize(new Blob([withExif(await halvesJpeg(400, 300), { orientation: 6 })], { type: 'image/jpeg' }));
    expect([photo.width, photo.height]).toEqual([300, 400]);
    const [topRed, , topBlue] = await pixel(photo.bytes, 150, 20);
    const [bottomRed, , bottomBlue] = await pixel(photo.bytes, 150, 380);
    expect(topRed).toBeGreaterThan(200);
    expect(topBlue).toBeLessThan(60);
    expect(bottomBlue).toBeGreaterThan(200);
    expect(bottomRed).toBeLessThan(60);
  });

  it('keeps a small photo at its size and stamps it now when it has no EXIF time', async () => {
    const before = Date.now();
    const photo = await resizer.resize(new Blob([await halvesJpeg(640, 480)], { type: 'image/jpeg' }));
    expect([photo.width, photo.height]).toEqual([640, 480]);
    expect(Date.parse(photo.taken_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('a file that is not a picture gets a clear PhotoError', async () => {
    const error = await resizer.resize(new File(['time,value\n1,2\n'], 'readings.csv', { type: 'text/csv' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PhotoError);
    expect((error as PhotoError).code).toBe('not_an_image');
    expect((error as PhotoError).message).toBe('"readings.csv" is not a picture this device can read.');
    // The worker still works after a refusal.
    const photo = await resizer.resize(new Blob([await halvesJpeg(40, 30)], { type: 'image/jpeg' }));
    expect(photo.width).toBe(40);
  });
});
