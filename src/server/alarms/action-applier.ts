/**
 * The alarm action applier: folds each `alarm_action` document (what a person did to an alarm,
 * written on any device, offline too) into its alarm with the core's `applyAction`, once.
 *
 * Where the truth lives: the alarm document (written only by the server: this applier and the
 * evaluator) and the table `alarm_actions_applied`, one row per action dealt with. Applying an
 * action is one transaction holding the alarm's conditional write (`expect` = the hash of the
 * alarm as it was read: the evaluator writes the same document, and so may another process's
 * applier) and that row; on a 409 the alarm is read again and the action applied to what is
 * there now, so neither the evaluator's transition nor the action is lost. The row, not the
 * alarm's history (bounded to its last entries), says an action was dealt with, so an action is
 * applied exactly once across crashes, restarts and processes sharing one database.
 *
 * When: right after an action's write commits (the doc feed's `doc` events, which see the writes
 * of every process sharing the database), and by a sweep at start and every `sweepMs` (an action
 * stored just before a crash, an event this process missed). A pass reads the changes feed past
 * its checkpoint (an indexed range of `seq`) for actions without a row; the checkpoint starts at 0
 * in each process, so the first pass also catches whatever an earlier run left.
 *
 * An action that cannot apply (acknowledging a normal alarm, an alarm an admin deleted) keeps its
 * document — it is what the person did, and it is immutable — and changes nothing on the alarm:
 * its row says `refused` with applyAction's reason, and it is logged once, when the row is
 * written. Recording it on the alarm's history would put entries there that never happened to
 * the alarm, and a refused action on a device is already shown by the alarm coming back as it was.
 */
import { applyAction, docHash, type Alarm, type AlarmAction, type Json } from '../../core';
import type { Doc } from '../../storage/backend';
import type { SqlDriver, Query, Row } from '../store/sql/driver';
import { SqlStorage } from '../store/sql/sql-storage';
import { StorageError } from '../../storage/errors';
import type { LivePublisher } from '../live/publisher';
import { DocSweeper } from '../live/doc-sweeper';

/** Where the applier says what it did (a pino logger fits). */
export interface ApplierLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface ActionApplierOptions {
  driver: SqlDriver;
  /** The live bus whose `doc` events (doc feed) wake the applier; absent: only the sweep runs. */
  live?: LivePublisher;
  log: ApplierLog;
  /** How often the sweep runs (default 5000 ms). */
  sweepMs?: number;
  /** The clock applyAction is given (shelve expiry); default Date.now. */
  now?: () => number;
  /** Actions read per query (default 200). */
  batch?: number;
  /**
   * Called after an alarm was read and before its conditional write (tests put a concurrent
   * evaluator write here, to prove the write is conditional and retried).
   */
  beforeWrite?: (alarmId: string) => Promise<void>;
}

/** What became of one action. */
export type ApplyOutcome = 'applied' | 'refused' | 'done_before';

/** Conditional writes tried per action before the pass gives up on it until the next one. */
const MAX_TRIES = 8;

const isConflict = (error: unknown): boolean => error instanceof StorageError && error.code === 'conflict';

/** Applies alarm actions to their alarms, once each; start() runs it, stop() waits for it. */
export class ActionApplier {
  readonly #driver: SqlDriver;
  readonly #log: ApplierLog;
  readonly #now: () => number;
  readonly #batch: number;
  readonly #beforeWrite: ((alarmId: string) => Promise<void>) | undefined;
  /** Wakes the passes (start, the live bus, every sweepMs); passes never overlap. */
  readonly #sweeper: DocSweeper;
  /** Every action with seq ≤ this was dealt with (or found dealt with) by this process. */
  #checkpoint = 0;
  /** Actions applied or refused by this process (tests and logs read it). */
  readonly counts = { applied: 0, refused: 0, conflicts: 0 };

  constructor(options: ActionApplierOptions) {
    this.#driver = options.driver;
    this.#log = options.log;
    this.#sweeper = new DocSweeper({ type: 'alarm_action', live: options.live, sweepMs: options.sweepMs ?? 5000, log: options.log, label: 'alarm actions', pass: () => this.#passOnce() });
    this.#now = options.now ?? Date.now;
    this.#batch = options.batch ?? 200;
    this.#beforeWrite = options.beforeWrite;
  }

  /** Starts: a first sweep now (in the background), then on each action written and every sweepMs. */
  start(): void {
    this.#sweeper.start();
  }

  /** Stops waking and waits for a pass in progress (so the database can close after it). */
  stop(): Promise<void> {
    return this.#sweeper.stop();
  }

  /**
   * One pass over the actions not yet dealt with (joins a running one and runs once more after
   * it, so one written during a pass is not left to the next sweep). Never rejects.
   */
  sweep(): Promise<void> {
    return this.#sweeper.sweep();
  }

