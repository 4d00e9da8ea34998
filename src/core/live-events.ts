/**
 * The live events the server streams at GET /api/events (Server-Sent Events): the wire format
 * shared by the server (src/server/live) and the browser's LiveService (contract: model.md, "Live
 * events"). Each SSE message has `event: <name>`, `data: <JSON>` and an `id:` (an opaque position
 * the server resumes from when EventSource sends it back as Last-Event-ID).
 */

/** `event: samples`: samples appended to a channel array (after the append committed; bursts coalesced). */
export interface SamplesData {
  array: string;
  /** The channel document of the array, when the writer knows it (ingestion does). */
  channel?: string;
  /** The array's site; null for an array of no site (only admins and engineers see it). */
  site: string | null;
  /** The array's length after the append. */
  length: number;
  /** The last sample: epoch ms and value (as stored: a float32). */
  last: { time: number; value: number };
}

/** `event: doc`: a document written, deleted, or moved out of `site` (then `deleted` for that site). */
export interface DocData {
  id: string;
  site: string | null;
  /** The document's own `type` field, when it has a string one. */
  type?: string;
  deleted?: true;
}

/** An event as the server publishes it: its SSE name and data. `reset` is the stream's own (data `{}`). */
export type LiveMessage = { event: 'samples'; data: SamplesData } | { event: 'doc'; data: DocData };

/** The SSE event names of the stream. */
export const LIVE_EVENT_NAMES = ['samples', 'doc', 'reset'] as const;
