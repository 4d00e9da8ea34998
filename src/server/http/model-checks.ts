/**
 * The asset model on the server's write paths: a site, asset, alarm rule, alarm, maintenance plan, work order, saved explorer view, failure or prediction model spec document written
 * through /api/docs (PUT, POST, DELETE, bulk_docs) must be what the model says (core), and an
 * asset's parent an asset of the same site that does not make a cycle, judged against what is
 * stored inside the writing transaction (see SqlStorage.bulkDocs' lookup), as is a failure's asset. Only what the model
 * requires is checked, so documents written before it (no kind, no make or serial) still sync.
 */
import { MAX_ASSET_DEPTH, alarmProblem, failureProblem, predictionModelProblem, alarmRuleProblem, assetParentProblem, assetProblem, explorerViewProblem, maintenancePlanProblem, siteProblem, userKernelIdProblem, userKernelProblem, workOrderProblem, type AssetDoc } from '../../core';
import type { Doc } from '../../storage/backend';
import type { BulkDocsOptions, WriteLookup } from '../store/sql/sql-storage';
import { HttpError } from '../errors';
import { documentKind } from './access';
import { alarmActionReferences } from './alarm-checks';
import { readingReferences } from './reading-checks';

/**
 * What the write check needs loaded: an asset's parent, and its parent, MAX_ASSET_DEPTH levels up;
 * an alarm action's alarm (alarm-checks.ts); a reading's asset (reading-checks.ts); a failure's asset.
 */
export const modelReferences: BulkDocsOptions = {
  references: (doc) => {
    const kind = documentKind(doc);
    if (kind === 'type:asset') return typeof doc.parent === 'string' ? [doc.parent] : [];
    if (kind === 'type:failure') return typeof doc.asset === 'string' ? [doc.asset] : [];
    return [...alarmActionReferences(doc), ...readingReferences(doc)];
  },
  depth: MAX_ASSET_DEPTH,
};

/** Why a (well formed) failure's asset is not an asset stored in the failure's site (undefined: it is). */
function failureAssetProblem(doc: Doc, lookup: WriteLookup): string | undefined {
  const asset = lookup(doc.asset as string);
  if (!asset || documentKind(asset) !== 'type:asset') return `asset: there is no asset ${JSON.stringify(doc.asset)}`;
  if (asset.site !== doc.site) return `site must be its asset's (${JSON.stringify(asset.site)}), not ${JSON.stringify(doc.site)}`;
  return undefined;
}

/** The 400 for writing `doc` (undefined: a delete) under `id`, or undefined when the model allows it. */
export function modelRefusal(id: string, doc: Doc | undefined, lookup: WriteLookup): HttpError | undefined {
  if (!doc) return undefined;
  const kind = documentKind(doc);
  let problem: string | undefined;
  if (kind === 'type:site') problem = siteProblem(doc, id);
  else if (kind === 'type:asset') problem = assetProblem(doc, id) ?? assetParentProblem(id, doc as unknown as AssetDoc, lookup);
  // Alarm rules within their limits (depth, count, windows); alarms (admins') as devices show them.
  else if (kind === 'type:alarm_rule') problem = alarmRuleProblem(doc);
  else if (kind === 'type:alarm') problem = alarmProblem(doc);
  // Preventive plans as the scheduler reads them (an invalid one would generate nothing).
  else if (kind === 'type:maintenance_plan') problem = maintenancePlanProblem(doc);
  // Work orders as every device shows and merges them (core workOrderProblem: bounded, fields named).
  else if (kind === 'type:work_order') problem = workOrderProblem(doc);
  // Saved explorer views as every engineer's device opens them (bounded panels, series and range).
  else if (kind === 'type:explorer_view') problem = explorerViewProblem(doc);
  // User kernels as the sandbox compiles them on devices and here (bounded source, block, params), under user_kernel/<slug>.
  else if (kind === 'type:user_kernel') problem = userKernelIdProblem(id) ?? userKernelProblem(doc);
  // Failures as the training job reads them: well formed, of an asset stored in the same site.
  else if (kind === 'type:failure') problem = failureProblem(doc) ?? failureAssetProblem(doc, lookup);
  // Prediction model specs as the training job and the runner read them, under prediction_model/<slug>.
  else if (kind === 'type:prediction_model') problem = predictionModelProblem(doc, id);
  else return undefined;
  return problem === undefined ? undefined : new HttpError(400, 'bad_request', `${kind.slice('type:'.length).replace('_', ' ')} ${JSON.stringify(id)}: ${problem}`);
}
