/**
 * SQLite backend (embedded default). This module decides where server data lives when no
 * DATABASE_URL is given: one database file `fieldline.sqlite` in DATA_DIR, in WAL mode so readers
 * never block the single writer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Store } from './store';
import { sqliteMigrations, type Migration } from './migrations';

export const SQLITE_FILE_NAME = 'fieldline.sqlite';

/** Applies every migration newer than the database's version, each in its own transaction. */
function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  const current = row.version ?? 0;
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
  }
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating if needed) the database in `dataDir` and brings its schema up to date. */
  static open(dataDir: string, migrations: readonly Migration[] = sqliteMigrations): SqliteStore {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable in WAL mode across application crashes; only an OS crash can drop the
      // last transactions. Ingestion acknowledgements will switch to FULL where it matters.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db, migrations);
      db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('instance_id', randomUUID());
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteStore(db);
  }

  async schemaVersion(): Promise<number> {
    const row = this.#db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number };
    return row.version;
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
