/**
 * CSV uploads from the browser to the companion server: resumable, offline-first, with progress.
 *
 * A job lives in the outbox storage (IndexedDB) from the moment the user picks a file, so a
 * closed tab or a dead battery loses nothing: offline, the file itself is stored with the job and
 * uploaded when the network comes back; online, the job remembers the file's fingerprint, and the
 * same file picked again resumes where the server stopped. A worker reads and checks each piece
 * of whole lines (~8 MiB); the server acknowledges pieces by byte offset, so after a network cut
 * the upload asks the server how far it got and goes on from there, retrying with backoff.
 */
import { wrap, type Remote } from 'comlink';
import type { Storage } from '../../storage';
import type { CsvDialect } from '../../core';
import type { CsvInspection } from './csv-file';
import type { CsvWorkerApi } from './csv.worker';

export type UploadState = 'queued' | 'uploading' | 'waiting' | 'needs_file' | 'signed_out' | 'complete' | 'failed';

export interface UploadJob {
  id: string;
  name: string;
  size: number;
  fingerprint: string;
  header: string;
  headerBytes: number;
  dialect: CsvDialect;
  site?: string;
  asset?: string;
  /** The server's id once the server knows the upload. */
  serverId?: string;
  /** Bytes the server acknowledged. */
  offset: number;
  /** Line number of the next line to send. */
  line: number;
  /** Rows the server has stored. */
  rows: number;
  state: UploadState;
  error?: string;
  /** Whether the file is stored with the job (offline imports). */
  stored: boolean;
  createdAt: number;
}

export interface UploadProgress {
  job: UploadJob;
  /** Bytes per second over the last pieces. */
  rate: number;
}

export interface UploaderOptions {
  /** Where jobs (and offline files) are kept. */
  outbox: Storage;
  /** Same-origin API root, e.g. '' for /api/… . */
  base?: string;
  pieceBytes?: number;
  /** Backoff after a network failure: first delay and cap (ms). */
  retry?: { first: number; max: number };
  worker?: () => Remote<CsvWorkerApi>;
  fetch?: typeof fetch;
  /** Whether the browser thinks it is online (navigator.onLine). */
  online?: () => boolean;
}

class NetworkError extends Error {}
class SignedOut extends Error {}

const jobId = (fingerprint: string): string => `upload-job/${fingerprint}`;

/** Name, size and modification time: the same file picked again has the same fingerprint. */
export function fingerprintOf(file: File): string {
  return `${file.name}:${file.size}:${file.lastModified}`;
}

export class Uploader extends EventTarget {
  readonly #outbox: Storage;
  readonly #base: string;
  readonly #pieceBytes: number;
  readonly #retry: { first: number; max: number };
  readonly #worker: Remote<CsvWorkerApi>;
  readonly #fetch: typeof fetch;
  readonly #online: () => boolean;
  readonly #files = new Map<string, Blob>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #wake = new Set<() => void>();
  readonly #rates = new Map<string, number>();

  constructor(options: UploaderOptions) {
    super();
    this.#outbox = options.outbox;
    this.#base = options.base ?? '';
    this.#pieceBytes = options.pieceBytes ?? 8 * 1024 * 1024;
    this.#retry = options.retry ?? { first: 1000, max: 30_000 };
    this.#worker = options.worker?.() ?? wrap<CsvWorkerApi>(new Worker(new URL('./csv.worker.ts', import.meta.url), { type: 'module', name: 'fieldline-csv' }));
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#online = options.online ?? (() => navigator.onLine);
    if (typeof window !== 'undefined') window.addEventListener('online', () => void this.resumeAll());
  }

  /** Detects the dialect of a file and previews its first rows (in the worker). */
  inspect(file: Blob, options: { delimiter?: string; timeColumn?: string } = {}): Promise<CsvInspection> {
    return this.#worker.inspect(file, options);
  }

