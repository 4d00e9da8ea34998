/**
 * Live status of a set of channels for tiles and tables: each channel's last value and a
 * sparkline of its recent history. One request per channel asks the server for summaries
 * (GET /api/arrays/:id/summaries over the last `windowMs`, `points` columns — O(columns) work on
 * the server whatever the array's length); offline, a channel pinned to this device is summarized
 * from the local copy instead. Live `samples` events then move the last value (and the
 * sparkline's last point) without another request.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import { ChannelArray } from '../arrays';
import { storageContext } from './contexts';
import { LiveController } from './live-controller';

/** What a tile shows of one channel. */
export interface ChannelStatus {
  /** Last value and when it was measured (time unknown until a live event or a local read says). */
  last?: { value: number; time?: number };
  /** Recent history, one point per column (null: no samples in that column). */
  spark?: Array<number | null>;
  state: 'loading' | 'ready' | 'empty' | 'unavailable';
}

interface SummaryAnswer {
  summaries: Array<{ count: number; first: number | null; last: number | null; min: number | null; max: number | null }>;
}

/** Summary requests in flight at once per view (browsers allow six connections per host anyway). */
const MAX_LOADS = 4;

export interface ChannelStatusOptions {
  /** Sparkline columns (default 48). */
  points?: number;
  /** History the sparkline covers (default 24 h). */
  windowMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export class ChannelStatusController implements ReactiveController {
  /** Status by array id. */
  readonly status = new Map<string, ChannelStatus>();
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #storage: ContextConsumer<typeof storageContext, ReactiveControllerHost & HTMLElement>;
  readonly #options: Required<Omit<ChannelStatusOptions, 'fetch'>> & { fetch: typeof fetch };
  #arrays: string[] = [];
  #generation = 0;
  /** Loads waiting for a turn: a site of a hundred turbines asks a few at a time, not 300 at once. */
  readonly #queue: Array<() => Promise<void>> = [];
  #running = 0;

  constructor(host: ReactiveControllerHost & HTMLElement, options: ChannelStatusOptions = {}) {
    this.#host = host;
    this.#options = {
      points: options.points ?? 48,
      windowMs: options.windowMs ?? 24 * 3600_000,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      now: options.now ?? Date.now,
    };
    this.#storage = new ContextConsumer(host, { context: storageContext, subscribe: true });
    new LiveController(host, (event) => {
      if (event.type === 'reset') this.#loadAll();
      if (event.type !== 'samples') return;
      const status = this.status.get(event.array);
      if (!status) return;
      if (!Number.isFinite(event.last.value)) return;
      const spark = status.spark ? [...status.spark.slice(0, -1), event.last.value] : undefined;
      this.status.set(event.array, { ...status, state: 'ready', last: { value: event.last.value, time: event.last.time }, ...(spark ? { spark } : {}) });
      this.#host.requestUpdate();
    });
    host.addController(this);
  }

  /** Watches these arrays (loads the ones not watched yet; forgets the others). */
  watch(arrays: readonly string[]): void {
    const wanted = [...new Set(arrays)];
    if (wanted.length === this.#arrays.length && wanted.every((array, index) => array === this.#arrays[index])) return;
    this.#arrays = wanted;
    for (const array of [...this.status.keys()]) if (!wanted.includes(array)) this.status.delete(array);
    for (const array of wanted) if (!this.status.has(array)) this.#enqueue(array, this.#generation);
  }

  #loadAll(): void {
    this.#generation++;
    for (const array of this.#arrays) this.#enqueue(array, this.#generation);
  }

  #enqueue(array: string, generation: number): void {
    if (!this.status.has(array)) this.status.set(array, { state: 'loading' });
    this.#queue.push(() => this.#load(array, generation));
    this.#next();
  }

  #next(): void {
    while (this.#running < MAX_LOADS && this.#queue.length > 0) {
      const task = this.#queue.shift()!;
      this.#running++;
      void task().finally(() => {
        this.#running--;
        this.#next();
      });
    }
  }

  async #load(array: string, generation: number): Promise<void> {
    // Forgotten or superseded while it waited for its turn.
    if (generation !== this.#generation || !this.#arrays.includes(array)) return;
    const to = this.#options.now();
    const from = to - this.#options.windowMs;
    let status: ChannelStatus;
    try {
      status = await this.#fromServer(array, from, to);
    } catch {
      status = await this.#fromDevice(array, from, to).catch((): ChannelStatus => ({ state: 'unavailable' }));
    }
    if (generation !== this.#generation || !this.#arrays.includes(array)) return;
    // A live value that arrived while this was loading is newer than the summaries.
    const live = this.status.get(array)?.last;
    if (live?.time !== undefined) status = { ...status, last: live, state: 'ready' };
    this.status.set(array, status);
    this.#host.requestUpdate();
  }

  async #fromServer(array: string, from: number, to: number): Promise<ChannelStatus> {
    const url = `/api/arrays/${encodeURIComponent(array)}/summaries?from=${Math.floor(from)}&to=${Math.ceil(to)}&width=${this.#options.points}`;
    const response = await this.#options.fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const answer = (await response.json()) as SummaryAnswer;
    return sparkOf(answer.summaries);
  }

  async #fromDevice(array: string, from: number, to: number): Promise<ChannelStatus> {
    const storage = this.#storage.value;
    if (!storage) return { state: 'unavailable' };
    const channel = await ChannelArray.open(storage, array);
    const start = await channel.indexOfTime(from);
    const end = Math.min(channel.length, (await channel.indexOfTime(to)) + 1);
    if (end <= start) return { state: 'empty' };
    const columns = Math.max(1, Math.min(this.#options.points, end - start));
    const status = sparkOf(await channel.summaries(start, end, columns, { align: true }));
    const [time] = await channel.timesAt([end - 1]);
    return status.last && time !== undefined ? { ...status, last: { ...status.last, time } } : status;
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.#generation++;
    this.#queue.length = 0;
    this.status.clear();
    this.#arrays = [];
  }
}

/** A sparkline (each column's mean would hide spikes: its last value is what a tile shows) and the last value. */
function sparkOf(summaries: SummaryAnswer['summaries']): ChannelStatus {
  const spark = summaries.map((summary) => (summary.count > 0 && summary.last !== null && Number.isFinite(summary.last) ? summary.last : null));
  let last: number | undefined;
  for (let index = spark.length - 1; index >= 0 && last === undefined; index--) if (spark[index] !== null) last = spark[index]!;
  if (last === undefined) return { state: 'empty', spark };
  return { state: 'ready', spark, last: { value: last } };
}
