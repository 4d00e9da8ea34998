/**
 * Services gadgets acquire from their ancestors (RenderJS's "acquisition"): the composition root
 * gives them to <fl-app>, which provides them to every gadget below it.
 */
import { createContext } from '@lit/context';
import type { Storage } from '../storage';
import type { Uploader } from './upload/uploader';
import type { SyncService } from './sync/sync-service';
import type { AlarmRow } from './alarms/alarm-list';

/** The local storage of the app (IndexedDB stack). */
export const storageContext = createContext<Storage | undefined>(Symbol('fl-storage'));

/** The CSV uploader (outbox of file uploads to the server). */
export const uploaderContext = createContext<Uploader | undefined>(Symbol('fl-uploader'));

/** The companion server's documents and arrays as a storage (`http`), when the app has a server. */
export const serverStorageContext = createContext<Storage | undefined>(Symbol('fl-server-storage'));

/** Sync with the server: its status, "Sync now", conflicts and pinned offline data. */
export const syncContext = createContext<SyncService | undefined>(Symbol('fl-sync'));

/** A live event from the server (GET /api/events, contract: model.md "Live events"). */
export type LiveEvent =
  | { type: 'samples'; array: string; channel?: string; site: string | null; length: number; last: { time: number; value: number } }
  // The document's own type is not read here (the contract names it `type` too): ids say what it is.
  | { type: 'doc'; id: string; site: string | null; deleted?: true }
  | { type: 'reset' };

/**
 * What gadgets need of the LiveService (src/controllers/live/live-service.ts): subscribe to the
 * server's events. Written structurally so the context does not depend on the service's module.
 */
export interface LiveEvents {
  subscribe(listener: (event: LiveEvent) => void): () => void;
  readonly connected: boolean;
}

/** The server's live events (samples appended, documents changed), when the app has a server. */
export const liveContext = createContext<LiveEvents | undefined>(Symbol('fl-live'));

/**
 * Alarms this device raised itself from readings recorded offline (DeviceAlarmEvaluator), which
 * the alarm lists show with the synced ones; fires `change` when they change. Structural, like
 * LiveEvents, so the context does not depend on the evaluator's module.
 */
export interface ProvisionalAlarmSource extends EventTarget {
  provisionalAlarms(): readonly AlarmRow[];
}

/** The device's provisional alarms, when the app evaluates rules on the device. */
export const provisionalAlarmsContext = createContext<ProvisionalAlarmSource | undefined>(Symbol('fl-provisional-alarms'));
