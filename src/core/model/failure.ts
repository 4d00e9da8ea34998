/**
 * Failures (`failure/<uuid>`): a part of an asset that failed, when and how. Engineers and admins
 * record them on any site, technicians on their own sites (typically from a work order's outcome);
 * the server's training job learns remaining useful life from them (a part's life ends at each of
 * its failures). A failure is a record of its site and syncs like any other.
 */
import { firstProblem, flagProblem, isObject, numberProblem, optionalTextProblem, textProblem } from './checks';

/** Where failures live among the documents. */
export const FAILURE_PREFIX = 'failure/';

/** A failure as stored: `failure/<uuid>`, type 'failure'. */
export interface FailureDoc {
  type: 'failure';
  site: string;
  /** The part that failed (`asset/…`). */
  asset: string;
  /** The component of the part, in words (e.g. 'outer race'). */
  component?: string;
  /** How it failed, in words (at most 200 characters, e.g. 'outer race defect'). */
  mode: string;
  /** When it failed (epoch ms). */
  at: number;
  /** Who recorded it (a user name). */
  by?: string;
  /** The work order it was found on (`work_order/…`). */
  work_order?: string;
  notes?: string;
  simulated?: true;
}

/** The id of a failure with a fresh `uuid`. */
export function failureId(uuid: string): string {
  return `${FAILURE_PREFIX}${uuid}`;
}

/** Longest failure mode or component, in words. */
export const MAX_FAILURE_MODE = 200;
/** Longest id a failure names (site, asset, work order) or user name. */
const MAX_NAME = 1000;
/** Longest notes. */
const MAX_NOTES = 10_000;
/** The largest |epoch ms| a Date holds (ECMAScript: ±100 000 000 days). */
const DATE_LIMIT_MS = 8.64e15;

/** JSON Schema of a failure (other keys allowed; failureProblem is the whole check). */
export const failureSchema = {
  type: 'object',
  required: ['type', 'site', 'asset', 'mode', 'at'],
  properties: {
    type: { const: 'failure' },
    site: { type: 'string', minLength: 1, maxLength: MAX_NAME },
    asset: { type: 'string', pattern: '^asset/.+', maxLength: MAX_NAME },
    component: { type: 'string', minLength: 1, maxLength: MAX_FAILURE_MODE },
    mode: { type: 'string', minLength: 1, maxLength: MAX_FAILURE_MODE },
    at: { type: 'number', minimum: -DATE_LIMIT_MS, maximum: DATE_LIMIT_MS },
    by: { type: 'string', minLength: 1, maxLength: MAX_NAME },
    work_order: { type: 'string', pattern: '^work_order/.+', maxLength: MAX_NAME },
    notes: { type: 'string', maxLength: MAX_NOTES },
    simulated: { const: true },
  },
} as const;

/** Why `value` is not an id starting with `prefix` of at most MAX_NAME characters. */
function idProblem(name: string, value: unknown, prefix: string): string | undefined {
  const text = textProblem(name, value, MAX_NAME);
  if (text) return text;
  return (value as string).startsWith(prefix) && (value as string).length > prefix.length ? undefined : `${name} must be an id starting with "${prefix}"`;
}

/**
 * Why `doc` is not a failure (undefined: it is): type 'failure', a site, the failed part's asset
 * id, a mode of 1–200 characters, `at` epoch ms a Date holds, and the optional component (≤ 200),
 * by, work order id, notes (≤ 10 000) and simulated flag. Never throws. That the asset exists in
 * the failure's site is the server's check (it reads the stored asset).
 */
export function failureProblem(doc: unknown): string | undefined {
  if (!isObject(doc)) return 'a failure must be an object';
  if (doc.type !== 'failure') return 'type must be "failure"';
  return firstProblem(
    textProblem('site', doc.site, MAX_NAME),
    idProblem('asset', doc.asset, 'asset/'),
    optionalTextProblem('component', doc.component, MAX_FAILURE_MODE),
    textProblem('mode', doc.mode, MAX_FAILURE_MODE),
    numberProblem('at', doc.at, -DATE_LIMIT_MS, DATE_LIMIT_MS),
    optionalTextProblem('by', doc.by, MAX_NAME),
    doc.work_order === undefined ? undefined : idProblem('work_order', doc.work_order, 'work_order/'),
    doc.notes === undefined || doc.notes === '' ? undefined : optionalTextProblem('notes', doc.notes, MAX_NOTES),
    flagProblem('simulated', doc.simulated),
  );
}