  async jobs(): Promise<UploadJob[]> {
    const { rows } = await this.#outbox.allDocs({ include_docs: true });
    return rows
      .map((row) => row.doc as unknown as UploadJob)
      .filter((job) => job && typeof job.fingerprint === 'string')
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  rate(id: string): number {
    return this.#rates.get(id) ?? 0;
  }

  /**
   * Queues a file and starts uploading it. Offline, the file is stored with the job first. The
   * same file (fingerprint) picked again resumes its job instead of starting another.
   */
  async add(file: File, inspection: CsvInspection, target: { site?: string; asset?: string } = {}): Promise<UploadJob> {
    const fingerprint = fingerprintOf(file);
    const id = jobId(fingerprint);
    let job = await this.#job(id);
    if (!job || job.state === 'complete' || job.state === 'failed') {
      job = {
        id,
        name: file.name,
        size: file.size,
        fingerprint,
        header: inspection.header,
        headerBytes: inspection.headerBytes,
        dialect: inspection.dialect,
        ...(target.site ? { site: target.site } : {}),
        ...(target.asset ? { asset: target.asset } : {}),
        offset: 0,
        line: 2,
        rows: 0,
        state: 'queued',
        stored: false,
        createdAt: Date.now(),
      };
    }
    this.#files.set(id, file);
    if (!this.#online() && !job.stored) {
      // Offline: the file goes to IndexedDB with the job, all or nothing.
      await this.#outbox.put(id, { ...job, stored: true, state: 'queued' } as never);
      await this.#outbox.putAttachment(id, 'file', file);
      job = { ...job, stored: true, state: 'queued' };
    } else await this.#save({ ...job, state: job.state === 'needs_file' ? 'queued' : job.state });
    this.#emit(job);
    void this.start(id);
    return job;
  }

  /**
   * Starts or resumes every unfinished job (on start, and when the network comes back); resolves
   * when they stop running.
   */
  async resumeAll(): Promise<void> {
    for (const wake of this.#wake) wake();
    const jobs = await this.jobs();
    await Promise.all(jobs.filter((job) => job.state !== 'complete' && job.state !== 'failed').map((job) => this.start(job.id)));
  }

  /** Runs a job until it completes, fails, or needs its file; one run per job at a time. */
  start(id: string): Promise<void> {
    let running = this.#running.get(id);
    if (!running) {
      running = this.#run(id).finally(() => this.#running.delete(id));
      this.#running.set(id, running);
    }
    return running;
  }

  /** Resolves when the job is no longer running. */
  async settled(id: string): Promise<UploadJob | undefined> {
    await this.#running.get(id);
    return this.#job(id);
  }

  async remove(id: string): Promise<void> {
    this.#files.delete(id);
    await this.#outbox.remove(id).catch(() => undefined);
    this.dispatchEvent(new CustomEvent('change'));
  }

  async #job(id: string): Promise<UploadJob | undefined> {
    try {
      return (await this.#outbox.get(id)) as unknown as UploadJob;
    } catch {
      return undefined;
    }
  }

  async #save(job: UploadJob): Promise<void> {
    await this.#outbox.put(job.id, job as never);
  }

  #emit(job: UploadJob): void {
    this.dispatchEvent(new CustomEvent<UploadProgress>('change', { detail: { job, rate: this.rate(job.id) } }));
  }

