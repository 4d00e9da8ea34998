/**
 * The channel explorer's state and its saved views (`explorer_view/<uuid>`): stacked panels of
 * channels on one time axis, and the time range shown. The same shape travels in the address
 * (controllers/explorer/explorer-state.ts) and is stored as a document that syncs like any other
 * record, so a saved view opens offline on the pinned data. A saved view comes from outside (a
 * device, an import), so explorerViewProblem bounds everything a device would draw from it.
 */
import { firstProblem, isObject, numberProblem, textProblem } from './checks';

/** One drawn series: a channel (its doc id). */
export interface ExplorerSeriesRef {
  /** The channel document's id, e.g. 'channel/t01.scada/power'. */
  channel: string;
}

/** One panel: several series on one time axis, one y axis per unit. */
export interface ExplorerPanelState {
  series: ExplorerSeriesRef[];
}

/**
 * The time range shown: absolute (epoch ms, inclusive) or a window of `last` ms ending at the
 * data's end ("last 24 h"); `live`: the window follows new data.
 */
export type ExplorerRange = { from: number; to: number } | { last: number; live: boolean };

/** What the explorer shows. */
export interface ExplorerState {
  panels: ExplorerPanelState[];
  range: ExplorerRange;
}

/** The time-range picker's presets ("last …" windows). */
export const explorerPresets: ReadonlyArray<{ label: string; last: number }> = [
  { label: 'Last 1 h', last: 3_600_000 },
  { label: 'Last 24 h', last: 86_400_000 },
  { label: 'Last 7 d', last: 604_800_000 },
  { label: 'Last 30 d', last: 2_592_000_000 },
];

/** A saved view as stored: `explorer_view/<uuid>`, type 'explorer_view'. */
export interface ExplorerViewDoc extends ExplorerState {
  type: 'explorer_view';
  title: string;
  /** The user name of who saved it. */
  owner: string;
  site?: string;
  /** Epoch ms. */
  created_at: number;
  updated_at: number;
}

/** At most this many panels in one view (each panel is a chart drawn and loaded at once). */
export const MAX_EXPLORER_PANELS = 8;
/** At most this many series in one panel. */
export const MAX_EXPLORER_SERIES = 8;
/** Longest channel id a view names. */
export const MAX_EXPLORER_ID_LENGTH = 300;
/** Longest title of a saved view. */
export const MAX_EXPLORER_TITLE = 200;
/** Longest `last` window: ten years (of 365 days). */
export const MAX_EXPLORER_LAST_MS = 10 * 365 * 86_400_000;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;
/** Longest owner or site id. */
const MAX_NAME = 1000;

/** JSON Schema of a saved explorer view (other keys allowed at the top; explorerViewProblem is the whole check). */
export const explorerViewSchema = {
  type: 'object',
  required: ['type', 'title', 'owner', 'panels', 'range', 'created_at', 'updated_at'],
  properties: {
    type: { const: 'explorer_view' },
    title: { type: 'string', minLength: 1, maxLength: MAX_EXPLORER_TITLE },
    owner: { type: 'string', minLength: 1, maxLength: MAX_NAME },
    site: { type: 'string', minLength: 1, maxLength: MAX_NAME },
    created_at: { type: 'number', minimum: -DATE_LIMIT_MS, maximum: DATE_LIMIT_MS },
    updated_at: { type: 'number', minimum: -DATE_LIMIT_MS, maximum: DATE_LIMIT_MS },
    panels: {
      type: 'array',
      maxItems: MAX_EXPLORER_PANELS,
      items: {
        type: 'object',
        required: ['series'],
        properties: {
          series: {
            type: 'array',
            maxItems: MAX_EXPLORER_SERIES,
            items: { type: 'object', required: ['channel'], properties: { channel: { type: 'string', minLength: 1, maxLength: MAX_EXPLORER_ID_LENGTH } } },
          },
        },
      },
    },
    range: {
      oneOf: [
        { type: 'object', required: ['from', 'to'], properties: { from: { type: 'number' }, to: { type: 'number' } } },
        { type: 'object', required: ['last', 'live'], properties: { last: { type: 'number', exclusiveMinimum: 0, maximum: MAX_EXPLORER_LAST_MS }, live: { type: 'boolean' } } },
      ],
    },
  },
} as const;

