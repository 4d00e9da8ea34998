/**
 * Versioned schema migrations for both dialects (append, never edit a shipped one). Documents
 * keep a revision (for conflict detection) and a sequence number (for the changes feed; deletions
 * stay as tombstones). Attachments are stored in 1 MiB pieces keyed by (document, name, n) in a
 * B-tree, so a range read is an index range scan.
 */
import type { Dialect, Query, SqlDriver } from './driver';
import { indexedExpressions, sortExpression } from './query-sql';

/** An index column of PostgreSQL for `text COLLATE "C"`: the expression in parentheses, then the collation. */
const postgresColumn = (text: string): string => `(${text.replace(/ COLLATE "C"$/, '')}) COLLATE "C"`;

/** The keys migration 22 indexes (query-sql's INDEXED_KEYS; a later migration adds any new one). */
const MIGRATION_22_KEYS = ['type', 'site', 'asset', 'status', 'kind', 'title', 'created_at', 'updated_at', 'due', 'time'];

export interface Migration {
  version: number;
  name: string;
  statements: Record<Dialect, string[]>;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'meta',
    statements: {
      sqlite: ['CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT'],
      postgres: ['CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)'],
    },
  },
  {
    version: 2,
    name: 'documents and attachments',
    statements: {
      sqlite: [
        'CREATE TABLE documents (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, rev INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, doc TEXT) STRICT',
        'CREATE TABLE attachments (doc_id TEXT NOT NULL, name TEXT NOT NULL, length INTEGER NOT NULL, content_type TEXT NOT NULL, piece_size INTEGER NOT NULL, PRIMARY KEY (doc_id, name)) STRICT, WITHOUT ROWID',
        'CREATE TABLE attachment_pieces (doc_id TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (doc_id, name, n)) STRICT, WITHOUT ROWID',
        'CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT',
        "INSERT INTO counters (name, value) VALUES ('seq', 0)",
      ],
      postgres: [
        'CREATE TABLE documents (id TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, rev BIGINT NOT NULL, deleted BOOLEAN NOT NULL DEFAULT FALSE, doc TEXT)',
        'CREATE TABLE attachments (doc_id TEXT NOT NULL, name TEXT NOT NULL, length BIGINT NOT NULL, content_type TEXT NOT NULL, piece_size INTEGER NOT NULL, PRIMARY KEY (doc_id, name))',
        'CREATE TABLE attachment_pieces (doc_id TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (doc_id, name, n))',
        'CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)',
        "INSERT INTO counters (name, value) VALUES ('seq', 0)",
      ],
    },
  },
  {
    version: 3,
    name: 'document sites, users and sessions',
    statements: {
      sqlite: [
        'ALTER TABLE documents ADD COLUMN site TEXT',
        'CREATE INDEX documents_site_seq ON documents (site, seq)',
        "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('admin', 'engineer', 'technician')), sites TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL) STRICT",
        'CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE, expires_at INTEGER NOT NULL) STRICT',
      ],
      postgres: [
        'ALTER TABLE documents ADD COLUMN site TEXT',
        'CREATE INDEX documents_site_seq ON documents (site, seq)',
        "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('admin', 'engineer', 'technician')), sites TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL)",
        'CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE, expires_at BIGINT NOT NULL)',
      ],
    },
  },
  {
    version: 4,
    name: 'jobs',
    statements: {
      sqlite: [
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL, grp TEXT, state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, lease_until INTEGER NOT NULL DEFAULT 0, result TEXT, error TEXT, created_at INTEGER NOT NULL, finished_at INTEGER) STRICT",
        'CREATE INDEX jobs_claim ON jobs (state, lease_until, id)',
        'CREATE INDEX jobs_group ON jobs (grp, id)',
        'CREATE TABLE job_records (job_id INTEGER NOT NULL, worker TEXT NOT NULL, at INTEGER NOT NULL) STRICT',
      ],
      postgres: [
        "CREATE TABLE jobs (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, grp TEXT, state TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, lease_until BIGINT NOT NULL DEFAULT 0, result TEXT, error TEXT, created_at BIGINT NOT NULL, finished_at BIGINT)",
        'CREATE INDEX jobs_claim ON jobs (state, lease_until, id)',
        'CREATE INDEX jobs_group ON jobs (grp, id)',
        'CREATE TABLE job_records (job_id BIGINT NOT NULL, worker TEXT NOT NULL, at BIGINT NOT NULL)',
      ],
    },
  },
  {
    version: 5,
    name: 'attachment pieces in a rowid table',
    statements: {
      // SQLite stores large rows of WITHOUT ROWID tables poorly (the whole row lives in the index
      // B-tree); a rowid table with a unique key keeps the blob in overflow pages, as PostgreSQL does.
      sqlite: [
        'CREATE TABLE attachment_pieces_v5 (doc_id TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (doc_id, name, n)) STRICT',
        'INSERT INTO attachment_pieces_v5 (doc_id, name, n, data) SELECT doc_id, name, n, data FROM attachment_pieces',
        'DROP TABLE attachment_pieces',
        'ALTER TABLE attachment_pieces_v5 RENAME TO attachment_pieces',
      ],
      postgres: [],
    },
  },
  {
    version: 6,
    name: 'raw data streams and ingestion records',
    statements: {
      sqlite: [
        'CREATE TABLE stream_chunks (source TEXT NOT NULL, position INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (source, position)) STRICT',
        'CREATE TABLE ingestions (source TEXT NOT NULL, key TEXT NOT NULL, stream_offset INTEGER NOT NULL, stream_length INTEGER NOT NULL, count INTEGER NOT NULL, first_time REAL, last_time REAL, checksum TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (source, key)) STRICT',
      ],
      postgres: [
        'CREATE TABLE stream_chunks (source TEXT NOT NULL, position BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (source, position))',
        'CREATE TABLE ingestions (source TEXT NOT NULL, key TEXT NOT NULL, stream_offset BIGINT NOT NULL, stream_length BIGINT NOT NULL, count BIGINT NOT NULL, first_time DOUBLE PRECISION, last_time DOUBLE PRECISION, checksum TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (source, key))',
      ],
    },
  },
  {
    version: 7,
    name: 'data sources',
    statements: {
      sqlite: [
        'CREATE TABLE sources (id TEXT PRIMARY KEY, tag TEXT NOT NULL UNIQUE, asset TEXT, site TEXT, token_hash TEXT NOT NULL UNIQUE, shared_key TEXT NOT NULL, units TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT',
      ],
      postgres: [
        'CREATE TABLE sources (id TEXT PRIMARY KEY, tag TEXT NOT NULL UNIQUE, asset TEXT, site TEXT, token_hash TEXT NOT NULL UNIQUE, shared_key TEXT NOT NULL, units TEXT NOT NULL, created_at BIGINT NOT NULL)',
      ],
    },
  },
  {
    version: 8,
    name: 'event identity per source',
    statements: {
      sqlite: ['CREATE TABLE source_events (source TEXT NOT NULL, time REAL NOT NULL, PRIMARY KEY (source, time)) STRICT, WITHOUT ROWID'],
      postgres: ['CREATE TABLE source_events (source TEXT NOT NULL, time DOUBLE PRECISION NOT NULL, PRIMARY KEY (source, time))'],
    },
  },
  {
    version: 9,
    name: 'attachment pieces stored uncompressed',
    statements: {
      sqlite: [],
      // Sensor samples hardly compress: PostgreSQL's default (pglz in TOAST) spends CPU on every
      // insert for nothing. EXTERNAL keeps them out of line, uncompressed, which also makes byte
      // ranges (substring) cheap.
      postgres: ['ALTER TABLE attachment_pieces ALTER COLUMN data SET STORAGE EXTERNAL'],
    },
  },
  {
    version: 10,
    name: 'file uploads',
    statements: {
      sqlite: [
        "CREATE TABLE uploads (id TEXT PRIMARY KEY, source TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, fingerprint TEXT NOT NULL, dialect TEXT NOT NULL, site TEXT, byte_offset INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 1, events INTEGER NOT NULL DEFAULT 0, late INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'uploading', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL) STRICT",
        'CREATE INDEX uploads_owner ON uploads (owner, fingerprint)',
      ],
      postgres: [
        "CREATE TABLE uploads (id TEXT PRIMARY KEY, source TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, size BIGINT NOT NULL, fingerprint TEXT NOT NULL, dialect TEXT NOT NULL, site TEXT, byte_offset BIGINT NOT NULL DEFAULT 0, lines BIGINT NOT NULL DEFAULT 1, events BIGINT NOT NULL DEFAULT 0, late BIGINT NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'uploading', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
        'CREATE INDEX uploads_owner ON uploads (owner, fingerprint)',
      ],
    },
  },
  {
    version: 11,
    name: 'batch formats and late events',
    // How to decode a batch's raw bytes again, and the late events it left out of the arrays
    // (how many, and the earliest), until a rebuild merges them.
    statements: {
      sqlite: ['ALTER TABLE ingestions ADD COLUMN format TEXT', 'ALTER TABLE ingestions ADD COLUMN late INTEGER NOT NULL DEFAULT 0', 'ALTER TABLE ingestions ADD COLUMN late_first REAL'],
      postgres: ['ALTER TABLE ingestions ADD COLUMN format TEXT', 'ALTER TABLE ingestions ADD COLUMN late BIGINT NOT NULL DEFAULT 0', 'ALTER TABLE ingestions ADD COLUMN late_first DOUBLE PRECISION'],
    },
  },
  {
    version: 12,
    name: 'attachment digests',
    // SHA-256 of an attachment's bytes, computed when first asked for (never on the write path:
    // appends stay cheap) and set back to NULL whenever the attachment is rewritten.
    statements: {
      sqlite: ['ALTER TABLE attachments ADD COLUMN digest TEXT'],
      postgres: ['ALTER TABLE attachments ADD COLUMN digest TEXT'],
    },
  },
  {
    version: 13,
    name: 'disabled users and sign-in failures',
    // Sign-in failures per client address and per username live in the database so every server
    // process sees the same counts and a restart does not forgive a guesser. `forget_at` is when a
    // row no longer matters (a quiet window after the last failure or lock), so old rows are
    // deleted by one index range.
    statements: {
      sqlite: [
        'ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0',
        'CREATE INDEX sessions_username ON sessions (username)',
        'CREATE TABLE sign_in_failures (scope TEXT NOT NULL, key TEXT NOT NULL, failures INTEGER NOT NULL, last_failure_at INTEGER NOT NULL, locked_until INTEGER NOT NULL, forget_at INTEGER NOT NULL, PRIMARY KEY (scope, key)) STRICT',
        'CREATE INDEX sign_in_failures_forget ON sign_in_failures (forget_at)',
      ],
      postgres: [
        'ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0',
        'CREATE INDEX sessions_username ON sessions (username)',
        'CREATE TABLE sign_in_failures (scope TEXT NOT NULL, key TEXT NOT NULL, failures INTEGER NOT NULL, last_failure_at BIGINT NOT NULL, locked_until BIGINT NOT NULL, forget_at BIGINT NOT NULL, PRIMARY KEY (scope, key))',
        'CREATE INDEX sign_in_failures_forget ON sign_in_failures (forget_at)',
      ],
    },
  },
  {
    version: 14,
    name: 'document departures',
    // When a document leaves a site (its `site` changes), the site it left and the sequence of that
    // change: a technician of that site must see the document go (their feed answers it as a
    // deletion), or their device keeps a stale copy forever. One row per (site, document), the
    // latest departure; a table rather than a "previous site" column so that a document moved on
    // twice while a tablet was offline still leaves every site it passed through.
    statements: {
      sqlite: [
        'CREATE TABLE document_departures (site TEXT NOT NULL, doc_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (site, doc_id)) STRICT, WITHOUT ROWID',
        'CREATE INDEX document_departures_site_seq ON document_departures (site, seq)',
      ],
      postgres: [
        'CREATE TABLE document_departures (site TEXT NOT NULL, doc_id TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (site, doc_id))',
        'CREATE INDEX document_departures_site_seq ON document_departures (site, seq)',
      ],
    },
  },
  {
    version: 15,
    name: 'source channel metadata',
    // Per field of a source: the title, unit, expected rate and normal range its channel document
    // carries (JSON, {<field>: {title?, unit?, rate?, normal?: {min?, max?}}}).
    statements: {
      sqlite: ["ALTER TABLE sources ADD COLUMN fields TEXT NOT NULL DEFAULT '{}'"],
      postgres: ["ALTER TABLE sources ADD COLUMN fields TEXT NOT NULL DEFAULT '{}'"],
    },
  },
  {
    version: 16,
    name: 'alarm evaluations',
    // Per alarm rule × channel: how far the evaluator read each input array (positions, JSON
    // {array id: samples read}), the rule's evaluation state (JSON), and a version every write
    // advances. Written in the same transaction as the alarm documents it produced, and only when
    // the version is still the one read: a second process that evaluated the same samples rolls
    // back instead of raising the alarms twice.
    statements: {
      sqlite: ['CREATE TABLE alarm_evaluations (id TEXT PRIMARY KEY, rule TEXT NOT NULL, channel TEXT NOT NULL, positions TEXT NOT NULL, state TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT', 'CREATE INDEX alarm_evaluations_rule ON alarm_evaluations (rule)'],
      postgres: ['CREATE TABLE alarm_evaluations (id TEXT PRIMARY KEY, rule TEXT NOT NULL, channel TEXT NOT NULL, positions TEXT NOT NULL, state TEXT NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL)', 'CREATE INDEX alarm_evaluations_rule ON alarm_evaluations (rule)'],
    },
  },
  {
    version: 17,
    name: 'anomaly runs',
    // Per derived anomaly channel: the input array, the output array, how many input samples are
    // scored (= the output's length), the detector's state (JSON) and a version every write
    // advances. Written in the same transaction as the output's append, and only when the version
    // is still the one read: a second process that scored the same samples rolls back.
    statements: {
      sqlite: ['CREATE TABLE anomaly_runs (id TEXT PRIMARY KEY, input TEXT NOT NULL, output TEXT NOT NULL, position INTEGER NOT NULL, state TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT'],
      postgres: ['CREATE TABLE anomaly_runs (id TEXT PRIMARY KEY, input TEXT NOT NULL, output TEXT NOT NULL, position BIGINT NOT NULL, state TEXT NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL)'],
    },
  },
  {
    version: 18,
    name: 'alarm actions applied',
    // Each alarm_action the server has dealt with: applied to its alarm, or refused (the reason),
    // inserted in the same transaction as the alarm's conditional write. The alarm's history is
    // bounded (its oldest entries drop), so it cannot say by itself whether an old action was
    // applied; this row does, for every process sharing the database, across crashes.
    statements: {
      sqlite: ['CREATE TABLE alarm_actions_applied (id TEXT PRIMARY KEY, alarm TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, applied_at TEXT NOT NULL) STRICT'],
      postgres: ['CREATE TABLE alarm_actions_applied (id TEXT PRIMARY KEY, alarm TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, applied_at TEXT NOT NULL)'],
    },
  },
  {
    version: 19,
    name: 'maintenance plan runs',
    // Per preventive plan × asset: how many work orders the plan scheduler generated and when the
    // last fell due, and for usage plans the samples read of the usage channel's array (positions,
    // JSON {array id: samples read}) with the usage kernel's state; a version every write advances.
    // Written in the same transaction as the work orders generated, and only when the version is
    // still the one read: a second process that read the same samples rolls back.
    statements: {
      sqlite: ['CREATE TABLE maintenance_plan_runs (id TEXT PRIMARY KEY, plan TEXT NOT NULL, asset TEXT NOT NULL, positions TEXT NOT NULL, state TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT', 'CREATE INDEX maintenance_plan_runs_plan ON maintenance_plan_runs (plan)'],
      postgres: ['CREATE TABLE maintenance_plan_runs (id TEXT PRIMARY KEY, plan TEXT NOT NULL, asset TEXT NOT NULL, positions TEXT NOT NULL, state TEXT NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL)', 'CREATE INDEX maintenance_plan_runs_plan ON maintenance_plan_runs (plan)'],
    },
  },
  {
    version: 20,
    name: 'readings applied',
    // Each manual reading the server has appended to its asset's manual-reading channels (or
    // refused: the reason), inserted in the same transaction as the appends. The arrays cannot say
    // by themselves which reading a sample came from (two readings may carry the same time and
    // value), so this row is what makes a reading's append happen once, for every process sharing
    // the database, across crashes.
    statements: {
      sqlite: ['CREATE TABLE readings_applied (id TEXT PRIMARY KEY, asset TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, applied_at TEXT NOT NULL) STRICT'],
      postgres: ['CREATE TABLE readings_applied (id TEXT PRIMARY KEY, asset TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT, applied_at TEXT NOT NULL)'],
    },
  },
  {
    version: 21,
    name: 'prediction runs',
    // Per prediction (model × part): the model version it predicts with, where the part's current
    // life starts (its last failure, epoch ms; null: from the inputs' first sample), how far on the
    // step grid it is (`position`: the end of the last step pushed, epoch ms), the predictor's
    // state (JSON) and a version every write advances. Written in the same transaction as the
    // appends to the derived remaining-life arrays, and only when the version is still the one
    // read: a second process that predicted the same steps rolls back.
    // And at most one remaining-life training queued or running per model (the job's group is
    // `rul-train/<slug>`): a second enqueue by any process fails on this index.
    statements: {
      sqlite: [
        'CREATE TABLE prediction_runs (id TEXT PRIMARY KEY, model TEXT NOT NULL, asset TEXT NOT NULL, model_version INTEGER NOT NULL, life_start INTEGER, position INTEGER NOT NULL, state TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT',
        "CREATE UNIQUE INDEX jobs_one_rul_train ON jobs (grp) WHERE kind = 'rul-train' AND state IN ('queued', 'running')",
      ],
      postgres: [
        'CREATE TABLE prediction_runs (id TEXT PRIMARY KEY, model TEXT NOT NULL, asset TEXT NOT NULL, model_version BIGINT NOT NULL, life_start BIGINT, position BIGINT NOT NULL, state TEXT NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL)',
        "CREATE UNIQUE INDEX jobs_one_rul_train ON jobs (grp) WHERE kind = 'rul-train' AND state IN ('queued', 'running')",
      ],
    },
  },
  {
    version: 22,
    name: 'document key indexes',
    // allDocs runs its queries in SQL (query-sql.ts): an expression index per key the app filters
    // and sorts on, over the value's JSON type then its text with ASCII letters lower-cased (what
    // equality and LIKE, case-insensitive, look up), written exactly as the queries write them.
    // The type column also answers, in a few seeks, whether a key holds only strings. And the
    // lists the app shows most, one type of one site newest first and one type by title, read in
    // index order, so that a page stops after its rows (on PostgreSQL NULLS FIRST: read forwards
    // for ascending, backwards for descending, that is where a missing value sorts).
    statements: {
      sqlite: [
        ...MIGRATION_22_KEYS.map((key) => {
          const { type, folded } = indexedExpressions('sqlite', key);
          return `CREATE INDEX documents_key_${key} ON documents (${type}, ${folded})`;
        }),
        `CREATE INDEX documents_type_site_created ON documents (${indexedExpressions('sqlite', 'type').folded}, ${indexedExpressions('sqlite', 'site').folded}, ${sortExpression('sqlite', 'created_at', 'number')})`,
        `CREATE INDEX documents_type_title ON documents (${indexedExpressions('sqlite', 'type').folded}, ${sortExpression('sqlite', 'title', 'string')})`,
      ],
      postgres: [
        // A document as jsonb. jsonb holds neither U+0000 nor lone surrogates, which a document's
        // JSON text may escape (\u0000, \ud800): such a text is read with U+0001 and U+FFFD
        // instead. Each escaped backslash (\\, read from the left as JSON reads it) is first
        // written \u005c, the same character, so that what is left of \u is an escape. Texts
        // with no \u at all (nearly all: JSON text escapes little else so) are cast directly.
        // PL/pgSQL, never inlined: the planner then matches a query's fl_doc(doc) to an index's as
        // one call instead of the whole expression, which took it milliseconds per statement.
        // (No question mark here: the PostgreSQL driver reads those as placeholders.)
        `CREATE FUNCTION fl_doc(doc text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ BEGIN IF strpos(doc, '\\u') = 0 THEN RETURN doc::jsonb; END IF; RETURN regexp_replace(replace(replace(doc, '\\\\', '\\u005c'), '\\u0000', '\\u0001'), '\\\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\\\\ufffd', 'g')::jsonb; END $$`,
        ...MIGRATION_22_KEYS.map((key) => {
          const { type, folded } = indexedExpressions('postgres', key);
          return `CREATE INDEX documents_key_${key} ON documents ((${type}), ${postgresColumn(folded)})`;
        }),
        `CREATE INDEX documents_type_site_created ON documents (${postgresColumn(indexedExpressions('postgres', 'type').folded)}, ${postgresColumn(indexedExpressions('postgres', 'site').folded)}, (${sortExpression('postgres', 'created_at', 'number')}) NULLS FIRST)`,
        `CREATE INDEX documents_type_title ON documents (${postgresColumn(indexedExpressions('postgres', 'type').folded)}, (${sortExpression('postgres', 'title', 'string')}) NULLS FIRST)`,
      ],
    },
  },
  {
    version: 23,
    name: 'source event times by batch',
    // The event times of each stored group of batches (what makes an event (source, time) stored
    // once), packed: float64 little-endian, ascending, with the first and last. One row per
    // commit instead of one per event: PostgreSQL spent a third of an ingestion on that index.
    // Rows of source_events (before this migration) are still read.
    statements: {
      sqlite: ['CREATE TABLE source_event_times (source TEXT NOT NULL, first_time REAL NOT NULL, last_time REAL NOT NULL, times BLOB NOT NULL) STRICT', 'CREATE INDEX source_event_times_last ON source_event_times (source, last_time)'],
      // And attachment pieces and raw stream chunks are stored out of line without compression:
      // pglz spent more time on every rewritten chunk (float samples hardly compress) than the
      // write itself.
      postgres: [
        'CREATE TABLE source_event_times (source TEXT NOT NULL, first_time DOUBLE PRECISION NOT NULL, last_time DOUBLE PRECISION NOT NULL, times BYTEA NOT NULL)',
        'CREATE INDEX source_event_times_last ON source_event_times (source, last_time)',
        'ALTER TABLE attachment_pieces ALTER COLUMN data SET STORAGE EXTERNAL',
        'ALTER TABLE stream_chunks ALTER COLUMN data SET STORAGE EXTERNAL',
      ],
    },
  },
  {
    version: 24,
    name: 'stream retention',
    // Each source's retention horizon (epoch ms): its raw stream, batch records and event times
    // before it were compacted away, so ingestion refuses event times before it (a resend there
    // could no longer be recognised). And the records by time, which compaction and rebuilds select by.
    statements: {
      sqlite: ['CREATE TABLE stream_horizons (source TEXT PRIMARY KEY, horizon REAL NOT NULL) STRICT', 'CREATE INDEX ingestions_source_last ON ingestions (source, last_time)'],
      postgres: ['CREATE TABLE stream_horizons (source TEXT PRIMARY KEY, horizon DOUBLE PRECISION NOT NULL)', 'CREATE INDEX ingestions_source_last ON ingestions (source, last_time)'],
    },
  },
];

/** Brings the schema up to date; with PostgreSQL an advisory lock keeps concurrent starts apart. */
export async function migrate(driver: SqlDriver, list: readonly Migration[] = migrations): Promise<number> {
  return driver.transaction(async (query: Query) => {
    if (driver.dialect === 'postgres') await query('SELECT pg_advisory_xact_lock(7243011)');
    await query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    // Every migration not applied yet, by its version, not only those above the highest applied:
    // migrations written in parallel may land out of order (20 shipped before 19), and a database
    // that ran 20 must still get 19.
    const applied = new Set((await query('SELECT version FROM schema_migrations')).map((row) => Number(row.version)));
    for (const migration of list) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements[driver.dialect]) await query(statement);
      await query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, new Date().toISOString()]);
      applied.add(migration.version);
    }
    return Math.max(0, ...applied, ...list.map((migration) => migration.version));
  });
}
