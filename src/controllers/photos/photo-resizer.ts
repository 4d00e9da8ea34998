/**
 * The page's side of the photo worker: one worker, started on the first photo and ended by
 * `close()`; photos are resized one at a time (each decode holds a full-size bitmap in memory).
 */
import { wrap, type Remote } from 'comlink';
import { PhotoError, type ResizeOptions, type ResizedPhoto } from './photo-resize';
import type { PhotoWorkerApi } from './photo.worker';

export class PhotoResizer {
  #worker: Worker | undefined;
  #remote: Remote<PhotoWorkerApi> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** Resizes one picture in the worker; rejects with a PhotoError for a file that is not one. */
  resize(file: Blob, options?: ResizeOptions): Promise<ResizedPhoto> {
    const run = this.#queue.then(async () => {
      if (!this.#remote) {
        this.#worker = new Worker(new URL('./photo.worker.ts', import.meta.url), { type: 'module', name: 'fieldline-photos' });
        this.#remote = wrap<PhotoWorkerApi>(this.#worker);
      }
      const answer = await this.#remote.resize(file, options);
      if (!answer.ok) throw new PhotoError(answer.code, answer.message);
      return answer.photo;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Ends the worker (a later `resize` starts a new one). */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#remote = undefined;
  }
}
