/**
 * SQLite backend (embedded default). This module decides where server data lives when no
 * DATABASE_URL is given: one database file `fieldline.sqlite` in DATA_DIR, in WAL mode so readers
 * never block the single writer.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from './store';
import { SqliteDriver } from './sql/sqlite-driver';
import { SqlStorage } from './sql/sql-storage';
import { Accounts } from '../auth/accounts';
import { IngestLog } from './sql/ingest-log';
import { migrate } from './sql/schema';

export const SQLITE_FILE_NAME = 'fieldline.sqlite';

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly documents: SqlStorage;
  readonly accounts: Accounts;
  readonly ingestions: IngestLog;
  readonly #driver: SqliteDriver;

  /** The connection, for modules that keep their own tables (jobs). */
  get driver(): SqliteDriver {
    return this.#driver;
  }
  readonly #version: number;

  private constructor(driver: SqliteDriver, version: number) {
    this.#driver = driver;
    this.#version = version;
    this.documents = new SqlStorage(driver);
    this.accounts = new Accounts(driver);
    this.ingestions = new IngestLog(driver);
  }

  /** Opens (creating if needed) the database in `dataDir` and brings its schema up to date. */
  static async open(dataDir: string): Promise<SqliteStore> {
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME));
    const driver = new SqliteDriver(db);
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a commit is on disk before it is acknowledged, even if the machine loses power.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      return new SqliteStore(driver, await migrate(driver));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async schemaVersion(): Promise<number> {
    return this.#version;
  }

  async ping(): Promise<void> {
    this.#driver.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}
