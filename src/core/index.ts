// Public surface of the core layer: pure, isomorphic types and functions (no DOM, no Node, no I/O).
export type { AnomalyParams, AnomalyState } from './anomaly';
export { defaultAnomalyParams, initAnomaly, scoreAnomaly } from './anomaly';
export type { AnomalyChannelDoc, DerivedAnomaly } from './model';
export { ANOMALY_PRODUCER, anomalyArrayId, anomalyChannelDoc, anomalyChannelId, isDerivedChannel } from './model';
export type { ApiErrorBody, BackendName, HealthReport } from './api';
export { apiErrorBody, isHealthReport } from './api';
export type { CastType, ComplexQuery, DocPredicate, Json, JsonObject, KeySchema, Query, QueryOperator, SimpleQuery, SortOn } from './query';
export { QueryError, compareScalars, compileQuery, matchQuery, parseQuery, serializeQuery, sortComparator, toQuery, validateQuery, valuesOf } from './query';
export type {
  BlockMaxState,
  BlockParams,
  Chunk,
  CrossingsParams,
  Drainable,
  HistogramParams,
  HistogramState,
  Kernel,
  KernelName,
  M4Params,
  M4State,
  SpectrumParams,
  SpectrumResult,
} from './kernels';
export {
  KernelError,
  blockMax,
  chunkMax,
  chunkMin,
  crossings,
  decodeState,
  encodeState,
  escalatedMax,
  fft,
  histogram,
  histogramBin,
  histogramEdges,
  kernelByName,
  kernels,
  m4,
  m4Bucket,
  m4BucketStart,
  max,
  mean,
  min,
  peakToPeak,
  rms,
  runKernel,
  spectrum,
  sum,
  variance,
} from './kernels';
export {
  arrayCreateSchema,
  documentSchema,
  kernelJobSchema,
  roleNames,
  samplesJsonSchema,
  sessionRequestSchema,
  transformationSchema,
  uploadStartSchema,
  passwordChangeSchema,
  userCreateSchema,
  userParamsSchema,
  userUpdateSchema,
} from './api-schemas';
export type { CsvColumn, CsvDialect, CsvRow } from './csv';
export { CsvError, columnOf, detectDialect, parseRows, splitHeader, toEpochMs } from './csv';
export { bytesHash, docHash } from './doc-hash';
export type { BackgroundSyncDone, BackgroundSyncRequest } from './background-sync';
export { BACKGROUND_SYNC_TAG, BACKGROUND_SYNC_TIMEOUT_MS, isBackgroundSyncDone, isBackgroundSyncRequest } from './background-sync';
export type {
  AssetDoc,
  AssetTree,
  ChannelDoc,
  ChannelMeta,
  FaultKind,
  Location,
  NormalRange,
  SimulatedFault,
  SimulationTruth,
  SiteDoc,
  SiteKind,
  TreeAsset,
  TreeEntry,
  WorkOrder,
  WorkOrderStatus,
} from './model';
export {
  MAX_ASSET_DEPTH,
  MAX_LONG_TEXT,
  MAX_TEXT,
  assetIdFor,
  assetParentProblem,
  assetProblem,
  assetSchema,
  assetTree,
  channelMetaProblem,
  channelMetaSchema,
  channelProblem,
  channelSchema,
  faultKinds,
  isWorkOrderStatus,
  knownAssetTypes,
  outsideNormal,
  simulationTruthProblem,
  simulationTruthSchema,
  siteId,
  siteIdFor,
  siteKindOf,
  siteKinds,
  siteProblem,
  siteSchema,
  siteSlug,
  slugify,
  workOrderProblem,
  workOrderSchema,
  workOrderStatuses,
} from './model';
