// docHash: the version identity sync compares. Equal content → equal hash whatever the key order;
// different content → different hash (no collision among many random documents).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { docHash, type Json } from '../../src/core';

/** The same value with every object's keys in reverse order (as PostgreSQL's jsonb may give it back). */
function reordered(value: Json): Json {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).reverse().map((key) => [key, reordered(value[key]!)]));
}

/** Sorted-key JSON, written independently of docHash, to tell whether two values are the same. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key]!)}`).join(',')}}`;
}

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;

describe('docHash', () => {
  it('ignores key order at every level and survives a JSON round trip', () => {
    fc.assert(fc.property(json, (value) => docHash(reordered(value)) === docHash(value) && docHash(JSON.parse(JSON.stringify(value)) as Json) === docHash(value)));
  });

  it('tells apart values that differ only in type or in where a delimiter falls', () => {
    const cases: Json[] = [
      { a: 1 },
      { a: '1' },
      { a: true },
      { a: 'true' },
      { a: null },
      { a: 'null' },
      { a: [1] },
      { a: ['1'] },
      { a: 'x', b: 'y' },
      { a: 'x,b:y' },
      { ab: 'c' },
      { a: 'bc' },
      { a: ['x', 'y'] },
      { a: ['xy'] },
      { a: { b: 1 } },
      { 'a.b': 1 },
      {},
      [],
      { a: 'é' },
      { a: 'e\u0301' },
    ];
    expect(new Set(cases.map((value) => docHash(value))).size).toBe(cases.length);
  });

  it('gives distinct hashes to 20 000 distinct documents', () => {
    const seen = new Map<string, string>();
    fc.assert(
      fc.property(json, (value) => {
        const text = canonical(value);
        const hash = docHash(value);
        const before = seen.get(hash);
        seen.set(hash, text);
        return before === undefined || before === text;
      }),
      { numRuns: 20_000 },
    );
  });

  it('is 32 lowercase hex digits, and -0 counts as 0 (JSON cannot tell them apart)', () => {
    expect(docHash({ reading: 1.5 })).toMatch(/^[0-9a-f]{32}$/);
    expect(docHash({ a: -0 })).toBe(docHash({ a: 0 }));
  });
});
