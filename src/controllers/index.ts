// Public surface of the app services layer: ReactiveControllers that gadgets use.
export { OnlineStatusController } from './online-status-controller';
export { RouteController } from './route-controller';
export { storageContext } from './contexts';
export { ChannelSeriesController, type Series } from './channel-series-controller';
export { DEMO_ASSET, DEMO_SITE, DEMO_START, demoSeeded, seedDemo, type SeedProgress } from './demo-seed';
export { Uploader, fingerprintOf, type UploadJob, type UploadProgress, type UploadState, type UploaderOptions } from './upload/uploader';
export type { CsvInspection } from './upload/csv-file';
export { serverStorageContext, uploaderContext } from './contexts';
export { ApiError, parseUnits, sourcesApi, type DataSource, type NewDataSource } from './sources-api';
export { onBackgroundSyncRequest, requestBackgroundSync } from './background-sync';
export { formatBytes, requestPersistence, storageEstimate, type StorageEstimateReport } from './storage-estimate';
