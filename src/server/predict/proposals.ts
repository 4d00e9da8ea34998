/**
 * From prediction to maintenance: when a part's remaining life falls to its model's lead time, a
 * corrective work order is proposed with the evidence — once per life of the part. Its id is
 * deterministic, `work_order/prediction/<slug>/<asset path>/<n>` with n the number of failures
 * of the part recorded so far (a replaced part starts a new life, and may get a new proposal),
 * and the prediction runner writes it with `expect: null` in the same transaction that moves its
 * run on: a restart, a later poll or a second process never makes a second one, and one a person
 * deleted is not made again (the runner looks for the id, deleted or not, before proposing).
 */
import { assetPath, dateOfTime, newWorkOrder, type PredictionDoc, type WorkOrder } from '../../core';

/** Who the server's proposals are created by (their `created` history entry). */
export const PROPOSER = 'fieldline';

/** The id of the proposal for `asset`'s life after `failures` failures, by the model with slug `slug`. */
export function proposalId(slug: string, asset: string, failures: number): string {
  return `work_order/prediction/${slug}/${assetPath(asset)}/${failures}`;
}

/** Whether an estimate calls for a proposal: its remaining life is at most the lead time. */
export function proposalDue(rulDays: number, leadDays: number): boolean {
  return rulDays <= leadDays;
}

/**
 * The proposed work order for `prediction` (its id is `predictionDocId`): corrective, priority
 * high (urgent when even the interval's low end is within a third of the lead), due the day of
 * the earliest failure estimate, with the evidence in its notes and a `created` entry by PROPOSER.
 */
export function proposalWorkOrder(prediction: PredictionDoc, predictionDocId: string, part: { title: string }, leadDays: number, at: number): WorkOrder {
  const evidence = prediction.evidence.map((item) => `- ${item.title} (${item.channel}): ${item.trend}, ${Math.round(item.share * 100)} % of the estimate`);
  const notes = [
    `Predicted by ${prediction.model} v${prediction.version} at ${new Date(prediction.at).toISOString()}: ${prediction.summary}.`,
    `Failure expected ${new Date(prediction.failure_at).toISOString().slice(0, 10)} (${Math.round(prediction.level * 100)} % interval ${new Date(prediction.failure_low).toISOString().slice(0, 10)} to ${new Date(prediction.failure_high).toISOString().slice(0, 10)}); lead time ${leadDays} days.`,
    ...(evidence.length > 0 ? ['Evidence:', ...evidence] : []),
  ].join('\n');
  return newWorkOrder(
    {
      site: prediction.site,
      asset: prediction.asset,
      title: `Predicted failure: ${part.title}`.slice(0, 200),
      kind: 'corrective',
      priority: prediction.low_days <= leadDays / 3 ? 'urgent' : 'high',
      due: dateOfTime(prediction.failure_low),
      notes,
      prediction: predictionDocId,
    },
    { by: PROPOSER, at: new Date(at).toISOString(), id: crypto.randomUUID(), role: 'admin' },
  );
}
