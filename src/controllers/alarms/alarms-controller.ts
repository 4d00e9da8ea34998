/**
 * The alarms on this device, live: the alarm documents sync brought (a technician's own sites
 * only) with this device's `alarm_action` documents folded in (alarm-list.ts), so an
 * acknowledgement made offline shows at once and stays shown until the server's copy says the
 * same. It lists again when a sync finishes, when the server announces an alarm or an action
 * (live `doc` events: through a sync, like every record), and when this page writes an action
 * (`fl-alarm-action` on the window, fired by alarm-actions.ts). Provisional alarms (the device's
 * own evaluation of readings recorded offline) join through the `provisional` option.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ContextConsumer } from '@lit/context';
import type { Alarm, AlarmAction } from '../../core';
import { DocsController } from '../docs-controller';
import { provisionalAlarmsContext, type ProvisionalAlarmSource } from '../contexts';
import { compareAlarms, filterAlarms, foldActions, type ActionDoc, type AlarmFilter, type AlarmRow } from './alarm-list';

/** Fired on the window after this page wrote an alarm action (every alarm view lists again). */
export const ALARM_ACTION_EVENT = 'fl-alarm-action';

export interface AlarmsControllerOptions {
  /** The list's filter (read on every `shown`); default: open, not hidden, every site. */
  filter?: () => AlarmFilter;
  /** Alarms this device raised itself and the server does not know yet (default: the provisionalAlarmsContext's). */
  provisional?: () => readonly AlarmRow[];
  /** The clock (shelving expires). */
  now?: () => number;
  /** The window the action event arrives on. */
  target?: EventTarget;
}

export class AlarmsController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #options: AlarmsControllerOptions;
  readonly #alarms: DocsController<Alarm>;
  readonly #actions: DocsController<AlarmAction>;
  readonly #target: EventTarget;
  #folded: { alarms: unknown; actions: unknown; provisional: unknown; rows: AlarmRow[] } | undefined;
  #expiry: ReturnType<typeof setTimeout> | undefined;
  /** The device's own evaluation (DeviceAlarmEvaluator), from the context; its `change` updates the host. */
  #device: ProvisionalAlarmSource | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, options: AlarmsControllerOptions = {}) {
    this.#host = host;
    this.#options = options;
    this.#target = options.target ?? window;
    this.#alarms = new DocsController<Alarm>(host, { query: () => 'type:alarm', prefixes: ['alarm/'], sortOn: 'raised_at' });
    this.#actions = new DocsController<AlarmAction>(host, { query: () => 'type:alarm_action', prefixes: ['alarm_action/'], sortOn: 'at' });
    new ContextConsumer(host, { context: provisionalAlarmsContext, subscribe: true, callback: (source) => this.#watch(source) });
    host.addController(this);
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  /** Whether the alarm documents were read (false until the first listing). */
  get loaded(): boolean {
    return this.#alarms.docs !== undefined;
  }

  /** Why the last listing failed, if it did. */
  get error(): string | undefined {
    return this.#alarms.error ?? this.#actions.error;
  }

  /** Every alarm on this device, actions folded in, most urgent first (no filter). */
  get all(): AlarmRow[] {
    const alarms = this.#alarms.docs;
    const actions = this.#actions.docs;
    const provisional = this.#options.provisional ? this.#options.provisional() : this.#device?.provisionalAlarms();
    const cached = this.#folded;
    if (cached && cached.alarms === alarms && cached.actions === actions && cached.provisional === provisional) return cached.rows;
    const byAlarm = new Map<string, ActionDoc[]>();
    for (const action of actions ?? []) {
      if (typeof action.alarm !== 'string' || typeof action.at !== 'number') continue;
      const list = byAlarm.get(action.alarm);
      if (list) list.push(action);
      else byAlarm.set(action.alarm, [action]);
    }
    const now = this.#now();
    const rows = new Map<string, AlarmRow>();
    // The server's alarm wins over a provisional one of the same id (it has seen more).
    for (const row of provisional ?? []) rows.set(row.id, foldActions(row.id, row, byAlarm.get(row.id) ?? [], now));
    for (const { id, ...alarm } of alarms ?? []) {
      if (!Array.isArray(alarm.history) || typeof alarm.raised_at !== 'number') continue; // not an alarm as the contract writes it
      rows.set(id, foldActions(id, alarm, byAlarm.get(id) ?? [], now));
    }
    const sorted = [...rows.values()].sort(compareAlarms);
    this.#folded = { alarms, actions, provisional, rows: sorted };
    this.#scheduleExpiry(sorted, now);
    return sorted;
  }

  /** The alarms the filter lets through. */
  get shown(): AlarmRow[] {
    return filterAlarms(this.all, this.#options.filter?.() ?? {}, this.#now());
  }

  /** One alarm by id, actions folded in (undefined: not on this device). */
  byId(id: string): AlarmRow | undefined {
    return this.all.find((row) => row.id === id);
  }

  /** Lists alarms and actions again now. */
  async reload(): Promise<void> {
    await Promise.all([this.#alarms.reload(), this.#actions.reload()]);
  }

  /** A shelve ends by time, with no document changing: update the host when the next one does. */
  #scheduleExpiry(rows: readonly AlarmRow[], now: number): void {
    clearTimeout(this.#expiry);
    let next = Infinity;
    for (const row of rows) if (row.shelved && row.shelved.until > now) next = Math.min(next, row.shelved.until);
    // Timers beyond ~24.8 days overflow; a day is far enough (the next listing schedules again).
    if (next !== Infinity && this.#host.isConnected) this.#expiry = setTimeout(() => ((this.#folded = undefined), this.#host.requestUpdate()), Math.min(next - now + 50, 86_400_000));
  }

  readonly #onAction = () => void this.reload();

  /** A new provisional list: listed again (the cache keys on the list itself). */
  readonly #onProvisional = () => this.#host.requestUpdate();

  #watch(source: ProvisionalAlarmSource | undefined): void {
    this.#device?.removeEventListener('change', this.#onProvisional);
    this.#device = source;
    if (this.#host.isConnected) source?.addEventListener('change', this.#onProvisional);
    this.#host.requestUpdate();
  }

  hostConnected(): void {
    this.#target.addEventListener(ALARM_ACTION_EVENT, this.#onAction);
    this.#device?.addEventListener('change', this.#onProvisional);
  }

  hostDisconnected(): void {
    this.#target.removeEventListener(ALARM_ACTION_EVENT, this.#onAction);
    this.#device?.removeEventListener('change', this.#onProvisional);
    clearTimeout(this.#expiry);
  }
}
