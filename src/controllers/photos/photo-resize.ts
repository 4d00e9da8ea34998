/**
 * Makes a photo fit to store and sync: decoded with its EXIF orientation applied, scaled so the
 * long side is at most 1600 px, and encoded as JPEG, lowering the quality (then the size) until it
 * is at most 400 KB. Runs where OffscreenCanvas does: in the photo worker (photo.worker.ts), or
 * in the page for tests.
 */
import { EXIF_SEARCH_BYTES, readExif } from './exif';

/** The long side of a stored photo (px). */
export const PHOTO_MAX_SIDE = 1600;
/** The most a stored photo may weigh (bytes). */
export const PHOTO_MAX_BYTES = 400 * 1024;
/** The largest file taken in: a camera's 50 MB photo decodes to far more, so bigger files are refused. */
export const PHOTO_MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** The qualities tried in turn, best first. */
const qualities = [0.85, 0.75, 0.65, 0.55, 0.45, 0.35];

export interface ResizeOptions {
  maxSide?: number;
  maxBytes?: number;
}

/** A photo ready to store: its JPEG bytes and what the work order records about it. */
export interface ResizedPhoto {
  bytes: ArrayBuffer;
  width: number;
  height: number;
  /** When it was taken: EXIF DateTimeOriginal, or when it was resized (ISO). */
  taken_at: string;
  /** The JPEG quality that made it fit. */
  quality: number;
}

/** Why a file was not made into a photo (`code` for callers, `message` for the user). */
export class PhotoError extends Error {
  readonly code: 'not_an_image' | 'too_large' | 'not_supported';
  readonly status: number;
  constructor(code: PhotoError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhotoError';
    this.code = code;
    this.status = code === 'not_supported' ? 501 : 400;
  }
}

/** The size a photo of `width`×`height` is drawn at so its long side is at most `maxSide`. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Resizes and compresses one picture file. Rejects with a PhotoError when the file is not a
 * picture this browser decodes ("not_an_image"), is over PHOTO_MAX_INPUT_BYTES, or no size and
 * quality bring it under `maxBytes`.
 */
export async function resizePhoto(file: Blob, options: ResizeOptions = {}): Promise<ResizedPhoto> {
  const maxSide = options.maxSide ?? PHOTO_MAX_SIDE;
  const maxBytes = options.maxBytes ?? PHOTO_MAX_BYTES;
  if (typeof OffscreenCanvas !== 'function' || typeof createImageBitmap !== 'function') throw new PhotoError('not_supported', 'This browser cannot resize photos (no OffscreenCanvas).');
  if (file.size > PHOTO_MAX_INPUT_BYTES) throw new PhotoError('too_large', `The file is ${Math.round(file.size / 1_048_576)} MB; photos of up to ${PHOTO_MAX_INPUT_BYTES / 1_048_576} MB are taken.`);
  const exif = readExif(new Uint8Array(await file.slice(0, EXIF_SEARCH_BYTES).arrayBuffer()));
  let bitmap: ImageBitmap;
  try {
    // 'from-image': the EXIF orientation is applied, so a portrait taken as landscape comes out upright.
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch (error) {
    throw new PhotoError('not_an_image', `${file instanceof File && file.name ? `"${file.name}"` : 'The file'} is not a picture this device can read.`, { cause: error });
  }
  try {
    let size = fitWithin(bitmap.width, bitmap.height, maxSide);
    // Quality first (the size people asked for), then smaller sides for what still does not fit.
    for (let attempt = 0; attempt < 6; attempt++) {
      const canvas = new OffscreenCanvas(size.width, size.height);
      const context = canvas.getContext('2d');
      if (!context) throw new PhotoError('not_supported', 'This browser cannot draw photos off screen.');
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = 'high';
      context.drawImage(bitmap, 0, 0, size.width, size.height);
      for (const quality of qualities) {
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
        if (blob.size <= maxBytes) {
          return { bytes: await blob.arrayBuffer(), width: size.width, height: size.height, taken_at: exif.takenAt ?? new Date().toISOString(), quality };
        }
      }
      size = { width: Math.max(1, Math.round(size.width * 0.75)), height: Math.max(1, Math.round(size.height * 0.75)) };
    }
    throw new PhotoError('too_large', `The photo does not compress to ${Math.round(maxBytes / 1024)} KB.`);
  } finally {
    bitmap.close();
  }
}
