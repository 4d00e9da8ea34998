/**
 * The explorer's panel edits as pure functions over ExplorerState (add a channel to a panel or a
 * new one, move it, remove it, remove a panel), bounded like a saved view (at most 8 panels of 8
 * series), and the end of the shown data that a "last …" range ends at.
 */
import { ChannelArray } from '../../arrays';
import { MAX_EXPLORER_PANELS, MAX_EXPLORER_SERIES, type ExplorerState } from '../../core';
import type { Storage } from '../../storage';

/** Why an edit was refused (undefined: it was made). */
export type WorkspaceEdit = { state: ExplorerState; refused?: string };

/**
 * Adds `channel` to panel `panel` (null or beyond the last panel: a new panel at the end).
 * Refused, state unchanged, when the panel already shows it or is full, or no panel can be added.
 */
export function addSeries(state: ExplorerState, channel: string, panel: number | null): WorkspaceEdit {
  if (panel === null || panel < 0 || panel >= state.panels.length) {
    if (state.panels.length >= MAX_EXPLORER_PANELS) return { state, refused: `At most ${MAX_EXPLORER_PANELS} panels: add it to one of them, or remove a panel.` };
    return { state: { ...state, panels: [...state.panels, { series: [{ channel }] }] } };
  }
  const target = state.panels[panel]!;
  if (target.series.some((series) => series.channel === channel)) return { state, refused: `Panel ${panel + 1} shows it already.` };
  if (target.series.length >= MAX_EXPLORER_SERIES) return { state, refused: `Panel ${panel + 1} is full (${MAX_EXPLORER_SERIES} series): add it to another panel.` };
  const panels = state.panels.map((each, index) => (index === panel ? { series: [...each.series, { channel }] } : each));
  return { state: { ...state, panels } };
}

/** Removes `channel` from panel `panel`; a panel left empty goes too. */
export function removeSeries(state: ExplorerState, panel: number, channel: string): ExplorerState {
  const panels = state.panels
    .map((each, index) => (index === panel ? { series: each.series.filter((series) => series.channel !== channel) } : each))
    .filter((each, index) => index !== panel || each.series.length > 0);
  return { ...state, panels };
}

/** Removes panel `panel` with its series. */
export function removePanel(state: ExplorerState, panel: number): ExplorerState {
  return { ...state, panels: state.panels.filter((_, index) => index !== panel) };
}

/**
 * Moves `channel` from panel `from` to panel `to` (null: a new panel). Refused when the target
 * cannot take it (see addSeries); the source panel, left empty, goes.
 */
export function moveSeries(state: ExplorerState, from: number, channel: string, to: number | null): WorkspaceEdit {
  if (to === from) return { state };
  const added = addSeries(state, channel, to);
  if (added.refused) return added;
  // Adding a new panel appends it, so the source's index is unchanged either way.
  return { state: removeSeries(added.state, from, channel) };
}

/** The channel ids a state shows, each once, in panel order. */
export function shownChannels(state: ExplorerState): string[] {
  return [...new Set(state.panels.flatMap((panel) => panel.series.map((series) => series.channel)))];
}

/** Where each channel is shown: channel id → panel indices. */
export function panelsOf(state: ExplorerState): Map<string, number[]> {
  const map = new Map<string, number[]>();
  state.panels.forEach((panel, index) => {
    for (const { channel } of panel.series) {
      const list = map.get(channel);
      if (list) list.push(index);
      else map.set(channel, [index]);
    }
  });
  return map;
}

/**
 * The time of the latest sample of these arrays (epoch ms), or undefined when none has a
 * sample. An array that cannot be opened (not on this device, the server out of reach) is left
 * out: the others still say where the data ends.
 */
export async function dataEndOf(arrays: ReadonlyArray<{ storage: Storage; array: string }>): Promise<number | undefined> {
  const ends = await Promise.all(
    arrays.map(async ({ storage, array }) => {
      try {
        const opened = await ChannelArray.open(storage, array);
        if (opened.length === 0) return undefined;
        const times = await opened.timesAt([opened.length - 1]);
        return times[0];
      } catch {
        return undefined;
      }
    }),
  );
  const known = ends.filter((end): end is number => end !== undefined && Number.isFinite(end));
  return known.length ? Math.max(...known) : undefined;
}
