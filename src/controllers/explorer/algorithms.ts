/**
 * Algorithms from the explorer: a built-in block kernel (block_max, escalated_max) or a saved user
 * kernel run over one series, incrementally, on the server or on this device. This module decides
 * where the outputs live:
 * - Server: the transformation (`transformation/explorer-<hash>`) and its output array
 *   (`array/explorer/<hash>`) are the server's (POST /api/transformations, then /run); the output
 *   is drawn from the server's storage.
 * - This device: the input is read where the series is (the server's arrays online, the pinned
 *   ones offline); the transformation document and its output array go to a derived storage of
 *   their own (by default the IndexedDB database `fieldline-explorer-derived`) which never syncs:
 *   they are this device's scratch results, not records.
 * The hash names the input, the kernel, its parameters and (for a user kernel) its source, so the
 * same choice resumes where it stopped and a changed kernel starts a new transformation.
 * Incremental: the input's live `samples` events re-run it (and, for an input read from this
 * device's pinned copy, a sync that brought data: `fl-data-changed`); at most one run at a time,
 * and at most one more queued behind a running one.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { decodeState, docHash, userKernelId, userKernelIdProblem, type Json, type UserKernelDoc } from '../../core';
import { ChannelArray } from '../../arrays';
import { TransformationRunner, WorkerUserKernelRunner, defineTransformation, type ComputeEngine, type TransformationDefinition, type UserKernelExecutor } from '../../compute';
import { createStorage, StorageError, type Doc, type Storage } from '../../storage';
import { LiveController } from '../live-controller';
import { ApiError, type ApiClient } from '../api-client';
import type { ExplorerSeries } from './series-loader';

/** The built-in kernels offered, by title. */
export const builtinKernels = [
  { kernel: 'escalated_max', title: 'Escalated max', description: 'The running maximum up to the end of each block' },
  { kernel: 'block_max', title: 'Block max', description: 'The maximum of each block' },
] as const;

export type BuiltinKernel = (typeof builtinKernels)[number]['kernel'];

/** The IndexedDB database of device runs' transformations and outputs (never synced). */
export const DERIVED_DATABASE = 'fieldline-explorer-derived';

/** Samples per block offered first (a second of a 1 kHz burst, 17 minutes of 1 Hz SCADA). */
export const DEFAULT_BLOCK = 1000;
/** Largest block the form accepts (as for user kernels: under three hours of a 1 kHz channel). */
export const MAX_BLOCK = 10_000_000;

/** What runs: a built-in with its block size, or a saved user kernel (its document as saved). */
export type KernelChoice = { kind: 'builtin'; kernel: BuiltinKernel; block: number } | { kind: 'user'; id: string; doc: UserKernelDoc };

/** Where it runs. */
export type RunPlace = 'device' | 'server';

/** One algorithm over one series, drawn in `panel`. */
export interface AlgorithmJob {
  input: ExplorerSeries;
  kernel: KernelChoice;
  place: RunPlace;
  panel: number;
}

/** What a finished run left: the output series (block kernels) or the result ('result' user kernels). */
export interface AlgorithmOutcome {
  transformation: string;
  /** Samples of the input processed so far. */
  processed: number;
  /** The output drawn beside the input (block outputs); undefined for a 'result' kernel. */
  series?: ExplorerSeries;
  /** Values in the output array so far. */
  outputLength: number;
  /** The kernel's result over everything so far (the `finish` of its state). */
  result: unknown;
}

/** The state shown: idle, running (with progress; total 0 = not known, e.g. on the server), done, or failed. */
export type AlgorithmState =
  | { phase: 'idle' }
  | { phase: 'running'; done: number; total: number }
  | { phase: 'done'; outcome: AlgorithmOutcome }
  | { phase: 'failed'; message: string; code?: string };

/** How a device run is made (compute: TransformationRunner with the sandbox's options). */
export interface DeviceRunner {
  /**
   * Defines (when `define`) and runs the transformation `id` over `job.input` with the document
   * and output in `derived`; reports progress; resolves with the transformation's document.
   * Rejects with the sandbox's SandboxError for a user kernel that fails or overruns a limit.
   */
  run(job: AlgorithmJob, derived: Storage, ids: { transformation: string; output?: string }, onProgress: (done: number, total: number) => void, signal: AbortSignal): Promise<TransformationStatus>;
}

/** The part of a transformation's document the explorer reads (the runner's TransformationDoc). */
export interface TransformationStatus {
  positions: Record<string, number>;
  output_length: number;
  results: Record<string, unknown>;
  output?: string;
}

