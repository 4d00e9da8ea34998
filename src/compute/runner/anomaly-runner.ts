/**
 * The device's anomaly runner: scores a local channel's array into its local derived anomaly
 * array (alarms.md §3: the same ids, document and scores as the server's runner), for readings
 * recorded on the device while offline. The detector runs wherever `scorer` says (the worker pool
 * in the app; this thread by default) — the same kernel as the server's, so the same scores.
 *
 * This module decides where the run's progress lives: one document per derived channel,
 * `anomaly_run/<derived channel id>` {kind, position, detector, last_time}, in `state` — a storage
 * that never syncs (the app's device storage): progress is this device's, while the derived array
 * and channel document live beside the input (`storage`) and sync like any channel.
 *
 * Crash safety without transactions (IndexedDB): each batch's scores are appended first, then the
 * progress document is written. A run that died in between finds the output longer than its
 * position, cuts it back and scores that batch again: no score is lost or doubled. An input whose
 * history changed (shorter than scored, or another time at the last scored sample) is scored again
 * from its first sample.
 */
import { ANOMALY_PRODUCER, anomalyArrayId, anomalyChannelDoc, anomalyChannelId, decodeState, defaultAnomalyParams, encodeState, initAnomaly, type AnomalyParams, type AnomalyState, type ChannelDoc } from '../../core';
import { ArrayError, ChannelArray } from '../../arrays';
import { StorageError, type Doc, type Storage } from '../../storage/backend';
import { storedDoc } from './stored-doc';
import { inThreadAnomalyScorer, type AnomalyScorer } from '../anomaly/anomaly-scorer';

export interface LocalAnomalyRunnerOptions {
  /** Where the channel, its array and the derived ones live (the app's local storage). */
  storage: Storage;
  /** Where progress is kept (never synced). */
  state: Storage;
  /** The channel to score (`channel/<source>/<field>`). */
  channel: string;
  /** Where the detector runs (default: this thread). */
  scorer?: AnomalyScorer;
  /** Input samples per batch (default 65 536). */
  batchSamples?: number;
  params?: AnomalyParams;
}

/** The progress document. */
export interface AnomalyRunDoc {
  kind: 'fl-anomaly-run';
  position: number;
  detector: AnomalyState;
  last_time: number | null;
}

/** What a run did. */
export interface LocalAnomalyRun {
  /** Input samples scored by this run. */
  scored: number;
  /** Input samples scored in all (the derived array's length). */
  position: number;
}

export class LocalAnomalyRunner {
  readonly #storage: Storage;
  readonly #state: Storage;
  readonly #channel: string;
  readonly #scorer: AnomalyScorer;
  readonly #batch: number;
  readonly #params: AnomalyParams;
  /** Runs of this runner take turns (a second `run()` waits for the first). */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(options: LocalAnomalyRunnerOptions) {
    this.#storage = options.storage;
    this.#state = options.state;
    this.#channel = options.channel;
    this.#scorer = options.scorer ?? inThreadAnomalyScorer;
    this.#batch = Math.max(1, Math.floor(options.batchSamples ?? 65_536));
    this.#params = options.params ?? defaultAnomalyParams;
  }

  /** The derived channel's id. */
  get derivedChannel(): string {
    return anomalyChannelId(this.#channel);
  }

  /**
   * Scores everything appended to the channel's array since the last run. Rejects with a 404
   * StorageError when the channel (or its array) is not on this device, 409 when the derived id
   * holds an array the runner did not write.
   */
  run(): Promise<LocalAnomalyRun> {
    const result = this.#turn.then(() => this.#run());
    this.#turn = result.catch(() => undefined);
    return result;
  }

  async #run(): Promise<LocalAnomalyRun> {
    const doc = (await this.#storage.get(this.#channel)) as unknown as ChannelDoc;
    if (doc.type !== 'channel' || typeof doc.array !== 'string') throw new StorageError('bad_request', `${this.#channel} is not a channel`);
    const input = await ChannelArray.open(this.#storage, doc.array);
    const outputId = anomalyArrayId(doc.array);
    let output = await ChannelArray.open(this.#storage, outputId).catch((error: unknown) => {
      if (error instanceof ArrayError && error.status === 404) return undefined;
      throw error;
    });
    if (output && output.meta.producer !== ANOMALY_PRODUCER) throw new StorageError('conflict', `${outputId} holds an array the anomaly runner did not write`);
    output ??= await ChannelArray.create(this.#storage, outputId, { timing: 'explicit', producer: ANOMALY_PRODUCER, site: doc.site });
    const derived = this.derivedChannel;
    if ((await storedDoc(this.#storage, derived)) === undefined) await this.#storage.put(derived, anomalyChannelDoc(this.#channel, doc) as unknown as Doc);

    const progressId = `anomaly_run/${derived}`;
    const fresh = (): AnomalyRunDoc => ({ kind: 'fl-anomaly-run', position: 0, detector: initAnomaly(this.#params), last_time: null });
    const kept = await storedDoc(this.#state, progressId);
    let progress = kept?.kind === 'fl-anomaly-run' ? decodeState<AnomalyRunDoc>(kept) : fresh();
    // The input's history changed under the scores: start over.
    const lastTime = progress.position > 0 && progress.position <= input.length ? (await input.times(progress.position - 1, progress.position))[0] : undefined;
    if (progress.position > input.length || progress.position > output.length || (progress.position > 0 && lastTime !== progress.last_time)) progress = fresh();
    // Scores of a batch whose progress was never written: they are made again.
    if (output.length > progress.position) await output.truncate(progress.position);

    let scored = 0;
    while (progress.position < input.length) {
      const end = Math.min(input.length, progress.position + this.#batch);
      const { times, values } = await input.read(progress.position, end, { droppedAsNaN: true });
      const result = await this.#scorer.scoreAnomaly(progress.detector, times, values, this.#params);
      await output.append(result.scores, times);
      progress = { kind: 'fl-anomaly-run', position: end, detector: result.state, last_time: times[times.length - 1]! };
      // Through encodeState: a non-finite number in the detector's state survives the JSON storage.
      await this.#state.put(progressId, encodeState(progress) as Doc);
      scored += values.length;
    }
    return { scored, position: progress.position };
  }
}
