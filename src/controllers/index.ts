// Public surface of the app services layer: ReactiveControllers that gadgets use.
export { OnlineStatusController } from './online-status-controller';
export { RouteController, hrefOf, type RouteMatch } from './route-controller';
export { ThemeController, applyTheme, type ThemeChoice } from './theme-controller';
export { UnsavedChangesController, unsavedChanges, type UnsavedChangesOptions } from './unsaved-changes-controller';
export { SessionController, parseSessionUser, type Role, type SessionState, type SessionUser } from './session-controller';
export { storageContext } from './contexts';
export { ChannelSeriesController, type Series } from './channel-series-controller';
export { DEMO_ASSET, DEMO_SITE, DEMO_START, DEVICE_SCOPE, demoSeeded, seedDemo, type SeedProgress } from './demo-seed';
export { Uploader, fingerprintOf, type UploadJob, type UploadProgress, type UploadState, type UploaderOptions } from './upload/uploader';
export type { CsvInspection } from './upload/csv-file';
export { serverStorageContext, uploaderContext } from './contexts';
export { ApiError, parseUnits, sourcesApi, type DataSource, type NewDataSource } from './sources-api';
export { onBackgroundSyncRequest, requestBackgroundSync } from './background-sync';
export { formatBytes, requestPersistence, storageEstimate, type StorageEstimateReport } from './storage-estimate';
export { SyncService, renewSessionOnThisOrigin, type SessionCheck, type SyncServiceOptions, type SyncState, type SyncStatus } from './sync/sync-service';
export { PinService, type Pin, type PinEstimate, type PinServiceOptions } from './sync/pins';
export { syncContext } from './contexts';
export { SyncStatusController } from './sync/sync-status-controller';
