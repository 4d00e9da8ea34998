// The asset model: document types (site, asset, channel, work order, simulation ground truth),
// their JSON Schemas, pure validation (each `…Problem` returns a message naming the field, or undefined) and the asset tree.
export { MAX_LONG_TEXT, MAX_RETENTION_DAYS, MAX_TEXT, dateProblem, isoTimeProblem, retentionProblem, slugify } from './checks';
export type { Location, SiteDoc, SiteKind } from './site';
export { siteId, siteIdFor, siteKindOf, siteKinds, siteProblem, siteSchema, siteSlug } from './site';
export type { AssetDoc } from './asset';
export { MAX_ASSET_DEPTH, assetIdFor, assetParentProblem, assetProblem, assetSchema, knownAssetTypes } from './asset';
export type { ChannelDoc, ChannelMeta, NormalRange } from './channel';
export { channelMetaProblem, channelMetaSchema, channelProblem, channelSchema, outsideNormal } from './channel';
export type { AnomalyChannelDoc, DerivedAnomaly } from './anomaly-channel';
export { ANOMALY_PRODUCER, anomalyArrayId, anomalyChannelDoc, anomalyChannelId, isDerivedChannel } from './anomaly-channel';
export type { ChecklistResult, HistoryEntry, PhotoMeta, WorkOrder, WorkOrderHistoryAction, WorkOrderKind, WorkOrderPart, WorkOrderPriority, WorkOrderStatus } from './work-order';
export {
  MAX_COMMENT,
  MAX_HOURS,
  MAX_PARTS,
  MAX_PHOTOS,
  MAX_WORK_ORDER_HISTORY,
  PHOTO_NAME,
  checklistResultProblem,
  isWorkOrderKind,
  isWorkOrderPriority,
  isWorkOrderStatus,
  photoMetaProblem,
  workOrderHistoryActions,
  workOrderHistoryLabels,
  workOrderKind,
  workOrderKindLabels,
  workOrderKinds,
  workOrderPriorities,
  workOrderPriority,
  workOrderPriorityLabels,
  workOrderProblem,
  workOrderSchema,
  workOrderStatusLabels,
  workOrderStatuses,
} from './work-order';
export type { ChecklistItem, ChecklistItemKind } from './checklist';
export { MAX_CHECKLIST_ITEMS, checklistItemKinds, checklistItemProblem, checklistItemSchema, checklistProblem, isChecklistItemKind, outOfLimits } from './checklist';
export type { ReadingDoc, ReadingTimeBounds } from './reading';
export { MANUAL_PRODUCER, MAX_READING_FIELDS, humanizeField, manualArrayId, manualChannelId, readingFieldProblem, readingProblem, readingSchema } from './reading';
export type { FaultKind, SimulatedFault, SimulationTruth } from './simulation-truth';
export { faultKinds, simulationTruthProblem, simulationTruthSchema } from './simulation-truth';
export type { AssetTree, TreeAsset, TreeEntry } from './asset-tree';
export { assetTree } from './asset-tree';
export type { MaintenancePlan, PlanTarget, PlanTrigger, UsageMeasure } from './maintenance-plan';
export { MAX_EVERY_DAYS, MAX_LEAD_DAYS, describeTrigger, maintenancePlanProblem, maintenancePlanSchema, planEnabled, usageMeasures } from './maintenance-plan';
export type { ExplorerPanelState, ExplorerRange, ExplorerSeriesRef, ExplorerState, ExplorerViewDoc } from './explorer-view';
export {
  MAX_EXPLORER_ID_LENGTH,
  MAX_EXPLORER_LAST_MS,
  MAX_EXPLORER_PANELS,
  MAX_EXPLORER_SERIES,
  MAX_EXPLORER_TITLE,
  explorerPresets,
  explorerRangeProblem,
  explorerStateProblem,
  explorerViewProblem,
  explorerViewSchema,
} from './explorer-view';
export type { UserKernelDoc, UserKernelOutput } from './user-kernel';
export { MAX_USER_KERNEL_BLOCK, MAX_USER_KERNEL_PARAMS, MAX_USER_KERNEL_SOURCE, MAX_USER_KERNEL_TITLE, USER_KERNEL_PREFIX, userKernelId, userKernelIdProblem, userKernelParamsProblem, userKernelProblem } from './user-kernel';
export type { FailureDoc } from './failure';
export { FAILURE_PREFIX, MAX_FAILURE_MODE, failureId, failureProblem, failureSchema } from './failure';
export type { PredictionModelDoc, PredictionModelVersionDoc, PredictionTraining, PredictionValidation } from './prediction-model';
export {
  DEFAULT_PREDICTION_STEP_MS,
  PREDICTION_MODEL_ATTACHMENT,
  PREDICTION_MODEL_PREFIX,
  MAX_PREDICTION_CAP_DAYS,
  MAX_PREDICTION_INPUTS,
  MAX_PREDICTION_PARAMS,
  MAX_PREDICTION_STEP_MS,
  MAX_PREDICTION_TITLE,
  MAX_PREDICTION_VERSION,
  MAX_PREDICTION_WINDOWS,
  MAX_PREDICTION_WINDOW_STEPS,
  MIN_PREDICTION_STEP_MS,
  isPredictionModelVersionId,
  predictionModelId,
  predictionModelIdProblem,
  predictionModelProblem,
  predictionModelSchema,
  predictionModelSlug,
  predictionModelVersionId,
  predictionModelVersionProblem,
} from './prediction-model';
export type { DerivedRul, PredictionDoc, PredictionEvidence, RulChannelDoc, RulChannelIds, RulSeries } from './prediction';
export { MAX_PREDICTION_EVIDENCE, PREDICTION_PREFIX, PREDICTION_PRODUCER, assetPath, predictionId, predictionProblem, rulChannelDoc, rulChannelDocs, rulChannelIds, rulFields, rulSource } from './prediction';
export type { DegradationChannelDoc, DegradationDoc, DegradationIndicator, DerivedDegradation } from './degradation';
export { DEGRADATION_PREFIX, DEGRADATION_PRODUCER, degradationArrayId, degradationChannelDoc, degradationChannelId, degradationId, degradationIndicators, degradationProblem, degradationSource } from './degradation';
export type { AssetHealthDoc, AssetHealthLevel, AssetHealthReason, AssetHealthReasonKind } from './asset-health';
export { ASSET_HEALTH_PREFIX, MAX_HEALTH_REASONS, assetHealthId, assetHealthProblem, assetHealthLevelLabels, assetHealthLevels, assetHealthReasonKinds } from './asset-health';
