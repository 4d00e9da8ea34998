/** Opens the configured backend: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR. */
import type { ServerConfig } from '../config';
import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

export function openStore(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>): Promise<Store> {
  return config.databaseUrl === undefined ? SqliteStore.open(config.dataDir) : PostgresStore.open(config.databaseUrl);
}
