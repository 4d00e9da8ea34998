// Field names exactly as sent in msgpack (a field `__proto__` stays `__proto__`), and the second,
// exact decoding pass such a field triggers counts events as it goes like the first one does
// (regression: it decoded the whole body before the event limit applied).
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { unpackMultipleExactly } from '../../src/server/ingest/msgpack-keys';
import { MAX_EVENTS, parseMsgpack } from '../../src/server/ingest/parse';

/** A record whose own key is `__proto__` (an object literal would set the prototype instead). */
function protoRecord(value: number): Record<string, number> {
  const record = Object.create(null) as Record<string, number>;
  record.__proto__ = value;
  return record;
}

describe('msgpack keys exactly as sent', () => {
  it('keeps a __proto__ field as a field', () => {
    const events = parseMsgpack(Buffer.concat([pack([1_800_000_000, protoRecord(7)]), pack([1_800_000_001, { temp: 3 }])]));
    expect(events).toHaveLength(2);
    expect(Object.hasOwn(events[0]!.record, '__proto__')).toBe(true);
    expect(events[0]!.record.__proto__).toBe(7);
    expect(Object.hasOwn(events[0]!.record, '__proto_')).toBe(false);
  });

  it('hands values over one by one and stops when told to', () => {
    const bytes = Buffer.concat(Array.from({ length: 100 }, (_, index) => pack([index, { v: index }])));
    const seen: unknown[] = [];
    unpackMultipleExactly(bytes, (value) => {
      seen.push(value);
      return seen.length < 3;
    });
    expect(seen).toHaveLength(3);
  });

  it('a __proto__ field in a body of more than MAX_EVENTS events is refused at the limit, in the exact pass too', () => {
    const one = pack([1_800_000_000, { a: 1 }]);
    const bytes = Buffer.concat([pack([1_700_000_000, protoRecord(1)]), ...Array.from({ length: MAX_EVENTS + 1 }, () => one)]);
    expect(() => parseMsgpack(bytes)).toThrow(expect.objectContaining({ status: 413 }));
  });
});