export interface AlgorithmsOptions {
  /** The server's API (POST /api/transformations…); undefined: no server. */
  api: () => ApiClient | undefined;
  /** The server's storage (its output arrays are drawn from it); undefined: no server. */
  server: () => Storage | undefined;
  /** Whether the server can be reached now. */
  online: () => boolean;
  /** Runs on this device. */
  device: DeviceRunner;
  /** The derived storage of device runs (undefined: the IndexedDB database `fieldline-explorer-derived`). */
  derived?: () => Storage | undefined;
  /** Called after every run that changed the output (also the first): the shell draws `series`. */
  onOutput?: (job: AlgorithmJob, outcome: AlgorithmOutcome) => void;
}

/** The label of an output: "Escalated max of Gearbox acceleration X". */
export function derivedLabel(kernel: KernelChoice, input: { title: string }): string {
  const title = kernel.kind === 'builtin' ? builtinKernels.find((entry) => entry.kernel === kernel.kernel)!.title : kernel.doc.title;
  return `${title} of ${input.title}`;
}

/** Whether a choice writes an output array (block kernels) rather than one result. */
export function writesOutput(kernel: KernelChoice): boolean {
  return kernel.kind === 'builtin' || kernel.doc.output === 'blocks';
}

/**
 * The ids of a job's transformation and output: a hash of the input array, the kernel, its
 * parameters and its source (a user kernel's state means nothing to a changed source), and where
 * it runs (the device's and the server's are different runs with different states), and for a
 * device run where its input is read (a pinned copy may hold fewer samples than the server's
 * array: its sample numbers are not the server's).
 */
export function jobIds(job: Pick<AlgorithmJob, 'input' | 'kernel' | 'place'>, inputOn: 'server' | 'device' = 'server'): { transformation: string; output?: string } {
  const kernel: Json = job.kernel.kind === 'builtin'
    ? { builtin: job.kernel.kernel, block: job.kernel.block }
    : { user: job.kernel.id, source: job.kernel.doc.source, output: job.kernel.doc.output, block: job.kernel.doc.block ?? null, params: (job.kernel.doc.params ?? null) as Json };
  const hash = docHash({ input: job.input.array, inputOn, kernel, place: job.place }).slice(0, 24);
  return { transformation: `transformation/explorer-${hash}`, ...(writesOutput(job.kernel) ? { output: `array/explorer/${hash}` } : {}) };
}

/** A slug for a user kernel's title ('Escalated vibration (X)' → 'escalated-vibration-x'). */
export function kernelSlug(title: string): string {
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return slug || 'kernel';
}

/** A free `user_kernel/<slug>` id for a new kernel titled `title` in `storage` (slug, slug-2, slug-3, …). */
export async function freeKernelId(storage: Storage, title: string): Promise<string> {
  const slug = kernelSlug(title);
  for (let attempt = 1; attempt < 1000; attempt++) {
    const id = userKernelId(attempt === 1 ? slug : `${slug}-${attempt}`);
    if (userKernelIdProblem(id)) continue;
    try {
      await storage.get(id);
    } catch (error) {
      if (error instanceof StorageError && error.status === 404) return id;
      throw error;
    }
  }
  throw new Error(`no free id for a kernel titled ${JSON.stringify(title.slice(0, 100))}`);
}

/** The max example the editor starts from (the contract's), as a 'blocks' kernel. */
export const userKernelTemplate = `// A kernel over chunks of samples, like the built-ins: the state is plain JSON.
// chunk.values: Float32Array, chunk.times: Float64Array (epoch ms), chunk.offset: first sample's index.
// NaN is a missing sample: skip it (v === v is false only for NaN).

function init(params) {
  return { max: null };
}

function step(state, chunk, params) {
  for (const v of chunk.values) {
    if (v === v && (state.max === null || v > state.max)) state.max = v;
  }
  return state;
}

// Joins the state of an earlier piece (a) with the one that follows it (b).
function merge(a, b, params) {
  return { max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max) };
}

function finish(state, params) {
  return state.max;
}
`;

/** Error text for the panel: a sandbox limit names itself, the server's detail is kept. */
export function describeRunError(error: unknown): { message: string; code?: string } {
  if (error instanceof DOMException && error.name === 'AbortError') return { message: 'Cancelled', code: 'cancelled' };
  if (error instanceof ApiError) return { message: error.message, ...(error.code ? { code: error.code } : {}) };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(error) };
}

/** A missing document is 404 whichever layer says so (storage, arrays, API). */
const isMissing = (error: unknown): boolean => (error as { status?: unknown } | null)?.status === 404;

/** The definition of a job's transformation (a device run carries the kernel's document itself). */
function definitionOf(job: AlgorithmJob, ids: { output?: string }, userKernel: 'id' | 'doc'): TransformationDefinition {
  const output = ids.output ? { output: ids.output } : {};
  if (job.kernel.kind === 'builtin') return { inputs: [job.input.array], kernel: job.kernel.kernel, params: { block: job.kernel.block }, ...output };
  return { inputs: [job.input.array], user_kernel: userKernel === 'id' ? job.kernel.id : job.kernel.doc, ...output };
}

