/**
 * The photo worker: resizes and compresses photos off the main thread (a 12 MP decode and several
 * JPEG encodes would freeze the page for a second each). The bytes come back transferred; a file
 * that is not a photo comes back as {code, message} (an Error crossing the worker loses its code).
 */
import { expose, transfer } from 'comlink';
import { PhotoError, resizePhoto, type ResizeOptions, type ResizedPhoto } from './photo-resize';

export type PhotoWorkerAnswer = { ok: true; photo: ResizedPhoto } | { ok: false; code: PhotoError['code']; message: string };

export interface PhotoWorkerApi {
  resize(file: Blob, options?: ResizeOptions): Promise<PhotoWorkerAnswer>;
}

const api: PhotoWorkerApi = {
  async resize(file, options) {
    try {
      const photo = await resizePhoto(file, options);
      return transfer({ ok: true, photo }, [photo.bytes]);
    } catch (error) {
      if (error instanceof PhotoError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  },
};

expose(api);
