/**
 * Events of one batch that share a time are one instant: a source stores one record per event
 * time (an event is identified by source and time), so `{t, temp}` and `{t, power}` sent in one
 * batch become `{t, temp, power}` instead of the second being lost. A field keeps one value per
 * instant: the first one given (a null, i.e. an empty CSV cell, gives none); another value for
 * the same field at the same instant is dropped and counted.
 */
import type { IngestEvent } from './parse';

export interface Instants {
  /** One event per time, in the order the times first appear; the input array when no time repeats. */
  events: IngestEvent[];
  /** Values dropped: a field given again, with another value, at an instant that already had one. */
  dropped: number;
}

const unset = (value: unknown): boolean => value === null || value === undefined;

/** Merges the events of a batch that share a time (see the header); pure, O(events). */
export function mergeInstants(events: IngestEvent[]): Instants {
  // Most batches are in time order: strictly increasing times cannot repeat (no map needed).
  let increasing = true;
  for (let index = 1; index < events.length && increasing; index++) increasing = events[index]!.time > events[index - 1]!.time;
  if (increasing) return { events, dropped: 0 };
  const first = new Map<number, number>();
  let repeated = false;
  for (const [index, event] of events.entries()) {
    if (first.has(event.time)) repeated = true;
    else first.set(event.time, index);
  }
  if (!repeated) return { events, dropped: 0 };
  // Merged records are copies without prototype (keys are input: `__proto__` stays a key there).
  const position = new Map<number, number>(); // time → its instant's index in `result`
  const copied = new Set<number>();
  const result: IngestEvent[] = [];
  let dropped = 0;
  for (const [index, event] of events.entries()) {
    if (first.get(event.time) === index) {
      position.set(event.time, result.length);
      result.push(event);
      continue;
    }
    const at = position.get(event.time)!;
    if (!copied.has(event.time)) {
      copied.add(event.time);
      result[at] = { time: event.time, record: Object.assign(Object.create(null) as Record<string, unknown>, result[at]!.record) };
    }
    const record = result[at]!.record;
    for (const [field, value] of Object.entries(event.record)) {
      if (Object.hasOwn(record, field) && !unset(record[field])) {
        if (!unset(value) && !Object.is(value, record[field])) dropped++;
      } else if (!Object.hasOwn(record, field) || !unset(value)) record[field] = value;
    }
  }
  return { events: result, dropped };
}
