/**
 * The explorer's state outside the page: in the address (`#/explore?p=…&from=…&to=…`, so a link
 * reopens the same view), as saved views (`explorer_view/<uuid>` documents in the app storage,
 * which sync and open offline), and the zoom history (Back). The address and saved views come
 * from outside (a pasted link, another device), so reading them never throws and never yields
 * more than a saved view may hold: what cannot be read is dropped, leaving a valid state.
 *
 * Address format: `p=<panel>;<panel>` where a panel is comma-separated channel ids, each with
 * `%`, `,` and `;` percent-encoded (decoded with decodeURIComponent, so fully encoded ids read
 * too); then `from=<ms>&to=<ms>` (absolute, inclusive) or `last=<ms>` with `live=1`; `view=<id>`
 * names a saved view to open.
 */
import {
  MAX_EXPLORER_ID_LENGTH,
  MAX_EXPLORER_LAST_MS,
  MAX_EXPLORER_PANELS,
  MAX_EXPLORER_SERIES,
  MAX_EXPLORER_TITLE,
  explorerPresets,
  explorerViewProblem,
  type ExplorerPanelState,
  type ExplorerRange,
  type ExplorerState,
  type ExplorerViewDoc,
} from '../../core';
import type { Doc, Storage } from '../../storage';

/** The range a fresh explorer shows: the last 24 hours, not following. */
const DEFAULT_LAST_MS = explorerPresets[1]!.last;

/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/**
 * Longest `p` read: 8 panels × 8 ids of 300 characters, each character escaped (3) at worst,
 * with separators. Anything longer is cut here before it is split, so a hostile link costs little.
 */
const MAX_PANELS_PARAM = MAX_EXPLORER_PANELS * MAX_EXPLORER_SERIES * (MAX_EXPLORER_ID_LENGTH * 3 + 1);

/** Prefix of a saved view's id. */
export const EXPLORER_VIEW_PREFIX = 'explorer_view/';

/** The state of an explorer opened without anything in the address: no panels, the last 24 h. */
export function defaultExplorerState(): ExplorerState {
  return { panels: [], range: { last: DEFAULT_LAST_MS, live: false } };
}

