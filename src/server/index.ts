// Public surface of the companion server: what tests, tools and embedders may use.
export { loadConfig, ConfigError, type ServerConfig } from './config';
export { startServer, main, packageVersion, projectRoot, type RunningServer, type StartOptions } from './main';
export { buildApp, type AppOptions } from './http/app';
export { HttpError, type HttpErrorCode } from './errors';
export { SqliteStore, SQLITE_FILE_NAME } from './store/sqlite-store';
export { PostgresStore } from './store/postgres-store';
export { SqlStorage } from './store/sql/sql-storage';
export type { Store } from './store/store';
