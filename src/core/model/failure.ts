/**
 * Failures (`failure/<uuid>`): a part of an asset that failed, when and how. Engineers and admins
 * record them on any site, technicians on their own sites (typically from a work order's outcome);
 * the server's training job learns remaining useful life from them (a part's life ends at each of
 * its failures). A failure is a record of its site and syncs like any other.
 */

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