  /** One batch past the checkpoint; true when a full batch came (more may wait). */
  async #passOnce(): Promise<boolean> {
    const since = this.#checkpoint;
    const type = this.#driver.dialect === 'sqlite' ? "json_extract(d.doc, '$.type')" : "(d.doc::json ->> 'type')";
    const { end, rows } = await this.#driver.transaction(async (query) => {
      // The end first: on PostgreSQL each statement sees what committed before it, so rows past
      // `end` may show up below (they are looked at again next time, and skipped by their row).
      const [counter] = await query("SELECT value FROM counters WHERE name = 'seq'");
      const end = Number(counter?.value ?? 0);
      const rows = await query(
        `SELECT d.id, d.seq, d.doc FROM documents d LEFT JOIN alarm_actions_applied a ON a.id = d.id WHERE d.seq > ? AND d.seq <= ? AND d.deleted = ? AND ${type} = 'alarm_action' AND a.id IS NULL ORDER BY d.seq LIMIT ?`,
        [since, end, false, this.#batch],
      );
      return { end, rows };
    });
    let allDealtWith = true;
    for (const row of rows) {
      if (this.#sweeper.stopped) return false;
      try {
        await this.apply(String(row.id), JSON.parse(String(row.doc)) as AlarmAction);
      } catch (error) {
        allDealtWith = false;
        this.#log.warn({ err: error, action: String(row.id) }, 'alarm actions: could not apply; tried again at the next pass');
      }
    }
    const full = rows.length === this.#batch;
    // Past everything read, unless something must be read again (a failure keeps the checkpoint).
    if (allDealtWith) this.#checkpoint = full ? Number(rows.at(-1)!.seq) : Math.max(since, end);
    return full && allDealtWith;
  }

  /**
   * Applies one action to its alarm, unless it was dealt with before (by this or another
   * process). Rejects only on a database failure (the action stays for the next pass).
   */
  async apply(actionId: string, action: AlarmAction): Promise<ApplyOutcome> {
    const alarmId = String(action.alarm);
    for (let attempt = 1; ; attempt++) {
      const read = await this.#driver.transaction(async (query) => ({ done: await ActionApplier.#dealtWith(query, actionId), alarm: await ActionApplier.#alarm(query, alarmId) }));
      if (read.done) return 'done_before';
      let next: Alarm | undefined;
      let reason: string | undefined;
      if (!read.alarm) reason = `there is no alarm ${JSON.stringify(alarmId)}`;
      else {
        try {
          next = applyAction(read.alarm, actionId, action, this.#now());
        } catch (error) {
          // applyAction is pure: whatever it throws is its refusal of this action.
          reason = error instanceof Error ? error.message : String(error);
        }
      }
      await this.#beforeWrite?.(alarmId);
      try {
        const written = await this.#driver.transaction(async (query) => {
          // Other writers wait from here to the commit: what is checked below holds when it commits.
          await SqlStorage.holdWriters(query);
          if (await ActionApplier.#dealtWith(query, actionId)) return false; // another process did, since the read
          const hash = read.alarm ? docHash(read.alarm as unknown as Json) : undefined;
          if (next) {
            // The conditional write: 409 if the alarm is no longer the version applyAction saw.
            await SqlStorage.applyWrites(query, [{ type: 'put', id: alarmId, doc: next as unknown as Doc, expect: hash! }]);
          } else {
            // A refusal is of the version read, too: a changed alarm is judged again.
            const current = await ActionApplier.#alarm(query, alarmId);
            if ((current ? docHash(current as unknown as Json) : undefined) !== hash) throw new StorageError('conflict', `alarm ${JSON.stringify(alarmId)} changed since it was read`);
          }
          await query('INSERT INTO alarm_actions_applied (id, alarm, outcome, reason, applied_at) VALUES (?, ?, ?, ?, ?)', [actionId, alarmId, next ? 'applied' : 'refused', reason ?? null, new Date().toISOString()]);
          return true;
        });
        if (!written) return 'done_before';
      } catch (error) {
        if (isConflict(error) && attempt < MAX_TRIES) {
          this.counts.conflicts++;
          continue; // the alarm changed since it was read (the evaluator): apply to the new version
        }
        throw error;
      }
      if (next) {
        this.counts.applied++;
        return 'applied';
      }
      this.counts.refused++;
      this.#log.info({ action: actionId, alarm: alarmId, reason }, `alarm action ${actionId} (${String(action.action)} by ${String(action.by)}) not applied: ${reason}`);
      return 'refused';
    }
  }

  static async #dealtWith(query: Query, actionId: string): Promise<boolean> {
    return (await query('SELECT id FROM alarm_actions_applied WHERE id = ?', [actionId])).length > 0;
  }

  static async #alarm(query: Query, alarmId: string): Promise<Alarm | undefined> {
    const [row]: Row[] = await query('SELECT doc FROM documents WHERE id = ? AND deleted = ?', [alarmId, false]);
    if (!row) return undefined;
    const doc = JSON.parse(String(row.doc)) as Record<string, unknown>;
    return doc.type === 'alarm' ? (doc as unknown as Alarm) : undefined;
  }
}