/** Why `value` is not a channel id a view may name (a non-blank string of at most MAX_EXPLORER_ID_LENGTH characters). */
function channelRefProblem(name: string, value: unknown): string | undefined {
  if (!isObject(value)) return `${name} must be an object {channel}`;
  return textProblem(`${name}.channel`, value.channel, MAX_EXPLORER_ID_LENGTH);
}

/** Why `value` is not a list of panels: at most MAX_EXPLORER_PANELS, each with at most MAX_EXPLORER_SERIES series. */
function panelsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'panels must be an array';
  if (value.length > MAX_EXPLORER_PANELS) return `panels may have at most ${MAX_EXPLORER_PANELS} entries (it has ${value.length})`;
  for (let index = 0; index < value.length; index++) {
    const panel: unknown = value[index];
    const name = `panels[${index}]`;
    if (!isObject(panel)) return `${name} must be an object {series}`;
    if (!Array.isArray(panel.series)) return `${name}.series must be an array`;
    if (panel.series.length > MAX_EXPLORER_SERIES) return `${name}.series may have at most ${MAX_EXPLORER_SERIES} entries (it has ${panel.series.length})`;
    for (let position = 0; position < panel.series.length; position++) {
      const problem = channelRefProblem(`${name}.series[${position}]`, panel.series[position]);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * Why `value` is not an ExplorerRange (undefined: it is): `{from, to}` finite epoch ms a Date
 * holds with from ≤ to, or `{last, live}` with 0 < last ≤ ten years and live a boolean.
 */
export function explorerRangeProblem(value: unknown, name = 'range'): string | undefined {
  if (!isObject(value)) return `${name} must be an object {from, to} or {last, live}`;
  if ('last' in value) {
    if (typeof value.last !== 'number' || !Number.isFinite(value.last) || value.last <= 0) return `${name}.last must be a positive number of milliseconds`;
    if (value.last > MAX_EXPLORER_LAST_MS) return `${name}.last must be at most ${MAX_EXPLORER_LAST_MS} ms (ten years; got ${value.last})`;
    if (typeof value.live !== 'boolean') return `${name}.live must be true or false`;
    return undefined;
  }
  const bounds = firstProblem(numberProblem(`${name}.from`, value.from, -DATE_LIMIT_MS, DATE_LIMIT_MS), numberProblem(`${name}.to`, value.to, -DATE_LIMIT_MS, DATE_LIMIT_MS));
  if (bounds) return bounds;
  if ((value.from as number) > (value.to as number)) return `${name}.from must not be after ${name}.to (${value.from as number} > ${value.to as number})`;
  return undefined;
}

/** Why `value` is not an ExplorerState: bounded panels and a valid range (undefined: it is). */
export function explorerStateProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'an explorer state must be an object {panels, range}';
  return firstProblem(panelsProblem(value.panels), explorerRangeProblem(value.range));
}

/**
 * Why `doc` is not a saved explorer view (undefined: it is): type 'explorer_view', a title of
 * 1–200 characters, an owner, an optional site, created_at/updated_at epoch ms, at most 8 panels
 * of at most 8 series (channel ids ≤ 300 characters) and a valid range. Never throws, and
 * looks at no more than the bounded parts, so a hostile document costs little.
 */
export function explorerViewProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'an explorer view must be an object';
  if (doc.type !== 'explorer_view') return 'type must be "explorer_view"';
  return firstProblem(
    textProblem('title', doc.title, MAX_EXPLORER_TITLE),
    textProblem('owner', doc.owner, MAX_NAME),
    doc.site === undefined ? undefined : textProblem('site', doc.site, MAX_NAME),
    numberProblem('created_at', doc.created_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    numberProblem('updated_at', doc.updated_at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    panelsProblem(doc.panels),
    explorerRangeProblem(doc.range),
  );
}