export interface DeviceRunnerOptions {
  /** Runs built-in kernels (default: the runner's CpuEngine; block kernels are one cheap pass). */
  engine?: () => ComputeEngine | undefined;
  /** Runs user kernels (default: a WorkerUserKernelRunner per run, in a dedicated worker). */
  userKernels?: () => UserKernelExecutor;
}

/**
 * Device runs through the TransformationRunner: the input read from the series' storage, the
 * transformation document and its output in the derived storage. A user kernel runs in its own
 * worker, terminated when the run is cancelled (the sandbox's limits stop an overrun on its own).
 */
export function deviceRunner(options: DeviceRunnerOptions = {}): DeviceRunner {
  return {
    async run(job, derived, ids, onProgress, signal) {
      const userKernels = job.kernel.kind === 'user' ? (options.userKernels?.() ?? new WorkerUserKernelRunner()) : undefined;
      const stop = () => userKernels?.dispose();
      signal.addEventListener('abort', stop);
      try {
        const engine = options.engine?.();
        const where = { docStorage: derived, outputStorage: derived, ...(userKernels ? { userKernels } : {}), ...(engine ? { engine } : {}) };
        const known = await derived.get(ids.transformation).catch((error: unknown) => {
          if (isMissing(error)) return undefined;
          throw error;
        });
        // Defined once: redefining starts over, and the id already names this exact kernel and input.
        if (!known) await defineTransformation(job.input.storage, ids.transformation, definitionOf(job, ids, 'doc'), where);
        if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
        const runner = new TransformationRunner(job.input.storage, ids.transformation, where);
        runner.addEventListener('progress', (event) => {
          const { done, total } = (event as CustomEvent<{ done: number; total: number }>).detail;
          onProgress(done, total);
        });
        const status = await runner.run();
        if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
        return status;
      } catch (error) {
        // A terminated worker rejects with its own error: the cause was the cancel.
        if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
        throw error;
      } finally {
        signal.removeEventListener('abort', stop);
        userKernels?.dispose();
      }
    },
  };
}


export class AlgorithmsController implements ReactiveController {
  /** What the panel shows. */
  state: AlgorithmState = { phase: 'idle' };
  /** The job being followed (re-run on new samples), or undefined. */
  job: AlgorithmJob | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #options: AlgorithmsOptions;
  #derived: Storage | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #abort: AbortController | undefined;
  /** The pending cancel goes back to idle instead of saying Cancelled. */
  #quiet = false;
  /** Runs started (tests and attributes count them). */
  runs = 0;

  constructor(host: ReactiveControllerHost & HTMLElement, options: AlgorithmsOptions) {
    this.#host = host;
    this.#options = options;
    new LiveController(host, (event) => {
      if (event.type === 'samples' && this.job && event.array === this.job.input.array) this.rerun();
    });
    host.addController(this);
  }

  /** A sync brought data: an input read from this device's pinned copy may have grown (no live event says so). */
  readonly #onDataChanged = () => {
    if (this.job && this.job.input.storage !== this.#options.server()) this.rerun();
  };

  /** The derived storage of device runs (the default one opened on first use: most visits run nothing). */
  get derived(): Storage {
    return this.#options.derived?.() ?? (this.#derived ??= createStorage({ type: 'indexeddb', database: DERIVED_DATABASE }));
  }

  /** Whether a run is going on now. */
  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Starts following `job`: runs it now (after a run of the previous job, which is cancelled). */
  start(job: AlgorithmJob): Promise<void> {
    this.#quiet = false;
    this.#abort?.abort();
    this.job = job;
    this.#again = true;
    return this.#drive();
  }

  /** Runs the followed job again (new samples): queued behind a running one, at most once. */
  rerun(): void {
    if (!this.job) return;
    this.#again = true;
    void this.#drive();
  }

