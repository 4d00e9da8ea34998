/**
 * Which documents the replication merges three-way, and how: work orders and maintenance plans
 * (the field maintenance contract), and prediction model specs (an engineer's offline edit and the
 * server's training job setting `active_version` touch different fields). Every other type keeps
 * the whole-document conflict.
 */
import type { JsonObject } from '../query';
import type { MergePolicy } from './three-way-merge';

/** Work orders: history union, checklist results and photos per key, parts and checklist per id. */
export const workOrderMergePolicy: MergePolicy = Object.freeze({
  fields: Object.freeze({
    history: 'history',
    history_dropped: 'max',
    results: 'by_key',
    photos: 'by_key',
    parts: 'by_id',
    checklist: 'by_id',
    updated_at: 'later',
    updated_by: 'later',
  }),
  history_limit: 1000,
});

/** Maintenance plans: checklist items per id, the same stamps. */
export const maintenancePlanMergePolicy: MergePolicy = Object.freeze({
  fields: Object.freeze({ checklist: 'by_id', updated_at: 'later', updated_by: 'later' }),
});

/** Prediction model specs: every field merged as a value (a field changed on both sides is the conflict). */
export const predictionModelMergePolicy: MergePolicy = Object.freeze({ fields: Object.freeze({}) });

/** The merge policy of a document (undefined: not merged, a change on both sides is a conflict). */
export function mergePolicyFor(doc: JsonObject): MergePolicy | undefined {
  if (doc.type === 'work_order') return workOrderMergePolicy;
  if (doc.type === 'maintenance_plan') return maintenancePlanMergePolicy;
  if (doc.type === 'prediction_model') return predictionModelMergePolicy;
  return undefined;
}
