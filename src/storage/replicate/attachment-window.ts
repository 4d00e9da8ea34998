/**
 * Which attachments of a pinned channel array come down: "the last N days at full resolution,
 * older at summary level". It reads the array metadata layout that src/arrays/channel-array.ts
 * defines (kind 'fl-channel-array'; attachments values/<n>, times/<n>, summary/<level>/<n>):
 * summaries always travel; a chunk of samples travels when its last sample is within the window.
 * Any other document's attachments all travel.
 */
import type { Doc } from '../storage';

export interface AttachmentWindow {
  /** Days back from `now` kept at full resolution. */
  days: number;
  /** Epoch ms the window ends at (default: the time of the sync). */
  now?: number;
}

const DAY_MS = 86_400_000;

interface ArrayLayout {
  kind?: unknown;
  chunk_size?: unknown;
  length?: unknown;
  timing?: unknown;
  segments?: Array<{ start: number; t0: number; dt: number }>;
  chunk_first_time?: number[];
  last_time?: number | null;
}

/** Time of the last sample of chunk `chunk` (Infinity when it cannot be told: keep it). */
function chunkEndTime(meta: ArrayLayout, chunk: number): number {
  const chunkSize = Number(meta.chunk_size);
  const length = Number(meta.length);
  if (meta.timing === 'explicit') {
    const next = meta.chunk_first_time?.[chunk + 1];
    if (next !== undefined) return next;
    return meta.last_time ?? Infinity;
  }
  const last = Math.min(length, (chunk + 1) * chunkSize) - 1;
  const segment = [...(meta.segments ?? [])].reverse().find((item) => item.start <= last);
  return segment ? segment.t0 + (last - segment.start) * segment.dt : Infinity;
}

/** Whether attachment `name` of `doc` is synced under `window`. */
export function attachmentInWindow(doc: Doc, name: string, window: AttachmentWindow): boolean {
  const meta = doc as ArrayLayout;
  if (meta.kind !== 'fl-channel-array') return true;
  const match = /^(values|times)\/(\d+)$/.exec(name);
  if (!match) return true;
  const since = (window.now ?? Date.now()) - window.days * DAY_MS;
  return chunkEndTime(meta, Number(match[2])) >= since;
}