  async #update(job: UploadJob, change: Partial<UploadJob>): Promise<UploadJob> {
    const next = { ...job, ...change };
    if (!('error' in change)) delete next.error; // an error stands until the next change without one
    await this.#save(next);
    this.#emit(next);
    return next;
  }

  async #file(job: UploadJob): Promise<Blob | undefined> {
    const file = this.#files.get(job.id);
    if (file) return file;
    if (!job.stored) return undefined;
    return (await this.#outbox.getAttachment(job.id, 'file', { format: 'blob' })) as Blob;
  }

  async #request(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init.headers } });
    } catch (error) {
      throw new NetworkError(error instanceof Error ? error.message : String(error));
    }
    if (response.status === 401) throw new SignedOut('sign in to upload');
    // Proxies and a restarting server answer 502–504: like a network cut, try again later.
    if (response.status >= 502 && response.status <= 504) throw new NetworkError(`the server answered ${response.status}`);
    return response;
  }

  async #problem(response: Response): Promise<string> {
    try {
      const body = (await response.json()) as { detail?: string };
      return body.detail ?? `the server answered ${response.status}`;
    } catch {
      return `the server answered ${response.status}`;
    }
  }

  /** Creates the server's upload (or finds it again) and learns how far it got. */
  async #connect(job: UploadJob): Promise<UploadJob> {
    if (job.serverId) {
      const response = await this.#request(`/api/uploads/${encodeURIComponent(job.serverId)}`, {});
      if (response.ok) {
        const upload = (await response.json()) as { byte_offset: number; lines: number; events: number; state: string };
        return this.#update(job, { offset: upload.byte_offset, line: upload.lines, rows: upload.events, state: upload.state === 'complete' ? 'complete' : 'uploading' });
      }
      if (response.status !== 404) throw new Error(await this.#problem(response));
    }
    const response = await this.#request('/api/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: job.name,
        size: job.size,
        fingerprint: job.fingerprint,
        header: job.header,
        header_bytes: job.headerBytes,
        delimiter: job.dialect.delimiter,
        time_column: job.dialect.columns[job.dialect.timeColumn]!.name,
        ...(job.site ? { site: job.site } : {}),
        ...(job.asset ? { asset: job.asset } : {}),
      }),
    });
    if (!response.ok) throw new Error(await this.#problem(response));
    const upload = (await response.json()) as { id: string; byte_offset: number; lines: number; events: number; state: string };
    return this.#update(job, { serverId: upload.id, offset: upload.byte_offset, line: upload.lines, rows: upload.events, state: upload.state === 'complete' ? 'complete' : 'uploading' });
  }

  /** Waits `ms`, or less when the network comes back. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wake.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wake.add(wake);
    });
  }

  async #run(id: string): Promise<void> {
    let job = await this.#job(id);
    if (!job || job.state === 'complete' || job.state === 'failed') return;
    const file = await this.#file(job);
    if (!file) {
      await this.#update(job, { state: 'needs_file' });
      return;
    }
    let delay = this.#retry.first;
    for (;;) {
      try {
        if (!this.#online()) throw new NetworkError('offline');
        job = await this.#connect(job);
        while (job.state !== 'complete') {
          const started = performance.now();
          const piece = await this.#worker.piece(file, job.offset, this.#pieceBytes, job.dialect, job.line);
          const response = await this.#request(`/api/uploads/${encodeURIComponent(job.serverId!)}/data?offset=${job.offset}`, {
            method: 'PUT',
            headers: { 'content-type': 'text/csv' },
            body: piece.bytes as BodyInit,
          });
          if (response.status === 409) {
            // The server stands elsewhere (a piece it took while we missed the answer): go on from there.
            const body = (await response.json()) as { byte_offset: number };
            job = await this.#connect({ ...job, offset: body.byte_offset });
            continue;
          }
          if (!response.ok) throw new Error(await this.#problem(response));
          const upload = (await response.json()) as { byte_offset: number; lines: number; events: number; state: string };
          this.#rates.set(id, piece.bytes.length / Math.max(0.001, (performance.now() - started) / 1000));
          job = await this.#update(job, { offset: upload.byte_offset, line: upload.lines, rows: upload.events, state: upload.state === 'complete' ? 'complete' : 'uploading' });
          delay = this.#retry.first;
        }
        // Done: an offline copy of the file is no longer needed.
        if (job.stored) {
          await this.#outbox.removeAttachment(id, 'file').catch(() => undefined);
          job = await this.#update(job, { stored: false });
        }
        this.#files.delete(id);
        return;
      } catch (error) {
        if (error instanceof NetworkError) {
          job = await this.#update(job, { state: 'waiting', error: `network: ${error.message}; retrying` });
          await this.#sleep(delay);
          delay = Math.min(this.#retry.max, delay * 2);
          continue;
        }
        if (error instanceof SignedOut) {
          await this.#update(job, { state: 'signed_out', error: error.message });
          return;
        }
        await this.#update(job, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
        return;
      }
    }
  }
}