  /**
   * Stops: the running pass is abandoned (its last checkpoint stays) and new samples no longer
   * re-run it. The state says Cancelled, or with `quiet` goes back to idle (the input left the screen).
   */
  cancel(options: { quiet?: boolean } = {}): void {
    this.job = undefined;
    this.#again = false;
    this.#quiet = options.quiet === true;
    if (this.#abort) this.#abort.abort();
    else if (this.#quiet) this.#set({ phase: 'idle' });
  }

  /** Resolves once nothing runs or waits. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #drive(): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = (async () => {
      try {
        while (this.#again && this.job) {
          this.#again = false;
          await this.#runOnce(this.job);
        }
      } finally {
        this.#running = undefined;
        this.#host.requestUpdate();
      }
    })();
    return this.#running;
  }

  async #runOnce(job: AlgorithmJob): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    this.runs++;
    const previous = this.state.phase === 'done' ? this.state.outcome : undefined;
    this.#set({ phase: 'running', done: 0, total: 0 });
    try {
      const outcome = job.place === 'server' ? await this.#onServer(job) : await this.#onDevice(job, abort.signal);
      if (abort.signal.aborted) throw new DOMException('cancelled', 'AbortError');
      if (this.job !== job) return;
      this.#set({ phase: 'done', outcome });
      const changed = !previous || previous.transformation !== outcome.transformation || previous.outputLength !== outcome.outputLength || JSON.stringify(previous.result) !== JSON.stringify(outcome.result);
      if (changed) this.#options.onOutput?.(job, outcome);
    } catch (error) {
      // Superseded by another job (Run with other choices): that one's state is what counts.
      if (this.job !== undefined && this.job !== job) return;
      // A failed run stops following: new samples would fail the same way. (No job: cancelled.)
      this.job = undefined;
      if (this.#quiet) this.#set({ phase: 'idle' });
      else this.#set({ phase: 'failed', ...describeRunError(error) });
    } finally {
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  #set(state: AlgorithmState): void {
    this.state = state;
    this.#host.requestUpdate();
  }

  #progress = (done: number, total: number) => {
    if (this.state.phase === 'running') this.#set({ phase: 'running', done, total });
  };

  async #onDevice(job: AlgorithmJob, signal: AbortSignal): Promise<AlgorithmOutcome> {
    const ids = jobIds(job, job.input.storage === this.#options.server() ? 'server' : 'device');
    const derived = this.derived;
    const status = await this.#options.device.run(job, derived, ids, this.#progress, signal);
    return this.#outcome(job, ids, status, derived);
  }

  async #onServer(job: AlgorithmJob): Promise<AlgorithmOutcome> {
    const api = this.#options.api();
    const server = this.#options.server();
    if (!api || !server) throw new Error('there is no server to run on: run it on this device');
    if (!this.#options.online()) throw new Error('the server cannot be reached now (offline): run it on this device');
    const ids = jobIds(job);
    const path = `/api/transformations/${encodeURIComponent(ids.transformation)}`;
    // Defined once: redefining a transformation starts it over, so an existing one only runs again.
    const known = await api.call<TransformationStatus>(path).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (!known) {
      if (job.kernel.kind === 'user') await this.#kernelOnServer(server, job.kernel);
      const definition = { id: ids.transformation, ...definitionOf(job, ids, 'id') };
      await api.call('/api/transformations', { method: 'POST', body: JSON.stringify(definition) });
    }
    const status = await api.call<TransformationStatus>(`${path}/run`, { method: 'POST' });
    return this.#outcome(job, ids, status, server);
  }

  /**
   * The server runs the kernel from its copy of the document: the one saved here reaches it by the
   * next sync, which may not have happened yet, so the saved version is written there first when it
   * differs (the same content on both sides is no conflict for the sync).
   */
  async #kernelOnServer(server: Storage, kernel: Extract<KernelChoice, { kind: 'user' }>): Promise<void> {
    let stored: Doc | undefined;
    try {
      stored = await server.get(kernel.id);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (stored && docHash(stored) === docHash(kernel.doc as unknown as Doc)) return;
    await server.put(kernel.id, kernel.doc as unknown as Doc);
  }

  async #outcome(job: AlgorithmJob, ids: { transformation: string; output?: string }, status: TransformationStatus, storage: Storage): Promise<AlgorithmOutcome> {
    const processed = status.positions[job.input.array] ?? 0;
    const result = decodeState<unknown>(status.results[job.input.array] ?? null);
    let outputLength = status.output_length ?? 0;
    let series: ExplorerSeries | undefined;
    if (ids.output) {
      // The output array exists once a run wrote to it; a run over no samples yet has none.
      const array = await ChannelArray.open(storage, ids.output).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      outputLength = array?.length ?? 0;
      series = {
        key: ids.output,
        channel: job.input.channel,
        title: derivedLabel(job.kernel, job.input),
        unit: job.input.unit,
        array: ids.output,
        storage,
        derived: { label: derivedLabel(job.kernel, job.input) },
      };
    }
    return { transformation: ids.transformation, processed, outputLength, result, ...(series ? { series } : {}) };
  }

  hostConnected(): void {
    window.addEventListener('fl-data-changed', this.#onDataChanged);
  }

  hostDisconnected(): void {
    window.removeEventListener('fl-data-changed', this.#onDataChanged);
    this.cancel();
  }
}
