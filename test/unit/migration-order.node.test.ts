// Migrations written in parallel may ship out of order (20 before 19): a database that already ran
// the later one must still get the earlier one when it arrives, once.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteDriver } from '../../src/server/store/sql/sqlite-driver';
import { migrate, type Migration } from '../../src/server/store/sql/schema';

const table = (version: number, name: string): Migration => ({ version, name, statements: { sqlite: [`CREATE TABLE ${name} (id TEXT PRIMARY KEY)`], postgres: [`CREATE TABLE ${name} (id TEXT PRIMARY KEY)`] } });

describe('migrate', () => {
  it('applies a migration that landed below the highest one applied, and none twice', async () => {
    const db = new Database(':memory:');
    const driver = new SqliteDriver(db);
    expect(await migrate(driver, [table(1, 'first'), table(3, 'third')])).toBe(3);
    // 2 arrives after 3 ran (a CREATE TABLE run twice would throw).
    expect(await migrate(driver, [table(1, 'first'), table(2, 'second'), table(3, 'third')])).toBe(3);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('first', 'second', 'third') ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
    expect(tables).toEqual(['first', 'second', 'third']);
    expect(await migrate(driver, [table(1, 'first'), table(2, 'second'), table(3, 'third')])).toBe(3);
    const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map((row) => row.version);
    expect(versions).toEqual([1, 2, 3]);
    await driver.close();
  });
});
