/**
 * Recording a failure (`failure/<uuid>`): the part of an asset that failed, its component, how,
 * and when. The document is written through the app's storage (IndexedDB first, offline too; sync
 * takes it to the server, whose training job learns remaining useful life from it). The form's
 * words are checked here with messages naming its labels, so nothing refused is written.
 */
import { failureId, failureProblem, type FailureDoc } from '../../core';
import type { Doc, Storage } from '../../storage';

/** The longest failure mode (the contract: ≤ 200 characters). */
export const MAX_FAILURE_MODE = 200;
/** The longest component name. */
export const MAX_FAILURE_COMPONENT = 200;
/** The longest notes. */
export const MAX_FAILURE_NOTES = 10_000;
/** How far ahead of this device's clock a time may be (a clock a little fast is not "the future"). */
const CLOCK_SLACK_MS = 5 * 60_000;

/** A failure as the form holds it. */
export interface FailureDraft {
  component: string;
  mode: string;
  /** When, as a `datetime-local` value in this device's zone ("2026-11-30T14:05"). */
  when: string;
  notes: string;
}

/** What the form does not ask: where, who, and the work order it was found on. */
export interface FailureContext {
  site: string;
  asset: string;
  by?: string;
  work_order?: string;
  /** Now (epoch ms; tests pass one). */
  now?: number;
}

/** `at` (epoch ms) as a `datetime-local` value in this device's zone, to the minute. */
export function localDateTime(at: number): string {
  const date = new Date(at);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** An empty form whose time is now. */
export function emptyFailureDraft(now = Date.now()): FailureDraft {
  return { component: '', mode: '', when: localDateTime(now), notes: '' };
}

/** A `datetime-local` value as epoch ms in this device's zone (undefined: not such a value). */
export function parseLocalDateTime(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as [number, number, number, number, number, number];
  const date = new Date(year, month - 1, day, hour, minute, second);
  // new Date rolls 2026-02-31 over into March: such a day is not a day.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day || date.getHours() !== hour || date.getMinutes() !== minute) return undefined;
  return date.getTime();
}

/** The failure the form describes, or the first problem in words naming the form's label. */
export function failureFromDraft(draft: FailureDraft, context: FailureContext): { failure: FailureDoc } | { problem: string } {
  const mode = draft.mode.trim();
  const component = draft.component.trim();
  const notes = draft.notes.trim();
  if (!context.site || !context.asset) return { problem: 'The asset is not known: open the asset first' };
  if (mode === '') return { problem: 'Failure mode: say how it failed (e.g. outer race defect)' };
  if (mode.length > MAX_FAILURE_MODE) return { problem: `Failure mode: at most ${MAX_FAILURE_MODE} characters` };
  if (component.length > MAX_FAILURE_COMPONENT) return { problem: `Component: at most ${MAX_FAILURE_COMPONENT} characters` };
  if (notes.length > MAX_FAILURE_NOTES) return { problem: `Notes: at most ${MAX_FAILURE_NOTES} characters` };
  const at = parseLocalDateTime(draft.when);
  if (at === undefined) return { problem: 'When: enter the date and time it failed' };
  const now = context.now ?? Date.now();
  if (at > now + CLOCK_SLACK_MS) return { problem: 'When: a failure cannot be in the future' };
  if (at < Date.UTC(1970, 0, 2)) return { problem: 'When: enter the date and time it failed' };
  const failure: FailureDoc = {
    type: 'failure',
    site: context.site,
    asset: context.asset,
    ...(component ? { component } : {}),
    mode,
    at,
    ...(context.by ? { by: context.by } : {}),
    ...(context.work_order ? { work_order: context.work_order } : {}),
    ...(notes ? { notes } : {}),
  };
  // The core check the server applies too.
  const problem = failureProblem(failure);
  return problem ? { problem: `The failure is not valid: ${problem}` } : { failure };
}

/** The failure could not be recorded: `message` says why (nothing was written). */
export class FailureNotRecorded extends Error {
  override name = 'FailureNotRecorded';
}

/**
 * Checks the form and writes `failure/<uuid>` into `storage` (this device's: it syncs); resolves
 * the new id. Rejects with FailureNotRecorded, nothing written, when the form is refused.
 */
export async function recordFailure(storage: Storage, draft: FailureDraft, context: FailureContext): Promise<{ id: string; failure: FailureDoc }> {
  const result = failureFromDraft(draft, context);
  if ('problem' in result) throw new FailureNotRecorded(result.problem);
  const id = failureId(crypto.randomUUID());
  await storage.put(id, result.failure as unknown as Doc);
  return { id, failure: result.failure };
}

/** A failure in words for a work order's history: "Failure found: outer race — outer race defect". */
export function failureInWords(failure: Pick<FailureDoc, 'component' | 'mode'>): string {
  return `Failure found: ${failure.component ? `${failure.component} — ` : ''}${failure.mode}`;
}