/** A channel id as it goes inside `p` (its separators and `%` escaped; everything else as is, URLSearchParams encodes the rest). */
function escapeId(id: string): string {
  return id.replace(/[%,;]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The address query of `state` (and of the saved view `view` it shows, if any). Empty panels
 * are left out (an address cannot tell one from none); the shell writes it with
 * `history.replaceState` as `#/explore?${query}`.
 */
export function encodeExplorerQuery(state: ExplorerState, options: { view?: string } = {}): URLSearchParams {
  const query = new URLSearchParams();
  const panels = state.panels.filter((panel) => panel.series.length > 0).map((panel) => panel.series.map((series) => escapeId(series.channel)).join(','));
  if (panels.length > 0) query.set('p', panels.join(';'));
  const range = state.range;
  if ('last' in range) {
    query.set('last', String(range.last));
    if (range.live) query.set('live', '1');
  } else {
    // Whole milliseconds that cover the range (a zoom gives fractions; the address keeps it short).
    query.set('from', String(Math.floor(range.from)));
    query.set('to', String(Math.ceil(range.to)));
  }
  if (options.view !== undefined) query.set('view', options.view);
  return query;
}

/** Epoch ms written plainly (digits, an optional fraction; no exponent, hex or spaces: `Number` would take those), or undefined. */
function parseMs(text: string | null): number | undefined {
  if (text === null || !/^-?\d{1,16}(\.\d{1,6})?$/.test(text)) return undefined;
  const value = Number(text);
  // + 0: "-0" reads as -0, which would be written back as "0" (a state that does not encode to itself).
  return Math.abs(value) <= DATE_LIMIT_MS ? value + 0 : undefined;
}

/** One channel id of `p`, or undefined when it cannot be one (bad escapes, blank, too long). */
function decodeId(part: string): string | undefined {
  if (part.length === 0 || part.length > MAX_EXPLORER_ID_LENGTH * 3) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(part);
  } catch {
    return undefined;
  }
  return id.trim() === '' || id.length > MAX_EXPLORER_ID_LENGTH ? undefined : id;
}

/** The panels of `p`: at most 8 non-empty ones of at most 8 distinct ids, what cannot be read dropped. */
function decodePanels(text: string | null): ExplorerPanelState[] {
  if (text === null || text === '') return [];
  const panels: ExplorerPanelState[] = [];
  // Split the bounded text only; extra panels and series beyond the limits are never looked at.
  for (const part of text.slice(0, MAX_PANELS_PARAM).split(';', MAX_EXPLORER_PANELS * 4)) {
    if (panels.length === MAX_EXPLORER_PANELS) break;
    const seen = new Set<string>();
    for (const piece of part.split(',', MAX_EXPLORER_SERIES * 4)) {
      if (seen.size === MAX_EXPLORER_SERIES) break;
      const id = decodeId(piece);
      if (id !== undefined) seen.add(id);
    }
    if (seen.size > 0) panels.push({ series: [...seen].map((channel) => ({ channel })) });
  }
  return panels;
}

/** The range of the query: from/to when both read and from ≤ to, else last (0 < last ≤ 10 years), else the default. */
function decodeRange(query: URLSearchParams): ExplorerRange {
  const from = parseMs(query.get('from'));
  const to = parseMs(query.get('to'));
  if (from !== undefined && to !== undefined && from <= to) return { from: Math.floor(from), to: Math.ceil(to) };
  const last = parseMs(query.get('last'));
  if (last !== undefined && last > 0 && last <= MAX_EXPLORER_LAST_MS) return { last, live: query.get('live') === '1' || query.get('live') === 'true' };
  return { last: DEFAULT_LAST_MS, live: false };
}

/**
 * The state an address query describes (a URLSearchParams, or its text with or without `?`).
 * Never throws: anything unreadable is dropped (a bad id, panels or series beyond the limits, a
 * range that is not one), so the result is always a state a saved view may hold.
 */
export function decodeExplorerQuery(query: URLSearchParams | string): ExplorerState {
  let params: URLSearchParams;
  try {
    params = typeof query === 'string' ? new URLSearchParams(query) : query;
    return { panels: decodePanels(params.get('p')), range: decodeRange(params) };
  } catch {
    return defaultExplorerState();
  }
}

/** Whether `id` can be a saved view's id: `explorer_view/<something>`, at most 300 characters, no control characters. */
export function isExplorerViewId(id: unknown): id is string {
  // eslint-disable-next-line no-control-regex
  return typeof id === 'string' && id.length > EXPLORER_VIEW_PREFIX.length && id.length <= MAX_EXPLORER_ID_LENGTH && id.startsWith(EXPLORER_VIEW_PREFIX) && !/[\u0000-\u001f\u007f]/.test(id);
}

/** The saved view an address query names (`view=`), or undefined when it names none or no valid id. */
export function explorerViewIdOfQuery(query: URLSearchParams | string): string | undefined {
  try {
    const id = (typeof query === 'string' ? new URLSearchParams(query) : query).get('view');
    return isExplorerViewId(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The absolute range (epoch ms, inclusive) `range` shows: itself when absolute; a `last` window
 * ends at `dataEnd` (the latest sample of the shown channels) or, when there is none (no data,
 * no channel), at `now`.
 */
export function resolveRange(range: ExplorerRange, dataEnd: number | undefined, now = Date.now()): { from: number; to: number } {
  if (!('last' in range)) return { from: range.from, to: range.to };
  const to = dataEnd !== undefined && Number.isFinite(dataEnd) ? dataEnd : now;
  return { from: to - range.last, to };
}

/** Whether two ranges are the same. */
function sameRange(a: ExplorerRange, b: ExplorerRange): boolean {
  if ('last' in a) return 'last' in b && a.last === b.last && a.live === b.live;
  return !('last' in b) && a.from === b.from && a.to === b.to;
}

/**
 * The ranges shown before the current one, newest last (Back returns to them): at most `limit`
 * (the oldest are forgotten), each a copy, the same range never twice in a row.
 */
export class ZoomHistory {
  readonly limit: number;
  readonly #ranges: ExplorerRange[] = [];

  constructor(limit = 50) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Remembers `range` (the one being left) so back() returns to it. */
  push(range: ExplorerRange): void {
    const top = this.#ranges[this.#ranges.length - 1];
    if (top !== undefined && sameRange(top, range)) return;
    this.#ranges.push('last' in range ? { last: range.last, live: range.live } : { from: range.from, to: range.to });
    if (this.#ranges.length > this.limit) this.#ranges.shift();
  }

  /** The range shown before, taken off the history (undefined when there is none). */
  back(): ExplorerRange | undefined {
    return this.#ranges.pop();
  }

  /** Whether back() has a range to return to. */
  get canGoBack(): boolean {
    return this.#ranges.length > 0;
  }

  /** How many ranges back() can return to. */
  get size(): number {
    return this.#ranges.length;
  }

  /** Forgets every range (a saved view opened: its history starts afresh). */
  clear(): void {
    this.#ranges.length = 0;
  }
}

/** A saved view that cannot be written (its message says why, naming the field) or read. */
export class ExplorerViewError extends Error {
  readonly code: 'bad_view' | 'not_found';
  constructor(code: 'bad_view' | 'not_found', message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExplorerViewError';
    this.code = code;
  }
}

/** What saveExplorerView writes: a title, who saves it, the state; `id` to overwrite a saved view. */
export interface SaveExplorerView {
  title: string;
  owner: string;
  state: ExplorerState;
  id?: string;
  site?: string;
  /** Epoch ms of the save (default: now). */
  now?: number;
}

/** Whether a storage error means "no such document" (storages throw StorageError with status 404). */
function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

/**
 * Saves the state as a view in `storage` (the app storage: it syncs) and resolves with its id: a
 * new `explorer_view/<uuid>`, or `id` overwritten, keeping when it was created and who saved it
 * first (the server refuses another owner). Rejects with ExplorerViewError 'bad_view' naming the
 * field when the view would be invalid (nothing written), or with the storage's error.
 */
export async function saveExplorerView(storage: Storage, view: SaveExplorerView): Promise<string> {
  if (view.id !== undefined && !isExplorerViewId(view.id)) throw new ExplorerViewError('bad_view', `a saved view's id starts with ${EXPLORER_VIEW_PREFIX} and has at most ${MAX_EXPLORER_ID_LENGTH} characters`);
  const id = view.id ?? `${EXPLORER_VIEW_PREFIX}${crypto.randomUUID()}`;
  const now = view.now ?? Date.now();
  let before: Doc | undefined;
  if (view.id !== undefined) {
    try {
      before = await storage.get(id);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const kept = before !== undefined && explorerViewProblem(before) === undefined ? (before as unknown as ExplorerViewDoc) : undefined;
  const doc: ExplorerViewDoc = {
    type: 'explorer_view',
    title: view.title.trim(),
    owner: kept?.owner ?? view.owner,
    ...(view.site !== undefined ? { site: view.site } : {}),
    created_at: kept?.created_at ?? now,
    updated_at: now,
    panels: view.state.panels.map((panel) => ({ series: panel.series.map((series) => ({ channel: series.channel })) })),
    range: 'last' in view.state.range ? { last: view.state.range.last, live: view.state.range.live } : { from: view.state.range.from, to: view.state.range.to },
  };
  const problem = explorerViewProblem(doc);
  if (problem !== undefined) throw new ExplorerViewError('bad_view', problem.startsWith('title') ? `${problem} (a view's title has 1 to ${MAX_EXPLORER_TITLE} characters)` : problem);
  await storage.put(id, doc as unknown as Doc);
  return id;
}

/** A saved view with its id. */
export interface SavedExplorerView {
  id: string;
  doc: ExplorerViewDoc;
}

/**
 * The saved views in `storage`, the most recently saved first (then by title). A stored
 * document that is not a valid view (written past the checks, a newer app's) is left out.
 */
export async function listExplorerViews(storage: Storage): Promise<SavedExplorerView[]> {
  const { rows } = await storage.allDocs({ query: 'type:"explorer_view"', include_docs: true });
  const views: SavedExplorerView[] = [];
  for (const row of rows) {
    if (row.doc !== undefined && isExplorerViewId(row.id) && explorerViewProblem(row.doc) === undefined) views.push({ id: row.id, doc: row.doc as unknown as ExplorerViewDoc });
  }
  return views.sort((a, b) => b.doc.updated_at - a.doc.updated_at || a.doc.title.localeCompare(b.doc.title));
}

/**
 * The saved view `id` from `storage`. Rejects with ExplorerViewError: 'not_found' when there is
 * none, 'bad_view' when what is stored is not a valid view (its message names the field).
 */
export async function openExplorerView(storage: Storage, id: string): Promise<ExplorerViewDoc> {
  if (!isExplorerViewId(id)) throw new ExplorerViewError('not_found', 'this link names no saved view');
  let doc: Doc;
  try {
    doc = await storage.get(id);
  } catch (error) {
    if (isNotFound(error)) throw new ExplorerViewError('not_found', 'this saved view is not on this device (deleted, or not synced yet)', { cause: error });
    throw error;
  }
  const problem = explorerViewProblem(doc);
  if (problem !== undefined) throw new ExplorerViewError('bad_view', `this saved view cannot be opened: ${problem}`);
  return doc as unknown as ExplorerViewDoc;
}

/** Deletes the saved view `id` from `storage` (the deletion syncs). Resolves also when it was gone already. */
export async function deleteExplorerView(storage: Storage, id: string): Promise<void> {
  try {
    await storage.remove(id);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
