// The asset model: document types (site, asset, channel, work order, simulation ground truth),
// their JSON Schemas, pure validation (each `…Problem` returns a message naming the field, or undefined) and the asset tree.
export { MAX_LONG_TEXT, MAX_TEXT, slugify } from './checks';
export type { Location, SiteDoc, SiteKind } from './site';
export { siteId, siteIdFor, siteKindOf, siteKinds, siteProblem, siteSchema, siteSlug } from './site';
export type { AssetDoc } from './asset';
export { MAX_ASSET_DEPTH, assetIdFor, assetParentProblem, assetProblem, assetSchema, knownAssetTypes } from './asset';
export type { ChannelDoc, ChannelMeta, NormalRange } from './channel';
export { channelMetaProblem, channelMetaSchema, channelProblem, channelSchema, outsideNormal } from './channel';
export type { AnomalyChannelDoc, DerivedAnomaly } from './anomaly-channel';
export { ANOMALY_PRODUCER, anomalyArrayId, anomalyChannelDoc, anomalyChannelId, isDerivedChannel } from './anomaly-channel';
export type { WorkOrder, WorkOrderStatus } from './work-order';
export { isWorkOrderStatus, workOrderProblem, workOrderSchema, workOrderStatuses } from './work-order';
export type { ReadingDoc, ReadingTimeBounds } from './reading';
export { MANUAL_PRODUCER, MAX_READING_FIELDS, humanizeField, manualArrayId, manualChannelId, readingFieldProblem, readingProblem, readingSchema } from './reading';
export type { FaultKind, SimulatedFault, SimulationTruth } from './simulation-truth';
export { faultKinds, simulationTruthProblem, simulationTruthSchema } from './simulation-truth';
export type { AssetTree, TreeAsset, TreeEntry } from './asset-tree';
export { assetTree } from './asset-tree';
