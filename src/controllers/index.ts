// Public surface of the app services layer: ReactiveControllers that gadgets use.
export { OnlineStatusController } from './online-status-controller';
export { RouteController, hrefOf, queryOf, type RouteMatch } from './route-controller';
export { ThemeController, applyTheme, type ThemeChoice } from './theme-controller';
export { UnsavedChangesController, unsavedChanges, type UnsavedChangesOptions } from './unsaved-changes-controller';
export { DocsController, whereEquals, type DocsControllerOptions, type Listed } from './docs-controller';
export { siteAssetChoice, type SiteAssetChoice } from './site-asset-choice';
export { ChannelStatusController, type ChannelStatus, type ChannelStatusOptions } from './channel-status-controller';
export { LiveController } from './live-controller';
export { liveContext, provisionalAlarmsContext, type LiveEvent, type LiveEvents, type ProvisionalAlarmSource } from './contexts';
export { LiveService, type LiveListener, type LiveServiceOptions } from './live/live-service';
export { SessionController, parseSessionUser, type Role, type SessionState, type SessionUser } from './session-controller';
export { storageContext } from './contexts';
export { ChannelSeriesController, type Series } from './channel-series-controller';
export { MAX_COLUMNS, buildSeries, loadSeries, type ExplorerSeries, type LoadOptions, type LoadedSeries } from './explorer/series-loader';
export { joinSeries, valueAt, type JoinedData } from './explorer/series-join';
export {
  AlgorithmsController,
  DEFAULT_BLOCK,
  DERIVED_DATABASE,
  MAX_BLOCK,
  builtinKernels,
  derivedLabel,
  describeRunError,
  deviceRunner,
  freeKernelId,
  jobIds,
  kernelSlug,
  userKernelTemplate,
  writesOutput,
  type AlgorithmJob,
  type AlgorithmOutcome,
  type AlgorithmState,
  type AlgorithmsOptions,
  type BuiltinKernel,
  type DeviceRunner,
  type DeviceRunnerOptions,
  type KernelChoice,
  type RunPlace,
  type TransformationStatus,
} from './explorer/algorithms';
export { dragRange, isHorizontalDrag, keyAction, panBy, timeAt, twoFingerRange, wheelAction, zoomAround, type KeyAction, type TimeRange, type WheelAction } from './explorer/panel-gestures';
export {
  AnalysisError,
  BATCH_CHUNKS,
  MAX_BINS,
  MAX_SPECTROGRAM_COLUMNS,
  MAX_XY_POINTS,
  SPECTRUM_MAX_SAMPLES,
  analysisEngine,
  analyzeHistogram,
  analyzeSpectrogram,
  analyzeSpectrum,
  analyzeStats,
  analyzeXY,
  disposeAnalysisEngine,
  type AnalysisKind,
  type AnalysisOptions,
  type AnalysisTarget,
  type HistogramResult,
  type RangeStats,
  type SpectrogramAnalysis,
  type SpectrumAnalysis,
  type SpectrumWindow,
  type StatsFigure,
  type StatsSource,
  type XYAnalysis,
} from './explorer/analysis';
export { DEVICE_SCOPE, forgetBrowserDemo } from './forget-browser-demo';
export { Uploader, fingerprintOf, type UploadJob, type UploadProgress, type UploadState, type UploaderOptions } from './upload/uploader';
export type { CsvInspection } from './upload/csv-file';
export { serverStorageContext, uploaderContext } from './contexts';
export { ApiError, parseUnits, sourcesApi, type DataSource, type NewDataSource } from './sources-api';
export { onBackgroundSyncRequest, requestBackgroundSync } from './background-sync';
export { formatBytes, requestPersistence, storageEstimate, type StorageEstimateReport } from './storage-estimate';
export { SyncService, renewSessionOnThisOrigin, type SessionCheck, type SyncServiceOptions, type SyncState, type SyncStatus } from './sync/sync-service';
export { AUTO_PIN_DAYS, PINS_CHANGE_EVENT, PinService, type Pin, type PinEstimate, type PinServiceOptions, type PinStatus } from './sync/pins';
export { syncContext } from './contexts';
export { SyncStatusController } from './sync/sync-status-controller';
export { apiClient, sameOriginApi, type ApiClient, type ApiClientOptions } from './api-client';
export { peopleApi, peopleApiAt, usersApi, usersApiAt, type AdminUser, type NewUser, type PeopleApi, type Person, type UserChanges, type UsersApi } from './admin-api';
export { AdminUsersController, type AdminUsersOptions } from './admin-users-controller';
export { AdminModelController, type AdminAsset, type AdminModelOptions, type AdminSite, type AssetFields, type SiteFields } from './admin-model-controller';
export { AlarmsController, ALARM_ACTION_EVENT, type AlarmsControllerOptions } from './alarms/alarms-controller';
export { activationBands, badgeCount, compareAlarms, filterAlarms, foldActions, isHidden, needsAttention, worstOpenAlarm, type ActionDoc, type ActivationBand, type AlarmFilter, type AlarmRow, type AlarmStateFilter, type WorstAlarm } from './alarms/alarm-list';
export { createWorkOrderFromAlarm, workOrderNotes, workOrderTitle, writeAlarmAction, type ActionContext, type AlarmActionChoice, type AlarmTitles } from './alarms/alarm-actions';
export { AppBadgeController, setAppBadge, type AppBadgeOptions, type BadgeApi } from './alarms/app-badge';
export { AlarmRulesController, RuleNotSaved, formatAssetType, type Choice } from './alarms/alarm-rules-controller';
export {
  MAX_FORM_CONDITIONS,
  draftFromRule,
  emptyCondition,
  emptyDraft,
  escalationEditable,
  formatSeconds,
  leafKindLabels,
  leafKinds,
  ruleFromDraft,
  ruleSummary,
  severitiesAbove,
  type ConditionDraft,
  type EscalationDraft,
  type LeafKind,
  type RuleDraft,
} from './alarms/rule-draft';
export { DeviceAlarmEvaluator, PROVISIONAL_CHANGE_EVENT, type DeviceAlarmEvaluatorOptions } from './alarms/device-evaluator';
export { DUE_SOON_DAYS, checklistProgress, compareWork, daysUntil, dueLabel, dueState, localDay, myWork, photoCount, waitingForReview, workSummary, type DueState, type MyWork, type WorkGroup, type WorkItem } from './maintenance/my-work';
export { TIMELINE_LIMIT, assetTimeline, filterTimeline, statusInWords, timeOf, timelineKinds, type Timeline, type TimelineDoc, type TimelineEntry, type TimelineKind } from './maintenance/asset-timeline';
export { manualChannelOf, pendingReadings, pendingReadingsOfArray, readingsOf, recordReading, type NewReading, type PendingReading, type PendingReadingsOptions } from './maintenance/readings';
export { readDeviceData, type AssetDeviceData, type PinReport, type PinSource } from './maintenance/device-data';
export { MaintenancePlansController, PlanNotSaved, type PlanWorkOrders } from './maintenance/maintenance-plans-controller';
export { checklistItemKinds, draftFromPlan, emptyItem, emptyPlanDraft, itemKindLabels, moveItem, newItemId, planFromDraft, triggerText, type ItemDraft, type PlanDraft } from './maintenance/plan-draft';
export { NotSignedIn, WorkOrderController, type PhotoProgress, type PhotosAdded, type WorkOrderControllerOptions, type WorkOrderTitles } from './maintenance/work-order-controller';
export { PhotoResizer } from './photos/photo-resizer';
export { PHOTO_MAX_BYTES, PHOTO_MAX_SIDE, PhotoError, fitWithin, resizePhoto, type ResizedPhoto } from './photos/photo-resize';
export {
  EXPLORER_VIEW_PREFIX,
  ExplorerViewError,
  ZoomHistory,
  decodeExplorerQuery,
  defaultExplorerState,
  deleteExplorerView,
  encodeExplorerQuery,
  explorerViewIdOfQuery,
  isExplorerViewId,
  listExplorerViews,
  openExplorerView,
  resolveRange,
  saveExplorerView,
  type SaveExplorerView,
  type SavedExplorerView,
} from './explorer/explorer-state';
export {
  MAX_RAW_EXPORT_SAMPLES,
  MAX_RAW_EXPORT_TOTAL,
  absoluteLink,
  copyLink,
  csvTime,
  csvValue,
  exportCsv,
  exportKind,
  exportNpy,
  exportPng,
  type ExportFile,
  type ExportOptions,
  type PngOptions,
  type PngPanel,
  type VisibleSeries,
} from './explorer/export';
export { compareRisk, countLevels, isShownHealth, rankHealth } from './health/fleet-health';
export { degradationTrend, type DegradationTrend } from './health/degradation-trend';
export { SeriesSetController } from './health/series-set-controller';
export { MAX_MODEL_INPUTS, MAX_MODEL_WINDOWS, draftFromModel, emptyModelDraft, freeModelId, modelFromDraft, modelSlug, type ModelDraft } from './predict/model-draft';
export { predictionModelsApi, predictionModelsApiAt, type PredictionModelsApi, type TrainingJob } from './predict/prediction-models-api';
export { ModelNotSaved, PredictionModelsController, trainingRefusal, type PredictionModelsOptions, type TrainingState } from './predict/prediction-models-controller';
export { FailureNotRecorded, emptyFailureDraft, failureFromDraft, failureInWords, localDateTime, parseLocalDateTime, recordFailure, type FailureContext, type FailureDraft } from './predict/failure-record';
