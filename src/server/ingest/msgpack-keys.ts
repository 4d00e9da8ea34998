/**
 * Field names exactly as sent in msgpack. msgpackr decodes maps into plain objects and, to keep a
 * map from setting an object's prototype, renames the key `__proto__` to `__proto_`: a field
 * `__proto__` would land in the channel of a field `__proto_` (and collide with a real one). An
 * input with such a key is decoded again here with maps kept as Maps, each turned into an object
 * without prototype, where `__proto__` is a key like any other. Only then: the fast decoder stays
 * the one for everything else.
 */
import { Unpackr } from 'msgpackr';

const RENAMED_KEY = '__proto_';

// Extensions are msgpackr's globals: this decoder reads fluentd's EventTime too (parse.ts adds it).
const mapsAsMaps = new Unpackr({ mapsAsObjects: false, useRecords: false });

/** Whether a decoded record may hold a renamed `__proto__` key (then decode its input with `unpackExactly`). */
export function mayHaveRenamedKey(record: unknown): boolean {
  return typeof record === 'object' && record !== null && Object.hasOwn(record, RENAMED_KEY);
}

/** Maps (at any depth) → objects without prototype, keys as strings, as msgpackr names them. */
function withObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withObjects);
  if (value instanceof Map) {
    const object = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of value as Map<unknown, unknown>) object[String(key)] = withObjects(item);
    return object;
  }
  return value;
}

/** One msgpack value with map keys exactly as sent. */
export function unpackExactly(bytes: Uint8Array): unknown {
  return withObjects(mapsAsMaps.unpack(bytes));
}

/**
 * Each msgpack value of a stream, with map keys exactly as sent, handed to `each` as it is decoded
 * (false stops): a caller counting events stops at its limit instead of decoding the whole body.
 */
export function unpackMultipleExactly(bytes: Uint8Array, each: (value: unknown) => boolean): void {
  mapsAsMaps.unpackMultiple(bytes, (value: unknown) => each(withObjects(value)));
}
